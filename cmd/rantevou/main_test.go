package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/telegramfake"
)

// syncBuffer collects the program's log from its goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testConfig is a configuration on a fresh database, a random port and the
// local Redis; tests change what they exercise.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg, err := LoadConfig(env(map[string]string{
		"DATABASE_URL": pgtest.URLOf(pgtest.New(t)),
		"HTTP_ADDR":    "127.0.0.1:0",
		"LOG_LEVEL":    "debug",
		"LOG_FORMAT":   "json",
	}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// running is the real program running in process.
type running struct {
	*Main
	logs *syncBuffer
	// stop cancels Run and returns what it returned; it is safe to call
	// more than once, and the test's cleanup calls it too.
	stop func() error
}

// startMain runs the real program in process, with its own Redis key
// prefix, until the test ends or stop is called, and returns it once it
// serves.
func startMain(t *testing.T, cfg Config) *running {
	t.Helper()
	_, prefix := redistest.New(t)
	r, done := launch(t, "serve", cfg, prefix, nil)
	waitServing(t, r, done, time.After(30*time.Second))
	return r
}

// launch starts the program in process with Redis key prefix and clock now
// (time.Now when nil) and returns at once, with the channel on which Run
// returns. The test's cleanup stops it; name says which in the log.
func launch(t *testing.T, name string, cfg Config, prefix string, now func() time.Time) (*running, <-chan error) {
	t.Helper()
	logs := &syncBuffer{}
	m := NewMain(cfg, logs)
	m.RedisPrefix = prefix
	if now != nil {
		m.Now = now
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(60 * time.Second):
				runErr = fmt.Errorf("%s did not stop within 60 s of cancel", name)
			}
			m.Close()
		})
		return runErr
	}
	// Registered after the database's and Redis's cleanups, so it runs
	// first: the program lets go of its connections before they go.
	t.Cleanup(func() {
		if err := stop(); err != nil && !t.Failed() {
			t.Errorf("%s: %v", name, err)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs.String())
		}
	})
	return &running{Main: m, logs: logs, stop: stop}, done
}

// waitServing returns once r serves, failing the test if it stopped first or
// deadline came.
func waitServing(t *testing.T, r *running, done <-chan error, deadline <-chan time.Time) {
	t.Helper()
	select {
	case <-r.Ready():
	case err := <-done:
		t.Fatalf("serve stopped before it was ready: %v\n%s", err, r.logs.String())
	case <-deadline:
		t.Fatalf("serve not ready in time\n%s", r.logs.String())
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestHealthAndReadiness(t *testing.T) {
	cfg := testConfig(t)
	m := startMain(t, cfg)

	if code, body := get(t, m.URL()+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, m.URL()+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %q, want 200 with both databases up", code, body)
	}
	if code, body := get(t, m.URL()+"/metrics"); code != 200 || !strings.Contains(body, "rantevou_outbox_pending") {
		t.Errorf("/metrics = %d, lacks the outbox gauge", code)
	}

	t.Run("PostgreSQLDown", func(t *testing.T) {
		// Refuse new connections to the program's database and end the
		// open ones: to the program, PostgreSQL is gone.
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, pgtest.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close(ctx)
		name := m.pool.Config().ConnConfig.Database
		for _, q := range []string{
			`ALTER DATABASE "` + name + `" ALLOW_CONNECTIONS false`,
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `'`,
		} {
			if _, err := admin.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		defer admin.Exec(ctx, `ALTER DATABASE "`+name+`" ALLOW_CONNECTIONS true`)
		code, body := get(t, m.URL()+"/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "postgres") {
			t.Errorf("/readyz = %d %q, want 503 naming postgres", code, body)
		}
		if code, _ := get(t, m.URL()+"/healthz"); code != 200 {
			t.Errorf("/healthz = %d: liveness must not depend on the databases", code)
		}
	})
}

// TestProfiler: DEBUG_ADDR serves the profiler on its own listener, and
// the public one never does.
func TestProfiler(t *testing.T) {
	cfg := testConfig(t)
	cfg.DebugAddr = "127.0.0.1:0"
	m := startMain(t, cfg)
	if code, body := get(t, m.debugURL+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("profiler index: %d %.80q", code, body)
	}
	if code, _ := get(t, m.URL()+"/debug/pprof/"); code == 200 {
		t.Error("the public listener serves the profiler")
	}
}

func TestReadinessRedisDown(t *testing.T) {
	cfg := testConfig(t)
	cfg.RedisURL = "redis://127.0.0.1:1/0?max_retries=-1&dial_timeout=200ms"
	m := startMain(t, cfg)
	code, body := get(t, m.URL()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "redis") {
		t.Errorf("/readyz = %d %q, want 503 naming redis", code, body)
	}
}

// TestLogsHideTokenAndPhone runs a whole booking through the real program in
// production mode (a bot token, long polling) against the fake Telegram API,
// with debug logs on, and reads every line it logged.
func TestLogsHideTokenAndPhone(t *testing.T) {
	const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	const user = 5550001
	fake := telegramfake.New(token)
	fakeURL := fake.Start()
	defer fake.Close()

	cfg := testConfig(t)
	cfg.TelegramToken = token
	cfg.TelegramAPIURL = fakeURL
	m := startMain(t, cfg)

	fake.SetLanguage(user, "el")
	fake.SendCommand(user, "/start")
	press(t, fake, user, regexp.MustCompile(`Κλείσιμο ραντεβού`))
	press(t, fake, user, regexp.MustCompile(`Δημοτολόγιο`))
	press(t, fake, user, regexp.MustCompile(`Πιστοποιητικό γέννησης`))
	press(t, fake, user, regexp.MustCompile(`^📅 `))
	press(t, fake, user, regexp.MustCompile(`^\d\d:\d\d$`))
	waitText(t, fake, user, "6912345678")
	fake.ShareContact(user, "306912345678", user) // as Telegram sends it
	waitText(t, fake, user, "Σε ποιο όνομα")
	fake.SendText(user, "Μαρία Παπαδοπούλου")
	press(t, fake, user, regexp.MustCompile(`Επιβεβαίωση`))
	waitText(t, fake, user, "Κωδικός")

	bookings, err := m.Office().MyBookings(context.Background(), user)
	if err != nil || len(bookings) != 1 {
		t.Fatalf("MyBookings = %v, %v; want the one booking", bookings, err)
	}
	_, metrics := get(t, m.URL()+"/metrics")
	for _, want := range []string{
		`rantevou_bookings_total{action="created"} 1`,
		`rantevou_telegram_updates_total{kind="button"}`,
		`rantevou_telegram_updates_total{kind="contact"} 1`,
		`rantevou_conversation_step_seconds_count`,
		`rantevou_sessions_active 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q after a booking", want)
		}
	}

	out := m.logs.String()
	if !strings.Contains(out, `"level":"DEBUG"`) && !strings.Contains(out, `"level":"INFO"`) {
		t.Fatalf("nothing was logged; the test would prove nothing:\n%s", out)
	}
	for _, leak := range []string{token, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "6912345678", "691 234 5678"} {
		if strings.Contains(out, leak) {
			t.Errorf("the logs contain %q", leak)
		}
	}
}

// press waits for a bot message with a button whose label matches re and
// presses the newest such button.
func press(t *testing.T, fake *telegramfake.Server, chat int64, re *regexp.Regexp) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var msgID int
	var data string
	_, err := fake.WaitFor(ctx, chat, func(ms []telegramfake.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			if !ms[i].FromBot || ms[i].Deleted {
				continue
			}
			for _, row := range ms[i].Inline {
				for _, b := range row {
					if re.MatchString(b.Text) {
						msgID, data = ms[i].ID, b.Data
						return true
					}
				}
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no button matching %s; chat:\n%s", re, dump(fake.Chat(chat)))
	}
	if _, err := fake.PressButton(chat, msgID, data); err != nil {
		t.Fatal(err)
	}
}

// waitText waits until the newest bot message contains s.
func waitText(t *testing.T, fake *telegramfake.Server, chat int64, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := fake.WaitFor(ctx, chat, func(ms []telegramfake.Message) bool {
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].FromBot && !ms[i].Deleted {
				return strings.Contains(ms[i].Text, s)
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no bot message with %q; chat:\n%s", s, dump(fake.Chat(chat)))
	}
}

func dump(ms []telegramfake.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "#%d bot=%v: %s %v\n", m.ID, m.FromBot, m.Text, m.Inline)
	}
	return b.String()
}

// TestWarnsOfStaleStatistics starts the service on connections that collect
// no table counts, so that autovacuum could not analyse the tables: the
// service says so at start, and why.
func TestWarnsOfStaleStatistics(t *testing.T) {
	cfg := testConfig(t)
	switch {
	case strings.Contains(cfg.DatabaseURL, "?"):
		cfg.DatabaseURL += "&track_counts=off"
	case strings.Contains(cfg.DatabaseURL, "://"):
		cfg.DatabaseURL += "?track_counts=off"
	default:
		cfg.DatabaseURL += " track_counts=off"
	}
	m := startMain(t, cfg)
	logs := m.logs.String()
	if !strings.Contains(logs, "postgres will not analyse the tables by itself") || !strings.Contains(logs, "track_counts is off") {
		t.Errorf("no warning of stale statistics naming track_counts:\n%s", logs)
	}
}
