package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/bot"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// What the replica tests share: several copies of the real program in one
// process, the fake Telegram in front of them as a load balancer, a
// citizen who taps through a booking, and readers of what the replicas did
// (their logs, their /metrics, the outbox).

const (
	replicaToken = "246813579:AAReplicaTestTokenNotARealOne_xyz"
	// replicaSecret is the webhook's secret_token.
	replicaSecret = "replica-test-secret"
	// replicaWebhook is the public URL every replica registers with
	// setWebhook: the load balancer's. The fake stands in for the balancer
	// and delivers to the replicas' own listeners (SetWebhookTargets).
	replicaWebhook = "https://rantevou.example.gr" + bot.WebhookPath
)

// rosterMorning is the fixed clock of the replica tests: Tuesday 2 December
// 2025, 07:30 in Thessaloniki, the default roster time. It lies in the
// past, and so does the appointment booked two days later: every
// notification the booking writes (the confirmation "now", the reminders
// 24 h and 2 h before, all by this clock) is due at once by the database's
// clock, which is what the outbox claim compares with.
func rosterMorning() time.Time {
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		panic(err)
	}
	return time.Date(2025, 12, 2, 7, 30, 0, 0, athens)
}

// replicaConfig is the configuration every replica gets: the database, the
// Redis URL, the Telegram API and webhook mode, and Slack on slackAPI with
// made-up tokens ("" for the in-process stand-in of each replica).
func replicaConfig(t *testing.T, databaseURL, redisURL, telegramAPI, slackAPI string) Config {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL":            databaseURL,
		"REDIS_URL":               redisURL,
		"HTTP_ADDR":               "127.0.0.1:0",
		"LOG_LEVEL":               "debug",
		"LOG_FORMAT":              "json",
		"TELEGRAM_BOT_TOKEN":      replicaToken,
		"TELEGRAM_API_URL":        telegramAPI,
		"TELEGRAM_WEBHOOK_URL":    replicaWebhook,
		"TELEGRAM_WEBHOOK_SECRET": replicaSecret,
	}
	if slackAPI != "" {
		vars["SLACK_BOT_TOKEN"] = "xoxb-replica-test"
		vars["SLACK_SIGNING_SECRET"] = "replica-test-signing-secret"
		vars["SLACK_API_URL"] = slackAPI
	}
	cfg, err := LoadConfig(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startReplicas runs n copies of the program in process, as n replicas of
// one deployment: the same configuration (so one PostgreSQL database and
// one Redis), one Redis key prefix, one clock, each with an HTTP listener
// of its own. They start together, as a deployment's replicas do, so their
// migrations and catalog syncs race. It returns once all of them serve;
// the test's cleanup stops them.
func startReplicas(t *testing.T, n int, cfg Config, prefix string, now func() time.Time) []*running {
	t.Helper()
	rs := make([]*running, n)
	dones := make([]<-chan error, n)
	for i := range rs {
		rs[i], dones[i] = launch(t, fmt.Sprintf("replica %d", i), cfg, prefix, now)
	}
	deadline := time.After(30 * time.Second)
	for i, r := range rs {
		waitServing(t, r, dones[i], deadline)
	}
	return rs
}

// webhookTargets returns each replica's own webhook URL, for the fake to
// deliver to in turn.
func webhookTargets(rs []*running) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.URL() + bot.WebhookPath
	}
	return out
}

// waitWebhook waits until a replica has registered the webhook: the fake
// signs its deliveries with the registered secret.
func waitWebhook(t *testing.T, fake *telegramfake.Server) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if u, secret := fake.Webhook(); u == replicaWebhook && secret == replicaSecret {
			return
		}
		if time.Now().After(deadline) {
			u, _ := fake.Webhook()
			t.Fatalf("no replica registered the webhook within 10 s (registered: %q)", u)
		}
	}
}

// botAPI serves the fake Telegram Bot API to the replicas and notes the
// HTTP status of every call by method, so that a refused call (a callback
// query answered twice gets 400) shows up even when the bot only logs it.
type botAPI struct {
	fake *telegramfake.Server
	srv  *httptest.Server

	mu    sync.Mutex
	calls []apiCall
}

type apiCall struct {
	Method string // lower case, as the fake routes it
	Status int
}

func newBotAPI(t *testing.T) *botAPI {
	t.Helper()
	a := &botAPI{fake: telegramfake.New(replicaToken)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		a.fake.ServeHTTP(rec, r)
		a.mu.Lock()
		a.calls = append(a.calls, apiCall{Method: strings.ToLower(path.Base(r.URL.Path)), Status: rec.status})
		a.mu.Unlock()
	}))
	t.Cleanup(func() {
		a.fake.Close()
		a.srv.CloseClientConnections()
		a.srv.Close()
	})
	return a
}

// URL is the value for TELEGRAM_API_URL.
func (a *botAPI) URL() string { return a.srv.URL }

// refused returns the calls of method that did not answer 200.
func (a *botAPI) refused(method string) []apiCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []apiCall
	for _, c := range a.calls {
		if c.Method == strings.ToLower(method) && c.Status != http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// citizen is one Telegram user in a private chat with the bot, whose every
// update the fake delivers to the next replica.
type citizen struct {
	t        *testing.T
	tg       *telegramfake.Server
	sessions *redis.Sessions // to read the chat's session, as a replica would
	chat     int64
}

// say sends text and checks that it was delivered and answered 200.
func (c *citizen) say(text string) int64 {
	c.t.Helper()
	id := c.tg.SendText(c.chat, text)
	c.wantDelivered(id, 1)
	return id
}

// share shares the citizen's own phone number with the contact key.
func (c *citizen) share(phone string) int64 {
	c.t.Helper()
	id := c.tg.ShareContact(c.chat, phone, c.chat)
	c.wantDelivered(id, 1)
	return id
}

// pressUpdate builds, without delivering it, the update of tapping the
// button labelled label on the newest bot message that shows it.
func (c *citizen) pressUpdate(label string) models.Update {
	c.t.Helper()
	msgs := c.tg.Chat(c.chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if !m.FromBot || m.Deleted {
			continue
		}
		if b, ok := m.Button(label); ok {
			u, err := c.tg.PressUpdate(c.chat, m.ID, b.Data)
			if err != nil {
				c.t.Fatal(err)
			}
			return u
		}
	}
	c.t.Fatalf("no button %q in the chat:\n%s", label, c.transcript())
	return models.Update{}
}

// tap taps the button labelled label and checks the delivery.
func (c *citizen) tap(label string) models.Update {
	c.t.Helper()
	u := c.pressUpdate(label)
	c.tg.Deliver(u)
	c.wantDelivered(u.ID, 1)
	return u
}

// atOnce delivers us concurrently, each to the next replica, and returns
// when every delivery was answered.
func (c *citizen) atOnce(us ...models.Update) {
	var wg sync.WaitGroup
	for _, u := range us {
		wg.Go(func() { c.tg.Deliver(u) })
	}
	wg.Wait()
}

// wantDelivered checks that update id was POSTed n times, each answered
// 200, and each time to a different replica.
func (c *citizen) wantDelivered(id int64, n int) {
	c.t.Helper()
	var ds []telegramfake.Delivery
	targets := map[string]bool{}
	for _, d := range c.tg.Deliveries() {
		if d.UpdateID != id {
			continue
		}
		ds = append(ds, d)
		targets[d.Target] = true
		if d.Err != nil || d.Status != http.StatusOK {
			c.t.Fatalf("update %d: delivery to %s answered %d (%v)\nchat:\n%s", id, d.Target, d.Status, d.Err, c.transcript())
		}
	}
	if len(ds) != n || len(targets) != n {
		c.t.Fatalf("update %d: %d deliveries to %d replicas, want %d to %d", id, len(ds), len(targets), n, n)
	}
}

// wantDeliveredRacing is wantDelivered for an update delivered to several
// replicas at the same moment: while one has it in hand the others may be
// told to deliver it again later (503). Telegram would; so does this, until
// every retry is answered 200 as a duplicate.
func (c *citizen) wantDeliveredRacing(u models.Update, n int) {
	c.t.Helper()
	var ok, later int
	targets := map[string]bool{}
	for _, d := range c.tg.Deliveries() {
		if d.UpdateID != u.ID {
			continue
		}
		targets[d.Target] = true
		switch {
		case d.Err == nil && d.Status == http.StatusOK:
			ok++
		case d.Err == nil && d.Status == http.StatusServiceUnavailable:
			later++
		default:
			c.t.Fatalf("update %d: delivery to %s answered %d (%v)\nchat:\n%s", u.ID, d.Target, d.Status, d.Err, c.transcript())
		}
	}
	if ok+later != n || len(targets) != n || ok == 0 {
		c.t.Fatalf("update %d: %d deliveries answered 200 and %d answered 503 by %d replicas; want %d in all to %d, at least one handled", u.ID, ok, later, len(targets), n, n)
	}
	for range later {
		c.tg.Deliver(u)
		ds := c.tg.Deliveries()
		if d := ds[len(ds)-1]; d.Err != nil || d.Status != http.StatusOK {
			c.t.Fatalf("update %d delivered again after a 503: %d (%v); want 200, a duplicate", u.ID, d.Status, d.Err)
		}
	}
}

// screen is the chat's dialog screen in its Redis session.
func (c *citizen) screen() dialog.Screen {
	c.t.Helper()
	data, _, err := c.sessions.Load(context.Background(), c.chat)
	if err != nil {
		c.t.Fatal(err)
	}
	var s dialog.State
	if data != nil {
		if err := json.Unmarshal(data, &s); err != nil {
			c.t.Fatal(err)
		}
	}
	return s.Screen
}

func (c *citizen) wantScreen(want dialog.Screen) {
	c.t.Helper()
	if got := c.screen(); got != want {
		c.t.Fatalf("screen %q, want %q\nchat:\n%s", got, want, c.transcript())
	}
}

// botEvents counts what the bot did in the chat since the first skip
// events, by kind.
func (c *citizen) botEvents(skip int) map[telegramfake.EventKind]int {
	out := map[telegramfake.EventKind]int{}
	for _, e := range c.tg.Events(c.chat)[skip:] {
		if strings.HasPrefix(string(e.Kind), "bot.") {
			out[e.Kind]++
		}
	}
	return out
}

// transcript is the chat as a readable conversation, for failure messages.
func (c *citizen) transcript() string {
	var b strings.Builder
	for _, e := range c.tg.Events(c.chat) {
		text := strings.ReplaceAll(e.Text, "\n", " ⏎ ")
		if len(text) > 120 {
			text = text[:120] + "…"
		}
		fmt.Fprintf(&b, "%-12s #%-3d %s\n", e.Kind, e.MessageID, text)
	}
	return b.String()
}

// bookToConfirm walks the citizen, in Greek, from /start to the confirm
// screen of a birth certificate at the Civil Registry on Thursday 4
// December 2025 at 10:00 (rosterMorning is the Tuesday before), checking each
// screen, and returns the update of every step.
func (c *citizen) bookToConfirm() []int64 {
	c.t.Helper()
	c.tg.SetLanguage(c.chat, "el")
	var ids []int64
	ids = append(ids, c.say("/start"))
	c.wantScreen(dialog.ScreenMenu)
	ids = append(ids, c.menuToPhone("10:00")...)
	ids = append(ids, c.share("306912345678")) // as Telegram sends it
	c.wantScreen(dialog.ScreenName)
	ids = append(ids, c.say("Μαρία Παπαδοπούλου"))
	c.wantScreen(dialog.ScreenConfirm)
	return ids
}

// menuToPhone taps from the menu to the phone step of a birth certificate
// on Thursday 4 December 2025 at the given time, checking each screen, and
// returns the update of every tap.
func (c *citizen) menuToPhone(at string) []int64 {
	c.t.Helper()
	var ids []int64
	for _, step := range []struct {
		label string
		want  dialog.Screen
	}{
		{"📅 Κλείσιμο ραντεβού", dialog.ScreenDept},
		{"🏛 Δημοτολόγιο", dialog.ScreenService},
		{"📄 Πιστοποιητικό γέννησης", dialog.ScreenDate},
		{"📅 Πέμπτη 4 Δεκεμβρίου", dialog.ScreenTime},
		{at, dialog.ScreenPhone},
	} {
		ids = append(ids, c.tap(step.label).ID)
		c.wantScreen(step.want)
	}
	return ids
}

// handledUpdates reads the replicas' logs and counts, per update_id, how
// often a replica took the update on (the bot's "update handled") and how
// often one dropped it as a duplicate; by is which replicas handled it.
func handledUpdates(t *testing.T, rs []*running) (handled, dropped map[int64]int, by map[int64][]int) {
	t.Helper()
	handled, dropped, by = map[int64]int{}, map[int64]int{}, map[int64][]int{}
	for i, r := range rs {
		sc := bufio.NewScanner(strings.NewReader(r.logs.String()))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg      string `json:"msg"`
				UpdateID int64  `json:"update_id"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.UpdateID == 0 {
				continue
			}
			switch line.Msg {
			case "bot: update handled":
				handled[line.UpdateID]++
				by[line.UpdateID] = append(by[line.UpdateID], i)
			case "bot: duplicate update ignored", "bot: update in hand elsewhere, to be delivered again":
				dropped[line.UpdateID]++
			}
		}
	}
	if len(handled) == 0 {
		t.Fatal(`no replica logged "bot: update handled" at debug level; the test reads those lines to see which replica handled which update`)
	}
	return handled, dropped, by
}

// metricSum adds up series (a metric name with its labels, as /metrics
// prints it) over the replicas; absent counts as zero.
func metricSum(t *testing.T, rs []*running, series string) float64 {
	t.Helper()
	var sum float64
	for _, r := range rs {
		_, body := get(t, r.URL()+"/metrics")
		for _, line := range strings.Split(body, "\n") {
			value, ok := strings.CutPrefix(line, series+" ")
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", line, err)
			}
			sum += v
		}
	}
	return sum
}

// outboxRow is one notification as the outbox holds it.
type outboxRow struct {
	ID        int64
	Kind      string
	Channel   string
	Recipient string
	Attempts  int
	Delivered bool
	Parked    bool
	LastError string
}

func (r outboxRow) String() string {
	return fmt.Sprintf("#%d %s to %s %s: %d attempts, delivered %v, parked %v %s",
		r.ID, r.Kind, r.Channel, r.Recipient, r.Attempts, r.Delivered, r.Parked, r.LastError)
}

func outboxRows(t *testing.T, pool *pgxpool.Pool) []outboxRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT id, kind, channel, recipient, attempts, delivered_at IS NOT NULL, parked_at IS NOT NULL, last_error
		FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		err := r.Scan(&o.ID, &o.Kind, &o.Channel, &o.Recipient, &o.Attempts, &o.Delivered, &o.Parked, &o.LastError)
		return o, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitOutboxDone waits until the outbox holds at least want rows and every
// row is delivered or parked, and returns the rows.
func waitOutboxDone(t *testing.T, pool *pgxpool.Pool, want int, within time.Duration) []outboxRow {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rows := outboxRows(t, pool)
		done := len(rows) >= want
		for _, r := range rows {
			if !r.Delivered && !r.Parked {
				done = false
			}
		}
		if done {
			return rows
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, r := range rows {
				fmt.Fprintln(&b, r)
			}
			t.Fatalf("the outbox was not delivered within %s (want %d rows):\n%s", within, want, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
