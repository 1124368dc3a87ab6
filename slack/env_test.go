package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

const (
	secret  = "8f742231b10e8888abcd99yyyzzz85a5"
	civil   = "civil-registry"
	clerk   = "U0EXAMPLE1" // staff of the Civil Registry in the default catalog
	channel = "C0CIVILREG"
)

// env is a database with the default catalog, the real Office, the Slack
// stand-in and the adapter's endpoints on a local server.
type env struct {
	store   *postgres.Store
	office  *booking.Office
	cat     *booking.Catalog
	fake    *slackfake.Server
	adapter *slack.Adapter
	srv     *httptest.Server
	outbox  *postgres.Outbox
	// clock is the Office's and the adapter's clock (newEnvClock), which
	// command and interact sign at; nil: the real time.
	clock *fakeClock
	pool  *pgxpool.Pool
}

// fakeClock is a clock the test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newEnvClock is newEnvWith with one fake clock, at the real time to
// start with, for the Office and the adapter: a test moves it to a
// booking's start to mark it, or to the next day.
func newEnvClock(t *testing.T, edit func(*booking.Catalog)) *env {
	t.Helper()
	c := &fakeClock{t: time.Now()}
	e := newEnvAt(t, edit, c.Now, c.Now)
	e.clock = c
	return e
}

func (e *env) now() time.Time {
	if e.clock != nil {
		return e.clock.Now()
	}
	return time.Now()
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil, nil) }

// newEnvWith is newEnv with the catalog edited by edit and the adapter's
// clock set to now (either may be nil).
func newEnvWith(t *testing.T, edit func(*booking.Catalog), now func() time.Time) *env {
	t.Helper()
	return newEnvAt(t, edit, now, time.Now)
}

// newEnvAt is newEnvWith with the Office's clock too.
func newEnvAt(t *testing.T, edit func(*booking.Catalog), now, officeNow func() time.Time) *env {
	t.Helper()
	pool := pgtest.New(t)
	cat := booking.DefaultCatalog()
	if edit != nil {
		edit(cat)
	}
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	office := booking.NewOffice(cat, store, officeNow)
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	a := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.APIURL(), Now: now}, office, store, nil)
	srv := httptest.NewServer(a.Routes())
	t.Cleanup(srv.Close)
	return &env{store: store, office: office, cat: cat, fake: fake, adapter: a, srv: srv, outbox: postgres.NewOutbox(pool), pool: pool}
}

// workday returns the first day from tomorrow on which dept is open, at
// least skip days ahead.
func (e *env) workday(t *testing.T, skip int) booking.Date {
	t.Helper()
	d := booking.DateOf(time.Now(), e.cat.Location).AddDays(1 + skip)
	for i := 0; i < 20; i++ {
		day, err := e.office.FreeSlots(context.Background(), "birth-certificate", d)
		if err != nil {
			t.Fatal(err)
		}
		if !day.Closed && len(day.Slots) >= 6 {
			return d
		}
		d = d.AddDays(1)
	}
	t.Fatal("no working day within 20 days")
	return d
}

// book books citizens from base on d at the slots given by index, one
// citizen each, for service.
func (e *env) book(t *testing.T, service string, d booking.Date, base int64, slots ...int) []booking.Booking {
	t.Helper()
	ctx := context.Background()
	day, err := e.office.FreeSlots(ctx, service, d)
	if err != nil {
		t.Fatal(err)
	}
	var out []booking.Booking
	for i, s := range slots {
		b, err := e.office.Book(ctx, booking.Request{
			Citizen: booking.Citizen{TelegramID: base + int64(i), Name: "Ελένη Γεωργίου", Phone: fmt.Sprintf("69000000%02d", i), Lang: booking.Greek},
			Service: service,
			Start:   day.Slots[s].Start,
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// command posts a signed slash command as Slack would and returns the
// status and the decoded answer.
func (e *env) command(t *testing.T, user, text string) (int, map[string]any, string) {
	t.Helper()
	return e.commandAt(t, user, text, e.now())
}

// commandAt is command signed at now, for an adapter on a fake clock.
func (e *env) commandAt(t *testing.T, user, text string, now time.Time) (int, map[string]any, string) {
	t.Helper()
	respURL := e.fake.ResponseURL()
	form := url.Values{
		"command": {"/rantevou"}, "text": {text}, "user_id": {user}, "user_name": {"clerk"},
		"team_id": {"T1"}, "channel_id": {channel}, "response_url": {respURL}, "trigger_id": {"1.2.3"},
	}
	req, err := slackfake.SignedRequest(context.Background(), e.srv.URL+"/slack/commands", secret, form, now)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, respURL)
}

// interact posts a signed interaction payload.
func (e *env) interact(t *testing.T, payload any) (int, map[string]any, string) {
	t.Helper()
	raw, _ := json.Marshal(payload)
	req, err := slackfake.SignedRequest(context.Background(), e.srv.URL+"/slack/interactions", secret, url.Values{"payload": {string(raw)}}, e.now())
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, "")
}

func do(t *testing.T, req *http.Request, respURL string) (int, map[string]any, string) {
	t.Helper()
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("answered in %v; Slack gives up after 3 s", d)
	}
	body, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(strings.TrimSpace(string(body))) > 0 && strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
	}
	return res.StatusCode, out, respURL
}

func text(m map[string]any) string { s, _ := m["text"].(string); return s }
