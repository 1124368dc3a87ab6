package conversation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
)

// now is Tuesday 24 November 2026, 09:00 in Thessaloniki.
var now = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

type fixture struct {
	logs     *syncBuffer
	office   *booking.Office
	sessions *redis.Sessions
	engine   *conversation.Engine
}

// newFixture wires the engine to a fresh PostgreSQL database and the real
// Redis under a random key prefix; both are required.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	return fixtureOn(t, pgtest.New(t))
}

// fixtureOn is newFixture on pool, a fresh migrated database.
func fixtureOn(t testing.TB, pool *pgxpool.Pool) *fixture {
	t.Helper()
	ctx := context.Background()
	store := postgres.NewStore(pool)
	cat := booking.DefaultCatalog()
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatalf("sync catalog: %v", err)
	}
	office := booking.NewOffice(cat, store, func() time.Time { return now })

	client, prefix := redistest.New(t)
	sessions := redis.NewSessions(client, prefix, 30*time.Minute)
	logs := &syncBuffer{}
	return &fixture{logs: logs, office: office, sessions: sessions,
		engine: conversation.NewEngine(office, sessions, func() time.Time { return now },
			conversation.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))}
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// chat is one citizen talking to the engine; the chat ID is the user ID, as
// in Telegram private chats.
type chat struct {
	t    *testing.T
	f    *fixture
	id   int64
	lang string
	last []dialog.Reply
}

func (f *fixture) chat(t *testing.T, id int64, lang string) *chat {
	return &chat{t: t, f: f, id: id, lang: lang}
}

func (c *chat) send(e dialog.Event) []dialog.Reply {
	c.t.Helper()
	rs, err := c.f.engine.Handle(context.Background(), conversation.Input{ChatID: c.id, UserID: c.id, LangCode: c.lang, Event: e})
	if err != nil {
		c.t.Fatalf("handle: %v", err)
	}
	if len(rs) == 0 {
		c.t.Fatalf("no reply to %+v", e)
	}
	c.last = rs
	return rs
}

func (c *chat) cmd(s string) []dialog.Reply {
	return c.send(dialog.Event{Kind: dialog.KindCommand, Command: s})
}
func (c *chat) text(s string) []dialog.Reply {
	return c.send(dialog.Event{Kind: dialog.KindText, Text: s})
}
func (c *chat) tap(label string) []dialog.Reply {
	c.t.Helper()
	return c.send(dialog.Event{Kind: dialog.KindButton, Data: c.button(label)})
}

func (c *chat) button(label string) string {
	c.t.Helper()
	for _, r := range c.last {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b.Data
				}
			}
		}
	}
	c.t.Fatalf("no button %q in %+v", label, c.last)
	return ""
}

func (c *chat) said(s string) bool {
	for _, r := range c.last {
		if strings.Contains(r.Text, s) || strings.Contains(r.Toast, s) {
			return true
		}
	}
	return false
}

func (c *chat) wantSaid(s string) {
	c.t.Helper()
	if !c.said(s) {
		c.t.Fatalf("replies do not say %q: %+v", s, c.last)
	}
}

// toConfirm books family status at Wednesday 25 November, at, up to the
// summary.
func (c *chat) toConfirm(at string) {
	c.t.Helper()
	c.cmd("book")
	c.tap("Δημοτολόγιο")
	c.tap("οικογενειακής")
	c.tap("Τετάρτη 25 Νοεμβρίου")
	c.tap(at)
	c.text("6912345678")
	c.text("Μαρία Παπαδοπούλου")
	c.wantSaid("Να το κλείσουμε;")
}

func (f *fixture) active(t *testing.T, citizen int64) []booking.Booking {
	t.Helper()
	bs, err := f.office.MyBookings(context.Background(), citizen)
	if err != nil {
		t.Fatalf("my bookings: %v", err)
	}
	return bs
}

func TestEngine(t *testing.T) {
	f := newFixture(t)
	athens := booking.DefaultCatalog().Location

	t.Run("BookingIsStored", func(t *testing.T) {
		c := f.chat(t, 1001, "el")
		c.toConfirm("09:30")
		c.tap("Επιβεβαίωση")
		c.wantSaid("Το ραντεβού σας κλείστηκε")
		bs := f.active(t, 1001)
		if len(bs) != 1 {
			t.Fatalf("%d bookings stored", len(bs))
		}
		b := bs[0]
		if b.Service != "family-status" || b.Citizen.Phone != "+306912345678" || b.Citizen.Name != "Μαρία Παπαδοπούλου" ||
			b.Start.In(athens).Format("2006-01-02 15:04") != "2026-11-25 09:30" {
			t.Fatalf("stored %+v", b)
		}
		c.wantSaid(b.Ref)
	})

	t.Run("DoubleTapConcurrentBooksOnce", func(t *testing.T) {
		c := f.chat(t, 1002, "el")
		c.toConfirm("10:00")
		data := c.button("Επιβεβαίωση")
		var wg sync.WaitGroup
		replies := make([][]dialog.Reply, 4)
		for i := range replies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rs, err := f.engine.Handle(context.Background(), conversation.Input{ChatID: 1002, UserID: 1002, LangCode: "el",
					Event: dialog.Event{Kind: dialog.KindButton, Data: data}})
				if err != nil {
					t.Errorf("handle: %v", err)
				}
				replies[i] = rs
			}()
		}
		wg.Wait()
		if n := len(f.active(t, 1002)); n != 1 {
			t.Fatalf("%d bookings from one confirmation tapped 4 times", n)
		}
		booked, stale := 0, 0
		for _, rs := range replies {
			if len(rs) == 0 {
				t.Fatal("a tap went unanswered")
			}
			for _, r := range rs {
				if strings.Contains(r.Text, "κλείστηκε") {
					booked++
				}
				if r.Toast != "" && r.Text == "" {
					stale++
				}
			}
		}
		if booked != 1 || stale != 3 {
			t.Fatalf("booked %d times, stale %d times; want 1 and 3", booked, stale)
		}
	})

	t.Run("SlotTakenMeanwhileShowsFreshTimes", func(t *testing.T) {
		c := f.chat(t, 1003, "el")
		c.toConfirm("11:00")
		// Every desk of the Civil Registry is taken at 11:00 by others while
		// this citizen reads the summary.
		start := booking.Date{Year: 2026, Month: 11, Day: 25}.At(660, athens)
		for i := int64(0); i < 3; i++ {
			if _, err := f.office.Book(context.Background(), booking.Request{
				Citizen: booking.Citizen{TelegramID: 2000 + i, Name: "Άλλος", Phone: "+302310000000"},
				Service: "family-status", Start: start}); err != nil {
				t.Fatalf("book desk %d: %v", i, err)
			}
		}
		c.tap("Επιβεβαίωση")
		c.wantSaid("μόλις κλείστηκε από άλλον")
		for _, r := range c.last {
			for _, row := range r.Buttons {
				for _, b := range row {
					if b.Text == "11:00" {
						t.Fatal("the taken time is offered again")
					}
				}
			}
		}
		c.tap("11:15")
		c.tap("Μαρία")
		c.tap("Επιβεβαίωση")
		c.wantSaid("κλείστηκε")
	})

	t.Run("CancelAndReschedule", func(t *testing.T) {
		c := f.chat(t, 1004, "el")
		c.toConfirm("12:00")
		c.tap("Επιβεβαίωση")
		ref := f.active(t, 1004)[0].Ref
		c.cmd("mybookings")
		c.wantSaid(ref)
		c.tap("Αλλαγή " + ref)
		c.tap("Πέμπτη 26 Νοεμβρίου")
		c.tap("12:30")
		c.tap("Επιβεβαίωση")
		c.wantSaid("Νέα ημέρα και ώρα: Πέμπτη 26 Νοεμβρίου, 12:30")
		bs := f.active(t, 1004)
		if len(bs) != 1 || bs[0].Ref != ref || bs[0].Start.In(athens).Format("02 15:04") != "26 12:30" {
			t.Fatalf("after reschedule: %+v", bs)
		}
		c.cmd("mybookings")
		c.tap("Ακύρωση " + ref)
		c.tap("Ναι, ακύρωση")
		c.wantSaid("ακυρώθηκε")
		if bs := f.active(t, 1004); len(bs) != 0 {
			t.Fatalf("still active: %+v", bs)
		}
	})

	t.Run("BookAgainOnlyFromOwnBooking", func(t *testing.T) {
		// A booking staff cancelled: its "Book again" opens the same
		// service's calendar for its citizen, and nothing of it for anyone
		// else who gets hold of the button's data.
		owner := f.chat(t, 1011, "el")
		owner.toConfirm("13:00")
		owner.tap("Επιβεβαίωση")
		b := f.active(t, 1011)[0]
		if _, err := f.office.Cancel(context.Background(), booking.Actor{Kind: booking.ActorSystem, ID: "test"}, b.Ref, "βλάβη"); err != nil {
			t.Fatal(err)
		}
		again := dialog.Event{Kind: dialog.KindButton, Data: dialog.GlobalButton(dialog.GlobalBookAgain, b.Ref)}
		owner.send(again)
		owner.wantSaid("📄 Πιστοποιητικό οικογενειακής κατάστασης")
		owner.wantSaid("Τι να φέρετε")
		owner.button("Τετάρτη 25 Νοεμβρίου")

		other := f.chat(t, 1012, "el")
		other.send(again)
		other.wantSaid("Δεν βρήκαμε εκείνο το ραντεβού")
		other.wantSaid("Σε ποια υπηρεσία")
		if other.said("οικογενειακής") || other.said(b.Ref) {
			t.Fatalf("another citizen learnt of the booking: %+v", other.last)
		}
	})

	t.Run("LimitOfActiveBookings", func(t *testing.T) {
		c := f.chat(t, 1005, "el")
		for i, svc := range []string{"οικογενειακής", "Πιστοποιητικό γέννησης"} {
			c.cmd("book")
			c.tap("Δημοτολόγιο")
			c.tap(svc)
			c.tap("Παρασκευή 27 Νοεμβρίου")
			c.tap("09:00")
			if i == 0 {
				c.text("6912345678")
				c.text("Μαρία Παπαδοπούλου")
			} else {
				c.tap("Μαρία") // the name given earlier in this session
			}
			c.tap("Επιβεβαίωση")
			c.wantSaid("κλείστηκε")
		}
		// The third is refused as soon as its service is chosen.
		c.cmd("book")
		c.tap("Ληξιαρχείο")
		c.tap("📄")
		c.wantSaid("Έχετε ήδη 2 ενεργά ραντεβού, όσα επιτρέπονται τη φορά")
	})

	t.Run("LanguageRememberedAcrossSessions", func(t *testing.T) {
		c := f.chat(t, 1006, "el")
		c.cmd("lang")
		c.tap("English")
		c.wantSaid("English")
		if err := f.sessions.Delete(context.Background(), 1006); err != nil {
			t.Fatal(err)
		}
		c.text("γεια")
		c.wantSaid("Hello")
	})

	t.Run("ExpiredSessionOffersFreshStart", func(t *testing.T) {
		c := f.chat(t, 1007, "en")
		c.cmd("book")
		data := c.button("Civil Registry")
		if err := f.sessions.Delete(context.Background(), 1007); err != nil {
			t.Fatal(err)
		}
		c.send(dialog.Event{Kind: dialog.KindButton, Data: data})
		c.wantSaid("expired")
		c.tap("Book an appointment")
		c.wantSaid("Which office")
	})

	t.Run("PhoneNumbersNeverLogged", func(t *testing.T) {
		logs := f.logs.String()
		if !strings.Contains(logs, "slot_taken") {
			t.Fatalf("the failed booking above was not logged at all:\n%s", logs)
		}
		for _, phone := range []string{"6912345678", "2310000000"} {
			if strings.Contains(logs, phone) {
				t.Fatalf("a phone number reached the log:\n%s", logs)
			}
		}
	})
}

// TestEngineStartsFromTheGivenSession: the transport may hand over the
// session it read with the update's dedupe. A current one is used as is; a
// stale one (another update saved since) loses the compare-and-set, and
// the engine redoes the update on the stored session.
func TestEngineStartsFromTheGivenSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.chat(t, 9301, "en")
	c.cmd("start")
	data, v, err := f.sessions.Load(ctx, c.id)
	if err != nil || data == nil {
		t.Fatalf("session after /start: %v, %v", data, err)
	}
	book := dialog.Event{Kind: dialog.KindButton, Data: c.button("📅 Book an appointment")}

	stale := &conversation.Snapshot{Data: []byte(`{}`), Version: v - 1}
	rs, err := f.engine.Handle(ctx, conversation.Input{ChatID: c.id, UserID: c.id, LangCode: "en", Event: book, Session: stale})
	if err != nil || len(rs) == 0 {
		t.Fatalf("handle with a stale snapshot: %v, %v", rs, err)
	}
	_, v2, _ := f.sessions.Load(ctx, c.id)
	if v2 != v+1 {
		t.Fatalf("version %d after the update; want %d: redone on the stored session and saved once", v2, v+1)
	}
	var s dialog.State
	raw, v3, _ := f.sessions.Load(ctx, c.id)
	if err := json.Unmarshal(raw, &s); err != nil || s.Screen != dialog.ScreenDept {
		t.Fatalf("screen %v (%v); want the departments, as without a snapshot", s.Screen, err)
	}

	// A current snapshot is used as it is, without reading the store: one
	// that says "no session" at the stored version starts afresh.
	back := dialog.Event{Kind: dialog.KindButton, Data: find(t, rs, "◀ Back")}
	rs, err = f.engine.Handle(ctx, conversation.Input{ChatID: c.id, UserID: c.id, LangCode: "en", Event: back,
		Session: &conversation.Snapshot{Version: v3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 || !strings.Contains(rs[0].Text, "expired") {
		t.Fatalf("replies %+v; a tap with no session behind it is answered as an expired conversation", rs)
	}
}

// BenchmarkHandle measures whole updates against the real Redis and
// PostgreSQL: a tap on a day, which loads its free times from the database
// and saves the session with a compare-and-set.
func BenchmarkHandle(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	in := func(e dialog.Event) conversation.Input {
		return conversation.Input{ChatID: 3001, UserID: 3001, LangCode: "el", Event: e}
	}
	rs, err := f.engine.Handle(ctx, in(dialog.Event{Kind: dialog.KindCommand, Command: "book"}))
	if err != nil {
		b.Fatal(err)
	}
	rs, _ = f.engine.Handle(ctx, in(dialog.Event{Kind: dialog.KindButton, Data: find(b, rs, "Δημοτολόγιο")}))
	rs, _ = f.engine.Handle(ctx, in(dialog.Event{Kind: dialog.KindButton, Data: find(b, rs, "οικογενειακής")}))
	day := find(b, rs, "Τετάρτη 25 Νοεμβρίου")
	b.ResetTimer()
	for b.Loop() {
		// Day, then Back to the calendar: two updates, each with one
		// database read and one compare-and-set.
		rs, err := f.engine.Handle(ctx, in(dialog.Event{Kind: dialog.KindButton, Data: day}))
		if err != nil || len(rs) == 0 {
			b.Fatalf("day: %v", err)
		}
		back := find(b, rs, "Πίσω")
		rs, err = f.engine.Handle(ctx, in(dialog.Event{Kind: dialog.KindButton, Data: back}))
		if err != nil || len(rs) == 0 {
			b.Fatalf("back: %v", err)
		}
		day = find(b, rs, "Τετάρτη 25 Νοεμβρίου")
	}
	b.ReportMetric(float64(b.N*2)/b.Elapsed().Seconds(), "updates/s")
}

func find(tb testing.TB, rs []dialog.Reply, label string) string {
	tb.Helper()
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, btn := range row {
				if strings.Contains(btn.Text, label) {
					return btn.Data
				}
			}
		}
	}
	tb.Fatalf("no button %q in %+v", label, rs)
	return ""
}
