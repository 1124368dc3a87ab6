package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/bot"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// buildProgram builds this command into a temporary directory and returns
// the binary.
func buildProgram(t *testing.T) string {
	t.Helper()
	// go test puts its own GOROOT/bin first on the PATH of the tests.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build the program with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "rantevou")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the program in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// child is the real program run as a process of its own, in webhook mode,
// so that a test can kill it with SIGKILL and start it again on the same
// address.
type child struct {
	bin    string
	env    []string
	addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *syncBuffer // every run's output, one after the other
	runs   int
}

func newChild(t *testing.T, bin string, vars map[string]string) *child {
	t.Helper()
	c := &child{bin: bin, logs: &syncBuffer{}}
	c.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range vars {
		c.env = append(c.env, k+"="+v)
	}
	c.setAddr(freeAddr(t))
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("program output:\n%s", c.logs.String())
		}
	})
	return c
}

// freeAddr returns a local address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// setAddr sets the address the program listens on (HTTP_ADDR).
func (c *child) setAddr(addr string) {
	c.addr = addr
	env := c.env[:0]
	for _, kv := range c.env {
		if !strings.HasPrefix(kv, "HTTP_ADDR=") {
			env = append(env, kv)
		}
	}
	c.env = append(env, "HTTP_ADDR="+addr)
}

// URL is the program's base URL.
func (c *child) URL() string { return "http://" + c.addr }

// start runs the program and returns once /healthz answers; t is the
// test or subtest that starts it.
func (c *child) start(t *testing.T) {
	t.Helper()
	c.runs++
	fmt.Fprintf(c.logs, "--- run %d ---\n", c.runs)
	c.cmd = exec.Command(c.bin, "serve")
	c.cmd.Env = c.env
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	dieWithTest(c.cmd)
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start the program: %v", err)
	}
	c.exited = make(chan struct{})
	cmd, exited := c.cmd, c.exited
	go func() { cmd.Wait(); close(exited) }()
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := client.Get(c.URL() + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			if c.runs == 1 && strings.Contains(c.logs.String(), "address already in use") {
				// The free port chosen was taken meanwhile; the first run
				// may move to another, later runs must keep the address.
				c.runs = 0
				c.setAddr(freeAddr(t))
				c.start(t)
				return
			}
			t.Fatalf("the program exited at start:\n%s", c.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not answer /healthz within 30 s:\n%s", c.logs.String())
		}
	}
}

// kill ends the program with SIGKILL, as the kernel's OOM killer or a lost
// machine would: nothing of it runs any more.
func (c *child) kill() {
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
	c.cmd = nil
}

// outcomes reads from the program's log how often each of us was handled
// and how often dropped as a duplicate. The log reaches the test through a
// pipe, a little after the webhook's answer: it waits until each update
// appears in it, for up to five seconds.
func (c *child) outcomes(t *testing.T, us []models.Update) (handled, dropped map[int64]int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		handled, dropped, _ = handledUpdates(t, []*running{{logs: c.logs}})
		all := true
		for _, u := range us {
			all = all && handled[u.ID]+dropped[u.ID] > 0
		}
		if all || time.Now().After(deadline) {
			return handled, dropped
		}
	}
}

var (
	dayButton  = regexp.MustCompile(`^📅 (Δευτέρα|Τρίτη|Τετάρτη|Πέμπτη|Παρασκευή) [0-9]`)
	timeButton = regexp.MustCompile(`^[0-9][0-9]:[0-9][0-9]$`)
)

// buttonMatching returns the label of the index-th button (modulo their
// number) matching re on the newest bot message that has any.
func buttonMatching(c *citizen, re *regexp.Regexp, index int) (string, bool) {
	ms := c.tg.Chat(c.chat)
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].FromBot || ms[i].Deleted {
			continue
		}
		var labels []string
		for _, row := range ms[i].Inline {
			for _, b := range row {
				if re.MatchString(b.Text) {
					labels = append(labels, b.Text)
				}
			}
		}
		if len(labels) > 0 {
			return labels[index%len(labels)], true
		}
	}
	return "", false
}

// walkToConfirmNow takes the citizen, in Greek, to the confirm screen of a
// birth certificate at the Civil Registry on the first day the calendar
// offers by the real clock, at its index-th free time.
func walkToConfirmNow(c *citizen, index int, phone, name string) {
	c.t.Helper()
	c.tg.SetLanguage(c.chat, "el")
	c.say("/start")
	for _, label := range []string{"📅 Κλείσιμο ραντεβού", "🏛 Δημοτολόγιο", "📄 Πιστοποιητικό γέννησης"} {
		c.tap(label)
	}
	for week := 0; ; week++ {
		if label, ok := buttonMatching(c, dayButton, 0); ok {
			c.tap(label)
			break
		}
		if week == 3 {
			c.t.Fatalf("no bookable day within three weeks\nchat:\n%s", c.transcript())
		}
		c.tap(btnNextWeek)
	}
	c.wantScreen(dialog.ScreenTime)
	label, ok := buttonMatching(c, timeButton, index)
	if !ok {
		c.t.Fatalf("no time on the times screen\nchat:\n%s", c.transcript())
	}
	c.tap(label)
	c.wantScreen(dialog.ScreenPhone)
	c.share(phone)
	c.say(name)
	c.wantScreen(dialog.ScreenConfirm)
}

// confirmations counts the .ics files the chat received.
func confirmations(c *citizen) int {
	n := 0
	for _, m := range c.tg.Chat(c.chat) {
		if m.FromBot && m.Document != nil && strings.HasSuffix(m.Document.FileName, ".ics") {
			n++
		}
	}
	return n
}

// killRig is the program as a process of its own in webhook mode, on a
// database behind a TCP proxy and a Redis of the test's own, with a
// misbehaving Bot API in front of the fake Telegram.
type killRig struct {
	pool     *pgxpool.Pool // straight to PostgreSQL
	dbProxy  *tcpProxy     // the program's way to it
	api      *faultyBotAPI
	tg       *telegramfake.Server
	sessions *redis.Sessions
	prog     *child
}

func startKillRig(t *testing.T) *killRig {
	t.Helper()
	bin := buildProgram(t)
	pool, dbProxy, dbURL := proxiedDatabase(t)
	rsrv := startRedisServer(t)
	reader := goredis.NewClient(&goredis.Options{Addr: rsrv.Addr()})
	t.Cleanup(func() { reader.Close() })
	api := newFaultyBotAPI(t, replicaToken)
	r := &killRig{pool: pool, dbProxy: dbProxy, api: api, tg: api.fake,
		sessions: redis.NewSessions(reader, redis.Prefix(replicaToken), 0)}
	r.prog = newChild(t, bin, map[string]string{
		"DATABASE_URL":            dbURL,
		"REDIS_URL":               rsrv.URL(),
		"TELEGRAM_BOT_TOKEN":      replicaToken,
		"TELEGRAM_API_URL":        api.URL(),
		"TELEGRAM_WEBHOOK_URL":    replicaWebhook,
		"TELEGRAM_WEBHOOK_SECRET": replicaSecret,
		"LOG_LEVEL":               "debug",
		"LOG_FORMAT":              "json",
	})
	r.prog.start(t)
	r.tg.SetWebhookTargets(r.prog.URL() + bot.WebhookPath)
	waitWebhook(t, r.tg)
	return r
}

// openTransactions counts the transactions of the database that have
// written and not yet ended.
func (r *killRig) openTransactions(t *testing.T) int {
	t.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND backend_xid IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// endLeases ends every outbox lease still held, as the lease running out
// would (the claim compares lease_until with the database's clock), and
// returns how many there were.
func (r *killRig) endLeases(t *testing.T) int {
	t.Helper()
	tag, err := r.pool.Exec(context.Background(), `UPDATE outbox SET lease_until = now()
		WHERE delivered_at IS NULL AND parked_at IS NULL AND lease_until > now()`)
	if err != nil {
		t.Fatal(err)
	}
	return int(tag.RowsAffected())
}

// TestFaultKilled builds the program and runs it as a process in webhook
// mode, on a database behind a TCP proxy and a Redis of the test's own, and
// kills it with SIGKILL twice while work is in flight:
//
//   - MidBooking: six citizens confirm at once. Three are killed inside
//     their booking's transaction (the proxy lets everything through but
//     the COMMIT); three after their commit, while their step's reply is on
//     its way to Telegram (held there). Right after the kill PostgreSQL
//     holds the three committed bookings whole and nothing of the other
//     three. The program is started again: the citizens whose booking was
//     rolled back confirm again and book once; every notification due is
//     delivered, none twice.
//   - MidOutboxBatch: ten staff cancellations claimed by the worker, five
//     of their notifications held before they reach Telegram and five
//     delivered with their answer held, when the program is killed. The
//     program started again does not send them while their lease holds;
//     once it has run out each is sent, so the five that had reached
//     Telegram arrive twice (the at-least-once window), the others once.
//
// The lease is two minutes and serve has no setting for it, so the test
// ends the leases in the database instead of waiting, as the two minutes
// would: the claim compares lease_until with the database's clock.
func TestFaultKilled(t *testing.T) {
	ctx := context.Background()
	rig := startKillRig(t)
	pool, dbProxy, api, tg, sessions, prog := rig.pool, rig.dbProxy, rig.api, rig.tg, rig.sessions, rig.prog
	kills := 0

	t.Run("MidBooking", func(t *testing.T) {
		const n = 6
		cs := make([]*citizen, n)
		names := make([]string, n)
		for i := range cs {
			cs[i] = &citizen{t: t, tg: tg, sessions: sessions, chat: int64(7401 + i)}
			names[i] = fmt.Sprintf("Πολίτης Δοκιμής %c", 'Α'+rune(i))
			walkToConfirmNow(cs[i], i, fmt.Sprintf("30697000000%d", i), names[i])
		}
		inTx, committed := cs[:3], cs[3:]

		dbProxy.HoldFrom(pgSync(), names[:3]...)
		for _, c := range committed {
			// Whatever the step or the worker sends these chats is held
			// before it reaches Telegram.
			for _, m := range []string{anyReply, anySend} {
				api.Fail(m, apiFault{hold: true, chat: c.chat, times: untilCleared})
			}
		}
		taps := make([]models.Update, n)
		var wg sync.WaitGroup
		for i, c := range cs {
			taps[i] = c.pressUpdate(btnConfirm)
			wg.Go(func() { tg.Deliver(taps[i]) })
		}
		// Kill when the three transactions are held and the other three
		// have committed and their step is sending its reply.
		ready := func() bool {
			if dbProxy.Holds() < len(inTx) {
				return false
			}
			for _, c := range committed {
				if api.HitsFor(anyReply, c.chat) == 0 {
					return false
				}
			}
			return true
		}
		for deadline := time.Now().Add(10 * time.Second); !ready(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("within 10 s: %d transactions held (want %d); replies held %v",
					dbProxy.Holds(), len(inTx), hitsFor(api, anyReply, committed))
			}
		}
		// The proxy holds a pipeline's Sync once it has passed on the
		// statements before it, which PostgreSQL may still be running: a
		// transaction counts as open from its first write. Wait for the
		// three, and never more.
		open := rig.openTransactions(t)
		for deadline := time.Now().Add(5 * time.Second); open < len(inTx) && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			open = rig.openTransactions(t)
		}
		if open != len(inTx) {
			t.Fatalf("%d write transactions open at the kill; want the %d held before their COMMIT", open, len(inTx))
		}
		prog.kill()
		kills++
		wg.Wait()
		dbProxy.HoldFrom(nil)
		api.Clear()
		t.Logf("killed with %d booking transactions open and %d bookings committed with their replies in flight", open, len(committed))

		// Right after the kill: the open transactions are rolled back by
		// PostgreSQL as their connections go, the committed bookings are
		// whole.
		for deadline := time.Now().Add(10 * time.Second); rig.openTransactions(t) > 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d transactions still open 10 s after the program died", rig.openTransactions(t))
			}
		}
		want := map[int64]int{}
		for _, c := range committed {
			want[c.chat] = 1
		}
		wantWholeBookings(t, pool, want)
		for _, c := range inTx {
			c.wantScreen(dialog.ScreenConfirm) // the step never finished: its session was not saved
		}

		prog.start(t)
		// Telegram delivers again each update whose webhook never answered.
		redelivered := map[int]int{}
		for _, u := range taps {
			tg.Deliver(u)
			st, _ := lastDelivery(t, cs[0], u.ID)
			redelivered[st]++
		}
		handled, dropped := prog.outcomes(t, taps)
		t.Logf("the six confirms redelivered after the restart: answered %v; handled %d, dropped as duplicates %d",
			redelivered, countIDs(handled, taps), countIDs(dropped, taps))
		// Whoever is still on the confirm screen confirms again.
		for _, c := range cs {
			if c.screen() == dialog.ScreenConfirm {
				c.tap(btnConfirm)
				c.wantScreen(dialog.ScreenDone)
			}
		}
		for _, c := range cs {
			want[c.chat] = 1
		}
		wantWholeBookings(t, pool, want)
		leased := rig.endLeases(t)
		rows := waitDueDelivered(t, pool, 20*time.Second)
		for _, r := range rows {
			if !r.Delivered || r.Parked {
				t.Errorf("outbox %v: not delivered", r)
			}
		}
		for _, c := range cs {
			if n := confirmations(c); n > 1 {
				t.Errorf("chat %d got %d calendar files; none of its sends had reached Telegram before the kill", c.chat, n)
			}
		}
		t.Logf("%d leases ended by hand after the restart; every due notification delivered, none twice", leased)
	})

	t.Run("MidOutboxBatch", func(t *testing.T) {
		if prog.cmd == nil {
			prog.start(t)
		}
		const n = 10
		const reason = "απεργία προσωπικού"
		store := postgres.NewStore(pool)
		office := booking.NewOffice(booking.DefaultCatalog(), store, time.Now)
		clerk := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
		cs := make([]*citizen, n)
		refs := make([]string, n)
		slots := freeSlots(t, office, n)
		for i := range cs {
			cs[i] = &citizen{t: t, tg: tg, sessions: sessions, chat: int64(7501 + i)}
			b, err := office.Book(ctx, booking.Request{
				Citizen: booking.Citizen{TelegramID: cs[i].chat, Name: fmt.Sprintf("Παραλήπτης %d", i), Phone: fmt.Sprintf("69710000%02d", i), Lang: booking.Greek},
				Service: "birth-certificate",
				Start:   slots[i],
			})
			if err != nil {
				t.Fatal(err)
			}
			refs[i] = b.Ref
		}
		waitDueDelivered(t, pool, 20*time.Second) // their confirmations, whichever way they go
		// The Civil Registry's clerk cancels all ten: ten notifications to
		// ten citizens, which the worker claims together. Five are held
		// before they reach Telegram, five are delivered and their answers
		// held.
		told := func(c *citizen) int {
			n := 0
			for _, m := range tg.Chat(c.chat) {
				if m.FromBot && strings.Contains(m.Text, reason) {
					n++
				}
			}
			return n
		}
		for i, c := range cs {
			f := apiFault{hold: true, chat: c.chat, times: 1}
			if i >= n/2 {
				f = apiFault{holdAnswer: true, chat: c.chat, times: 1}
			}
			api.Fail(anySend, f)
		}
		for _, ref := range refs {
			if _, err := office.Cancel(ctx, clerk, ref, reason); err != nil {
				t.Fatal(err)
			}
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if h := hitsFor(api, anySend, cs); len(h) == n {
				break
			}
			if time.Now().After(deadline) {
				var b strings.Builder
				for _, r := range outboxRows(t, pool) {
					fmt.Fprintln(&b, r)
				}
				t.Fatalf("within 10 s the worker sent %v of %d notifications; the outbox:\n%s", hitsFor(api, anySend, cs), n, b.String())
			}
		}
		var leased int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = $1 AND booking_id IN
			(SELECT b.id FROM bookings b JOIN citizens c ON c.id = b.citizen WHERE c.telegram_id BETWEEN 7501 AND 7510)
			AND delivered_at IS NULL AND lease_until > now() AND attempts = 1`, string(booking.NotifyCancelledByStaff)).Scan(&leased); err != nil {
			t.Fatal(err)
		}
		if leased != n {
			t.Fatalf("%d notifications claimed and in flight, want %d", leased, n)
		}
		prog.kill()
		kills++
		api.Clear()
		reached := 0
		for _, c := range cs {
			reached += told(c)
		}
		if reached != n/2 {
			t.Fatalf("%d notifications reached Telegram before the kill; want the %d whose answers were held", reached, n/2)
		}

		prog.start(t)
		// While the dead process's leases hold, nobody sends the rows again:
		// watch two of the worker's polls.
		for until := time.Now().Add(2500 * time.Millisecond); time.Now().Before(until); time.Sleep(50 * time.Millisecond) {
			got := 0
			for _, c := range cs {
				got += told(c)
			}
			if got != reached {
				t.Fatalf("the restarted program sent notifications while the dead one's leases held (%d now, %d before)", got, reached)
			}
		}
		ended := rig.endLeases(t)
		rows := waitDueDelivered(t, pool, 20*time.Second)
		for _, r := range rows {
			if !r.Delivered || r.Parked {
				t.Errorf("outbox %v: not delivered", r)
			}
		}
		for i, c := range cs {
			want := 1
			if i >= n/2 {
				want = 2 // it reached Telegram, its answer died with the process
			}
			if got := told(c); got != want {
				t.Errorf("chat %d was told of the cancellation %d times, want %d", c.chat, got, want)
			}
		}
		t.Logf("%d rows claimed by the killed worker; %d leases ended by hand; each row delivered, the %d whose answers were lost twice", n, ended, n/2)
	})

	if code, body := get(t, prog.URL()+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the restarts: %d %q", code, body)
	}
	t.Logf("%d SIGKILLs survived", kills)
}

// waitDueDelivered waits until every outbox row due by now is delivered
// or parked, and returns those rows.
func waitDueDelivered(t *testing.T, pool *pgxpool.Pool, within time.Duration) []outboxRow {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		var pending int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox
			WHERE due_at <= now() AND delivered_at IS NULL AND parked_at IS NULL`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, r := range outboxRows(t, pool) {
				fmt.Fprintln(&b, r)
			}
			t.Fatalf("%d outbox rows due and not delivered after %s:\n%s", pending, within, b.String())
		}
	}
	rows, err := pool.Query(ctx, `SELECT id FROM outbox WHERE due_at <= now()`)
	if err != nil {
		t.Fatal(err)
	}
	due := map[int64]bool{}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		due[id] = true
	}
	rows.Close()
	var out []outboxRow
	for _, r := range outboxRows(t, pool) {
		if due[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// hitsFor returns, for each chat of cs whose call of method met a fault,
// how many did.
func hitsFor(api *faultyBotAPI, method string, cs []*citizen) map[int64]int {
	out := map[int64]int{}
	for _, c := range cs {
		if n := api.HitsFor(method, c.chat); n > 0 {
			out[c.chat] = n
		}
	}
	return out
}

// countIDs counts how many of us appear in m.
func countIDs(m map[int64]int, us []models.Update) int {
	n := 0
	for _, u := range us {
		n += m[u.ID]
	}
	return n
}

// freeSlots returns n free start times of a birth certificate at the Civil
// Registry, from tomorrow on, by the real clock.
func freeSlots(t *testing.T, office *booking.Office, n int) []time.Time {
	t.Helper()
	cat := office.Catalog()
	d := booking.DateOf(time.Now(), cat.Location).AddDays(1)
	var out []time.Time
	for range 30 {
		day, err := office.FreeSlots(context.Background(), "birth-certificate", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range day.Slots {
			if len(out) == n {
				return out
			}
			out = append(out, s.Start)
		}
		d = d.AddDays(1)
	}
	t.Fatalf("fewer than %d free times within 30 days", n)
	return nil
}
