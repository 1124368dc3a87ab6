package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

const token = "123456:notify-test"

// The worker and the Telegram deliverer declare what they need of the
// database; the PostgreSQL store is what production gives them.
var (
	_ notify.Outbox       = (*postgres.Outbox)(nil)
	_ notify.Reachability = (*postgres.Store)(nil)
	_ notify.Bookings     = (*postgres.Store)(nil)
)

// env is a database with the default catalog, the real Office, the fake
// Bot API and the Telegram deliverer wired as in production, all on one
// clock that tests hand to their workers too.
type env struct {
	clock  *clock
	pool   *pgxpool.Pool
	store  *postgres.Store
	office *booking.Office
	cat    *booking.Catalog
	outbox *postgres.Outbox
	fake   *telegramfake.Server
	sender *throttle.Sender
	tg     *notify.Telegram
	counts *counter
}

func newEnv(tb testing.TB, limits telegramfake.Limits, pace throttle.Config) *env {
	tb.Helper()
	pool := pgtest.New(tb)
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(context.Background(), cat); err != nil {
		tb.Fatal(err)
	}
	fake := telegramfake.New(token)
	url := fake.Start()
	tb.Cleanup(fake.Close)
	fake.SetLimits(limits)
	api, err := bot.New(token, bot.WithServerURL(url), bot.WithSkipGetMe())
	if err != nil {
		tb.Fatal(err)
	}
	sender := throttle.New(pace)
	tb.Cleanup(sender.Close)
	outbox := postgres.NewOutbox(pool)
	clk := newClock()
	e := &env{
		clock:  clk,
		pool:   pool,
		store:  store,
		office: booking.NewOffice(cat, store, clk.Now),
		cat:    cat,
		outbox: outbox,
		fake:   fake,
		sender: sender,
		counts: &counter{n: map[int64]int{}},
	}
	e.tg = &notify.Telegram{
		API:      api,
		Sender:   sender,
		Bookings: store,
		Reach:    store,
		// The worker's tests deliver the confirmations of the bookings
		// they make, as a release before the conversation showed them did.
		Renderer: &notify.Renderer{Catalog: cat, Now: clk.Now, SendConfirmations: true},
	}
	return e
}

// clock is the tests' "now". It stands still, so that a time the worker
// writes can be asserted exactly against it. It stops where the test
// starts: whether a row is due goes by the database's clock, which runs on,
// so rows the Office writes at this clock's time are due at once, as in
// production.
type clock struct{ t time.Time }

func newClock() *clock {
	// PostgreSQL keeps microseconds: times read back compare equal.
	return &clock{t: time.Now().Truncate(time.Microsecond)}
}

func (c *clock) Now() time.Time { return c.t }

// counter counts successful deliveries per outbox id: the proof that no
// row reaches its citizen twice.
type counter struct {
	mu sync.Mutex
	n  map[int64]int
}

func (c *counter) wrap(d notify.Deliverer) notify.Deliverer {
	return notify.DelivererFunc(func(ctx context.Context, n booking.Notification) error {
		err := d.Deliver(ctx, n)
		if err == nil {
			c.mu.Lock()
			c.n[n.ID]++
			c.mu.Unlock()
		}
		return err
	})
}

func (c *counter) snapshot() map[int64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int64]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// bookMany books n appointments for n different citizens (chat ids from
// base), on the first working days with free slots, and returns them.
func (e *env) bookMany(tb testing.TB, n int, base int64) []booking.Booking {
	tb.Helper()
	ctx := context.Background()
	var out []booking.Booking
	day := booking.DateOf(e.clock.Now(), e.cat.Location)
	for d := 0; d < 30 && len(out) < n; d++ {
		slots, err := e.office.FreeSlots(ctx, "birth-certificate", day.AddDays(d))
		if err != nil {
			tb.Fatal(err)
		}
		for _, s := range slots.Slots {
			for range e.desks("civil-registry") {
				if len(out) == n {
					break
				}
				id := base + int64(len(out))
				b, err := e.office.Book(ctx, booking.Request{
					Citizen: booking.Citizen{TelegramID: id, Name: "Μαρία Παπαδοπούλου", Phone: "6912345678", Lang: booking.Greek},
					Service: "birth-certificate",
					Start:   s.Start,
				})
				if booking.ErrorCode(err) == booking.ESlotTaken {
					break
				}
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, b)
			}
		}
	}
	if len(out) < n {
		tb.Fatalf("booked %d of %d", len(out), n)
	}
	return out
}

func (e *env) desks(dept string) []string {
	d, _ := e.cat.Department(dept)
	return d.Desks
}

// row is what the outbox holds of one row after a delivery.
type row struct {
	due       time.Time
	leased    bool
	delivered bool
	lastError string
}

func (e *env) row(tb testing.TB, id int64) row {
	tb.Helper()
	var r row
	if err := e.pool.QueryRow(context.Background(), `
		SELECT due_at, lease_until IS NOT NULL, delivered_at IS NOT NULL, last_error FROM outbox WHERE id = $1`, id).
		Scan(&r.due, &r.leased, &r.delivered, &r.lastError); err != nil {
		tb.Fatal(err)
	}
	return r
}

// dueWithin fails unless r is due again between lo and hi after the clock,
// the span the jittered backoff of its attempt may draw from.
func (e *env) dueWithin(tb testing.TB, r row, lo, hi time.Duration) {
	tb.Helper()
	if in := r.due.Sub(e.clock.Now()); in < lo || in > hi {
		tb.Fatalf("due again %v after the clock, want between %v and %v", in, lo, hi)
	}
}

// pendingNow counts rows due now that are neither delivered nor parked.
func (e *env) pendingNow(tb testing.TB) int {
	tb.Helper()
	s, err := e.outbox.Stats(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return s.Due
}

// telegramVia returns e's Telegram deliverer with its client talking to h
// instead of the fake, for tests that put a faulty network in front of it.
func (e *env) telegramVia(tb testing.TB, h http.Handler) *notify.Telegram {
	tb.Helper()
	front := httptest.NewServer(h)
	tb.Cleanup(front.Close)
	api, err := bot.New(token, bot.WithServerURL(front.URL), bot.WithSkipGetMe())
	if err != nil {
		tb.Fatal(err)
	}
	tg := *e.tg
	tg.API = api
	return &tg
}

// reminders are reminders of b to the given chats, in that order.
func reminders(b booking.Booking, chats ...int64) []booking.Notification {
	out := make([]booking.Notification, len(chats))
	for i, c := range chats {
		out[i] = booking.Notification{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram,
			Recipient: strconv.FormatInt(c, 10), BookingID: b.ID}
	}
	return out
}

// waitFor polls cond until it holds, failing the test after d.
func waitFor(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(d); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// run runs w until the test ends, and returns a function that stops it
// earlier and waits for it.
func run(tb testing.TB, w *notify.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	stop = func() { cancel(); <-done }
	tb.Cleanup(stop)
	return stop
}
