package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/slackfake"
)

// slackFront stands in front of the Slack stand-in and answers the first
// chat.postMessage to each channel with 429 and Retry-After, as Slack does
// past its rate of about one message a second per channel.
type slackFront struct {
	fake *slackfake.Server
	srv  *httptest.Server

	mu       sync.Mutex
	limited  map[string]bool // channels that got their 429
	tooMany  int
	firstTry map[string]time.Time
}

func newSlackFront(t *testing.T) *slackFront {
	t.Helper()
	f := &slackFront{fake: slackfake.New(), limited: map[string]bool{}, firstTry: map[string]time.Time{}}
	t.Cleanup(f.fake.Close)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/chat.postMessage" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			form, _ := url.ParseQuery(string(body))
			ch := form.Get("channel")
			f.mu.Lock()
			first := ch != "" && !f.limited[ch]
			if first {
				f.limited[ch] = true
				f.tooMany++
				f.firstTry[ch] = time.Now()
			}
			f.mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
				return
			}
		}
		f.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// APIURL is the value for SLACK_API_URL.
func (f *slackFront) APIURL() string { return f.srv.URL + "/api/" }

// rosterChannels returns the Slack channel of every department that has one.
func rosterChannels() map[string]string {
	out := map[string]string{}
	for _, d := range booking.DefaultCatalog().Departments {
		if d.Slack.Channel != "" {
			out[d.Code] = d.Slack.Channel
		}
	}
	return out
}

// slackRosters429 starts the program at its roster time against a Slack
// whose first post to each channel is refused with 429 (Retry-After: 1 s),
// waits until every roster is delivered, and returns the outbox rows of the
// rosters, how long the last took, and the front.
func slackRosters429(t *testing.T, within time.Duration) ([]outboxRow, time.Duration, *slackFront, *pgxpool.Pool) {
	t.Helper()
	front := newSlackFront(t)
	api := newBotAPI(t)
	pool := pgtest.New(t)
	_, prefix := redistest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redistest.URL(), api.URL(), front.APIURL())
	start := time.Now()
	startReplicas(t, 1, cfg, prefix, rosterMorning)
	channels := rosterChannels()
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		done := 0
		for _, ch := range channels {
			if len(front.fake.Channel(ch)) > 0 {
				done++
			}
		}
		if done == len(channels) {
			break
		}
		if time.Now().After(deadline) {
			var rows []string
			for _, r := range outboxRows(t, pool) {
				rows = append(rows, r.String())
			}
			t.Fatalf("within %s %d of %d rosters reached Slack:\n%s", within, done, len(channels), strings.Join(rows, "\n"))
		}
	}
	took := time.Since(start)
	waitDueDelivered(t, pool, 10*time.Second)
	var rosters []outboxRow
	for _, r := range outboxRows(t, pool) {
		if r.Kind == string(booking.NotifyStaffRoster) {
			rosters = append(rosters, r)
		}
	}
	return rosters, took, front, pool
}

// TestFaultSlack429 starts the program at the roster time with a Slack
// that refuses the first post to every channel with 429: each department's
// roster still reaches its channel exactly once, retried by the outbox, and
// no roster is lost or parked.
func TestFaultSlack429(t *testing.T) {
	rosters, took, front, _ := slackRosters429(t, 40*time.Second)
	channels := rosterChannels()
	if len(rosters) != len(channels) {
		t.Fatalf("%d rosters in the outbox, want %d", len(rosters), len(channels))
	}
	for _, r := range rosters {
		if !r.Delivered || r.Parked {
			t.Errorf("roster %v: want delivered", r)
		}
	}
	for code, ch := range channels {
		if n := len(front.fake.Channel(ch)); n != 1 {
			t.Errorf("%s: %d posts in %s, want its roster once", code, n, ch)
		}
	}
	attempts := map[int]int{}
	for _, r := range rosters {
		attempts[r.Attempts]++
	}
	t.Logf("%d posts refused with 429; every roster delivered once after %s; outbox attempts per roster: %v",
		front.tooMany, took.Round(time.Millisecond), attempts)
}

// TestFaultSlackCancelSubmittedTwice sends a clerk's cancel submission
// (the reason modal) twice at the same moment, as a retried or doubled
// request does: the booking is cancelled once, with one audit entry, and
// the citizen is told once.
func TestFaultSlackCancelSubmittedTwice(t *testing.T) {
	ctx := context.Background()
	const signing = "replica-test-signing-secret" // what replicaConfig sets
	const chat = 7601
	staff := slackfake.New()
	t.Cleanup(staff.Close)
	api := newBotAPI(t)
	tg := api.fake
	pool := pgtest.New(t)
	_, prefix := redistest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redistest.URL(), api.URL(), staff.APIURL())
	m := startReplicas(t, 1, cfg, prefix, rosterMorning)[0]
	tg.SetWebhookTargets(webhookTargets([]*running{m})...)
	waitWebhook(t, tg)

	athens := rosterMorning().Location()
	b, err := m.Office().Book(ctx, booking.Request{
		Citizen: booking.Citizen{TelegramID: chat, Name: "Μαρία Παπαδοπούλου", Phone: "6912345678", Lang: booking.Greek},
		Service: "birth-certificate",
		Start:   time.Date(2025, 12, 4, 10, 0, 0, 0, athens),
	})
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]string{"ref": b.Ref, "response_url": staff.ResponseURL()})
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": "U0EXAMPLE1", "name": "clerk"},
		"view": map[string]any{"callback_id": "rantevou_cancel_reason", "private_metadata": string(meta),
			"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason_input": map[string]any{"type": "plain_text_input", "value": "ασθένεια υπαλλήλου"}}}}},
	})
	answers := make([]string, 2)
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			// Signed a second apart, as Slack signs each request it
			// sends: the same signature twice is a replay, refused at
			// the door (TestReplayedRequestRefused in package slack).
			at := rosterMorning().Add(time.Duration(i) * time.Second)
			req, err := slackfake.SignedRequest(ctx, m.URL()+"/slack/interactions", signing, url.Values{"payload": {string(payload)}}, at)
			if err != nil {
				t.Error(err)
				return
			}
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			codes[i], answers[i] = resp.StatusCode, string(body)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("answered after %s; Slack gives up after 3 s", d)
			}
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("submission %d answered %d %q", i, c, answers[i])
		}
	}
	var status string
	var cancels, told int
	if err := pool.QueryRow(ctx, `SELECT status,
		(SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action LIKE '%cancel%'),
		(SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2)
		FROM bookings WHERE id = $1`, b.ID, string(booking.NotifyCancelledByStaff)).Scan(&status, &cancels, &told); err != nil {
		t.Fatal(err)
	}
	if status != string(booking.Cancelled) || cancels != 1 || told != 1 {
		t.Fatalf("after a doubled cancel: status %s, %d cancel audit entries, %d citizen notifications; want cancelled, 1, 1\nanswers: %q", status, cancels, told, answers)
	}
	waitDueDelivered(t, pool, 15*time.Second)
	n := 0
	for _, msg := range tg.Chat(chat) {
		if msg.FromBot && strings.Contains(msg.Text, "ασθένεια υπαλλήλου") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the citizen was told of the cancellation %d times, want once\nchat: %s", n, dump(tg.Chat(chat)))
	}
	t.Logf("two identical submissions answered %q and %q; one cancellation", answers[0], answers[1])
}
