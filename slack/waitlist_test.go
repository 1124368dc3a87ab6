package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// TestWaitlist: staff see how many citizens wait per service, with the
// slash command and in the roster's summary, for their own departments
// only.
func TestWaitlist(t *testing.T) {
	e := newEnv(t)
	e.office.UseWaitlist(e.store, booking.WaitlistConfig{Hold: 10 * time.Minute})
	ctx := context.Background()
	d := e.workday(t, 0)
	join := func(id int64, svc string) {
		t.Helper()
		if _, err := e.office.JoinWaitlist(ctx, booking.WaitRequest{Service: svc, From: d, To: d,
			Citizen: booking.Citizen{TelegramID: id, Lang: booking.Greek}}); err != nil {
			t.Fatal(err)
		}
	}

	code, out, _ := e.command(t, clerk, "waitlist")
	if code != http.StatusOK || !strings.Contains(text(out), "κανείς στη λίστα αναμονής") {
		t.Fatalf("empty list: %d %q", code, text(out))
	}
	join(7001, "birth-certificate")
	join(7002, "birth-certificate")
	join(7003, "family-status")
	for _, cmd := range []string{"waitlist", "waitlist civil-registry", "αναμονή Δημοτολόγιο"} {
		_, out, _ = e.command(t, clerk, cmd)
		got := text(out)
		if !strings.Contains(got, "Πιστοποιητικό γέννησης: 2 δημότες") || !strings.Contains(got, "1 δημότης") {
			t.Fatalf("%s: %q", cmd, got)
		}
		if out["response_type"] != "ephemeral" {
			t.Fatalf("%s: answered %v", cmd, out["response_type"])
		}
	}
	_, out, _ = e.command(t, clerk, "waitlist registry-office")
	if got := text(out); strings.Contains(got, "δημότες") || !strings.Contains(got, "registry-office") {
		t.Fatalf("another department's list: %q", got)
	}

	r, err := e.office.Roster(ctx, "civil-registry", d)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(e.adapter.RosterMessages(r, booking.Greek))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "σε αναμονή: Πιστοποιητικό οικογενειακής κατάστασης: 1 δημότης, Πιστοποιητικό γέννησης: 2 δημότες") {
		t.Fatalf("roster summary lacks the waiting: %s", raw)
	}
}
