package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	rstore "github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// e2eStart is the fixed "now" of the end-to-end tests: Monday 30 November
// 2026, 08:00 in Thessaloniki, so golden transcripts do not move.
var e2eStart = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

// clock is a fake clock, fixed unless a test moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// e2e is the whole citizen path: the fake Telegram, the adapter in webhook
// mode (each simulated step returns when the bot has answered), the real
// conversation engine, real Redis and a fresh PostgreSQL database.
type e2e struct {
	*rig
	office   *booking.Office
	store    *postgres.Store
	pool     *pgxpool.Pool
	sessions *rstore.Sessions
	clock    *clock
}

func newE2E(t testing.TB) *e2e { return newE2EWith(t, nil) }

// newE2EWith is newE2E with the engine's session store replaced, e.g. by
// one on an unreachable Redis.
func newE2EWith(t testing.TB, sessionsOverride conversation.Sessions) *e2e {
	t.Helper()
	pool := pgtest.New(t)
	store := postgres.NewStore(pool)
	cat := booking.DefaultCatalog()
	ctx := context.Background()
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: e2eStart}
	office := booking.NewOffice(cat, store, clk.Now)
	client, prefix := redisClient(t)
	sessions := rstore.NewSessions(client, prefix, 30*time.Minute)
	var engineSessions conversation.Sessions = sessions
	if sessionsOverride != nil {
		engineSessions = sessionsOverride
	}
	engine := conversation.NewEngine(office, engineSessions, clk.Now)
	dedupe := rstore.NewDeduper(client, prefix, 0)
	if sessionsOverride == nil {
		// As in production: the session is read with the update's mark.
		dedupe = dedupe.WithSessions(sessions)
	}

	fake := telegramfake.New(testToken)
	apiURL := fake.Start()
	t.Cleanup(fake.Close)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var b *Bot
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.WebhookHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(hook.Close)
	cfg := Config{Token: testToken, APIURL: apiURL, WebhookURL: hook.URL + WebhookPath, WebhookSecret: testSecret}
	b, err := New(cfg, engine, dedupe, logger)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if u, _ := fake.Webhook(); u != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bot did not start:\n%s", logs.String())
		}
	}
	return &e2e{
		rig:    &rig{fake: fake, bot: b, logs: logs, dedupe: dedupe},
		office: office, store: store, pool: pool, sessions: sessions, clock: clk,
	}
}

// press taps the button labelled label on the newest bot message showing
// it, and fails the test if the webhook did not answer 200.
func (e *e2e) press(t testing.TB, chat int64, label string) int64 {
	t.Helper()
	id, err := e.fake.Press(chat, label)
	if err != nil {
		t.Fatalf("%v\ntranscript so far:\n%s", err, e.transcript(chat))
	}
	e.ok(t)
	return id
}

// say sends text as the citizen.
func (e *e2e) say(t testing.TB, chat int64, text string) {
	t.Helper()
	e.fake.SendText(chat, text)
	e.ok(t)
}

func (e *e2e) ok(t testing.TB) {
	t.Helper()
	if st := e.lastDelivery(t); st != http.StatusOK {
		t.Fatalf("webhook answered %d\nlog:\n%s", st, e.logs.String())
	}
}

// last returns the newest bot message of the chat.
func (e *e2e) last(t testing.TB, chat int64) telegramfake.Message {
	t.Helper()
	m, ok := e.fake.Last(chat)
	if !ok {
		t.Fatal("the bot has not written")
	}
	return m
}

// refs returns the reference codes of all bookings, oldest first.
func (e *e2e) refs(t testing.TB) []string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), "SELECT ref FROM bookings ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// activeBookings counts the chat's active bookings in the database.
func (e *e2e) activeBookings(t testing.TB, chat int64) int {
	t.Helper()
	var n int
	err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1) AND status = 'active'", chat).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// transcript renders the chat as a readable conversation. The bot takes
// the buttons off a finished screen at the same time as it sends what
// follows (deliver), so of the bot's answers to one update the removals
// are listed first, whichever reached the fake first.
func (e *e2e) transcript(chat int64) string {
	var out, b, drops strings.Builder
	flush := func() {
		out.WriteString(drops.String())
		out.WriteString(b.String())
		drops.Reset()
		b.Reset()
	}
	texts := map[int]string{} // each message's text as last shown
	for _, ev := range e.fake.Events(chat) {
		switch ev.Kind {
		case telegramfake.UserText, telegramfake.UserContact, telegramfake.UserPress:
			flush()
		}
		if ev.Kind == telegramfake.BotEdit && texts[ev.MessageID] == ev.Message.Text && len(ev.Message.Inline) == 0 {
			fmt.Fprintf(&drops, "« bot removes the buttons of #%d\n", ev.MessageID)
			continue
		}
		if ev.Kind == telegramfake.BotSend || ev.Kind == telegramfake.BotDocument || ev.Kind == telegramfake.BotEdit {
			texts[ev.MessageID] = ev.Message.Text
		}
		switch ev.Kind {
		case telegramfake.UserText:
			fmt.Fprintf(&out, "» user: %s\n", ev.Text)
		case telegramfake.UserContact:
			fmt.Fprintf(&out, "» user: [shares contact %s]\n", ev.Text)
		case telegramfake.UserPress:
			fmt.Fprintf(&out, "» user: taps [%s] on #%d\n", ev.Text, ev.MessageID)
		case telegramfake.BotSend, telegramfake.BotDocument, telegramfake.BotEdit:
			head := fmt.Sprintf("« bot #%d", ev.MessageID)
			if ev.Kind == telegramfake.BotEdit {
				head = fmt.Sprintf("« bot edits #%d", ev.MessageID)
			}
			if d := ev.Message.Document; d != nil {
				fmt.Fprintf(&b, "%s: [document %s] %s\n", head, d.FileName, ev.Message.Text)
			} else {
				fmt.Fprintf(&b, "%s: %s\n", head, indent(ev.Message.Text))
			}
			for _, row := range ev.Message.Inline {
				var labels []string
				for _, btn := range row {
					labels = append(labels, "["+btn.Text+"]")
				}
				fmt.Fprintf(&b, "    %s\n", strings.Join(labels, " "))
			}
			for _, row := range ev.Message.Keyboard {
				var keys []string
				for _, btn := range row {
					keys = append(keys, "{keyboard: "+btn.Text+"}")
				}
				fmt.Fprintf(&b, "    %s\n", strings.Join(keys, " "))
			}
			if ev.Message.RemoveKeyboard {
				b.WriteString("    {keyboard removed}\n")
			}
		case telegramfake.BotVenue:
			if v := ev.Message.Venue; v != nil {
				fmt.Fprintf(&b, "« bot #%d: [map pin %s, %s at %.4f, %.4f]\n", ev.MessageID, v.Title, v.Address, v.Lat, v.Lon)
			}
		case telegramfake.BotAnswer:
			if ev.Text != "" {
				fmt.Fprintf(&b, "« bot toast: %s\n", ev.Text)
			}
		case telegramfake.BotDelete:
			fmt.Fprintf(&b, "« bot deletes #%d\n", ev.MessageID)
		}
	}
	flush()
	return out.String()
}

// indent indents the continuation lines of a message, leaving blank lines
// blank.
func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = "    " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
