package main

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// redisServer is a redis-server of the test's own, without persistence,
// that the test kills and starts again, empty, on the same port.
type redisServer struct {
	t      *testing.T
	bin    string
	port   int
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	out    *syncBuffer
}

// startRedisServer starts redis-server (from PATH) on a free local port with
// --save "" and --appendonly no, so that a restart comes back empty. The
// test's cleanup kills it.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test starts its own Redis and needs redis-server on PATH (Debian: apt-get install redis-server): %v", err)
	}
	r := &redisServer{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(r.stop)
	for range 5 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if r.launch() == nil {
			return r
		}
	}
	t.Fatalf("redis-server did not start:\n%s", r.out.String())
	return nil
}

// Addr is the server's host:port.
func (r *redisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// URL is REDIS_URL for the program: short timeouts, so that a step meets a
// dead Redis within a second rather than after go-redis's defaults.
func (r *redisServer) URL() string {
	return "redis://" + r.Addr() + "/0?dial_timeout=500ms&read_timeout=1s&write_timeout=1s"
}

func (r *redisServer) launch() error {
	r.out = &syncBuffer{}
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "no", "--daemonize", "no")
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	dieWithTest(r.cmd)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.exited = make(chan struct{})
	cmd, exited := r.cmd, r.exited
	go func() { cmd.Wait(); close(exited) }()
	return waitPing(r.Addr(), r.exited, 10*time.Second)
}

// Kill ends the server with SIGKILL: everything it held is gone.
func (r *redisServer) Kill() {
	r.t.Helper()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	r.cmd = nil
}

// Start starts the server again, empty, on the same port.
func (r *redisServer) Start() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.launch()
		if err == nil {
			return
		}
		r.Kill()
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server did not start again on port %d: %v\n%s", r.port, err, r.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *redisServer) stop() {
	if r.cmd != nil {
		r.cmd.Process.Kill()
		<-r.exited
		r.cmd = nil
	}
}

// waitReady polls /readyz until it answers want, within d.
func waitReady(t *testing.T, base string, want int, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		code, body := get(t, base+"/readyz")
		if code == want {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("/readyz answered %d %q for %s; want %d", code, body, d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastDelivery returns the newest webhook delivery of update id.
func lastDelivery(t *testing.T, c *citizen, id int64) (status int, found bool) {
	t.Helper()
	for _, d := range c.tg.Deliveries() {
		if d.UpdateID == id {
			status, found = d.Status, true
		}
	}
	return status, found
}

// lastBotText is the text of the newest message the bot sent or edited in
// the chat.
func lastBotText(c *citizen) string {
	ms := c.tg.Chat(c.chat)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].FromBot && !ms[i].Deleted && ms[i].Document == nil {
			return ms[i].Text
		}
	}
	return ""
}

// TestFaultRedisRestartedEmpty runs the real program on a Redis of the
// test's own and kills that Redis (SIGKILL, no persistence) in the middle of
// a citizen's conversation, after another citizen has booked. While Redis is
// down, the citizen's tap is answered with a toast and its webhook delivery
// fails (503), so Telegram delivers it again; /readyz says Redis is the
// problem. Redis comes back empty on the same port and the program uses it
// again by itself. The redelivered tap finds no session: the citizen is told
// the conversation ended and starts again; a button of the lost
// conversation is answered as stale, not acted on; the booking made before
// the crash is still listed under My appointments, because it lives in
// PostgreSQL; the new booking is made once; every notification goes out
// once.
func TestFaultRedisRestartedEmpty(t *testing.T) {
	ctx := context.Background()
	srv := startRedisServer(t)
	reader := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { reader.Close() })
	prefix := redis.Prefix(replicaToken) // the production prefix: this Redis is the test's own
	sessions := redis.NewSessions(reader, prefix, 0)

	api := newBotAPI(t)
	tg := api.fake
	pool := pgtest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), srv.URL(), api.URL(), "")
	m := startReplicas(t, 1, cfg, prefix, rosterMorning)[0]
	tg.SetWebhookTargets(webhookTargets([]*running{m})...)
	waitWebhook(t, tg)

	// Maria books a whole appointment before the crash.
	maria := &citizen{t: t, tg: tg, sessions: sessions, chat: 7101}
	maria.bookToConfirm()
	maria.tap(btnConfirm)
	maria.wantScreen(dialog.ScreenDone)
	var mariaRef string
	if err := pool.QueryRow(ctx, `SELECT ref FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1)`, maria.chat).Scan(&mariaRef); err != nil {
		t.Fatalf("Maria's booking: %v", err)
	}

	// Nikos is halfway: he sees the times of Thursday.
	nikos := &citizen{t: t, tg: tg, sessions: sessions, chat: 7102}
	tg.SetLanguage(nikos.chat, "el")
	nikos.say("/start")
	for _, label := range []string{"📅 Κλείσιμο ραντεβού", "🏛 Δημοτολόγιο", "📄 Πιστοποιητικό γέννησης", "📅 Πέμπτη 4 Δεκεμβρίου"} {
		nikos.tap(label)
	}
	nikos.wantScreen(dialog.ScreenTime)
	timesMsg, _ := tg.Last(nikos.chat)

	srv.Kill()
	killedAt := time.Now()
	tap := nikos.pressUpdate("10:30")
	tg.Deliver(tap)
	if st, _ := lastDelivery(t, nikos, tap.ID); st != http.StatusServiceUnavailable {
		t.Fatalf("a tap while Redis is down was answered %d; want 503 so that Telegram delivers it again", st)
	}
	if toast, answered := tg.CallbackAnswer(tap.ID); !answered || !strings.Contains(toast, "τεχνικό πρόβλημα") {
		t.Fatalf("the tap's spinner: answered %v with %q; want the technical-problem toast", answered, toast)
	}
	if code, body := get(t, m.URL()+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "redis") {
		t.Fatalf("/readyz with Redis dead: %d %q; want 503 naming redis", code, body)
	}

	srv.Start()
	back := waitReady(t, m.URL(), http.StatusOK, 10*time.Second)
	t.Logf("Redis down %s; the program ready again %s after the restart", time.Since(killedAt).Round(time.Millisecond), back.Round(time.Millisecond))

	// Telegram delivers the tap again: the conversation is gone, the
	// citizen is told so and sees the menu.
	tg.Deliver(tap)
	if st, _ := lastDelivery(t, nikos, tap.ID); st != http.StatusOK {
		t.Fatalf("the redelivered tap was answered %d; want 200", st)
	}
	nikos.wantScreen(dialog.ScreenMenu)
	if got := lastBotText(nikos); !strings.Contains(got, sayExpired) {
		t.Fatalf("after Redis lost the conversation the citizen read %q; want to be told it ended\nchat:\n%s", got, nikos.transcript())
	}

	// A button of the lost conversation is stale: it does nothing.
	b, ok := timesMsg.Button("10:45")
	if !ok {
		t.Fatalf("the times screen has no 10:45: %v", timesMsg.Buttons())
	}
	old, err := tg.PressUpdate(nikos.chat, timesMsg.ID, b.Data)
	if err != nil {
		t.Fatal(err)
	}
	seen := len(tg.Events(nikos.chat))
	tg.Deliver(old)
	nikos.wantDelivered(old.ID, 1)
	if toast, _ := tg.CallbackAnswer(old.ID); !strings.Contains(toast, sayStale) {
		t.Fatalf("a button of the lost conversation was answered %q; want the stale-button toast", toast)
	}
	if got := nikos.botEvents(seen); got[telegramfake.BotEdit] != 0 || got[telegramfake.BotSend] != 0 {
		t.Fatalf("a stale button made the bot draw: %v", got)
	}
	nikos.wantScreen(dialog.ScreenMenu)

	// He books again from the start.
	nikos.menuToPhone("10:30")
	nikos.share("306987654321")
	nikos.say("Νίκος Γεωργίου")
	nikos.tap(btnConfirm)
	nikos.wantScreen(dialog.ScreenDone)

	// Maria's booking survived the crash: it is in PostgreSQL.
	maria.say("/mybookings")
	if got := lastBotText(maria); !strings.Contains(got, mariaRef) {
		t.Fatalf("after the crash My appointments shows %q; want Maria's %s\nchat:\n%s", got, mariaRef, maria.transcript())
	}

	wantWholeBookings(t, pool, map[int64]int{maria.chat: 1, nikos.chat: 1})
	rows := waitOutboxDone(t, pool, 1, 15*time.Second)
	wantNotifiedOnce(t, rows, maria, nikos)
	handled, _, by := handledUpdates(t, []*running{m})
	for id, n := range handled {
		if n > 1 {
			t.Errorf("update %d handled %d times (by %v)", id, n, by[id])
		}
	}
	if handled[tap.ID] != 1 {
		t.Errorf("the tap that met the dead Redis was handled %d times; want once, on its redelivery", handled[tap.ID])
	}
}

// wantWholeBookings checks that PostgreSQL holds, for each chat, want
// bookings and that each is whole: its row, its audit entry and its
// notifications (the confirmation among them). A booking without them, or
// notifications without a booking, would be half-written.
func wantWholeBookings(t *testing.T, pool *pgxpool.Pool, want map[int64]int) {
	t.Helper()
	ctx := context.Background()
	got := map[int64]int{}
	rows, err := pool.Query(ctx, `
		SELECT (SELECT telegram_id FROM citizens c WHERE c.id = b.citizen), b.ref,
			(SELECT count(*) FROM audit_log a WHERE a.booking_id = b.id AND a.action = 'book'),
			(SELECT count(*) FROM outbox o WHERE o.booking_id = b.id AND o.kind = $1)
		FROM bookings b`, string(booking.NotifyConfirmed))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var chat int64
		var ref string
		var audits, confirmations int
		if err := rows.Scan(&chat, &ref, &audits, &confirmations); err != nil {
			t.Fatal(err)
		}
		got[chat]++
		if audits != 1 || confirmations != 1 {
			t.Errorf("booking %s of %d is half-written: %d audit entries, %d confirmations in the outbox; want 1 and 1", ref, chat, audits, confirmations)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for chat, n := range want {
		if got[chat] != n {
			t.Errorf("chat %d has %d bookings, want %d", chat, got[chat], n)
		}
	}
	for chat, n := range got {
		if _, ok := want[chat]; !ok {
			t.Errorf("chat %d has %d bookings, want none", chat, n)
		}
	}
	var orphans int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox o WHERE o.booking_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = o.booking_id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d outbox rows belong to no booking", orphans)
	}
}

// wantNotifiedOnce checks that every outbox row due was delivered (or
// skipped as no longer wanted, which also marks it), none parked, and that
// no chat of cs got the same calendar file or the same message twice.
func wantNotifiedOnce(t *testing.T, rows []outboxRow, cs ...*citizen) {
	t.Helper()
	for _, r := range rows {
		if !r.Delivered || r.Parked {
			t.Errorf("outbox %v: not delivered", r)
		}
	}
	for _, c := range cs {
		files := map[string]int{}
		texts := map[string]int{}
		for _, m := range c.tg.Chat(c.chat) {
			switch {
			case !m.FromBot:
			case m.Document != nil:
				files[m.Document.FileName]++
			case m.Text != "":
				texts[m.Text]++
			}
		}
		for name, n := range files {
			if n != 1 {
				t.Errorf("chat %d got %s %d times", c.chat, name, n)
			}
		}
		for text, n := range texts {
			if n != 1 && strings.Contains(text, sayBooked) {
				t.Errorf("chat %d was shown its booking %d times: %q", c.chat, n, firstLine(text))
			}
		}
	}
}
