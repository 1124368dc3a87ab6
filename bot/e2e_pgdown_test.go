package bot

import (
	"net/http"
	"strings"
	"testing"
)

// TestConversationPostgresDown: with PostgreSQL unreachable a step's effect
// fails, and the citizen is told at once to try again, with the phone to
// call; the webhook answers 200. A 503 would have Telegram redeliver the
// tap minutes later, on a screen that has moved on, and surprise the
// citizen; their own retry is clearer, and nothing was booked or lost.
// (Redis down is different: nothing was done at all, so 503 and a
// redelivery, TestConversationRedisDown.)
func TestConversationPostgresDown(t *testing.T) {
	e := newE2E(t)
	const c = 701
	e.say(t, c, "/start")
	e.pressAt(t, c, 0, 0) // book: departments
	e.pressAt(t, c, 0, 0) // a department: its services
	e.pool.Close()        // every query now fails, as in an outage
	e.pressAt(t, c, 0, 0) // a service: loads its free days from PostgreSQL
	if st := e.lastDelivery(t); st != http.StatusOK {
		t.Fatalf("status %d; want 200 with the citizen told to try again", st)
	}
	last, _ := e.fake.Last(c)
	if !strings.Contains(strings.ToLower(last.Text), "δοκιμάστε ξανά") {
		t.Fatalf("the citizen was told %q; want to try again", last.Text)
	}
	e.wantAllAnswered(t)
}
