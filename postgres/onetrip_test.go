package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// tracedSetup is setup (no booking limits) with the store and the office
// on a pool whose round trips tr records (pgtest.Trips); f.pool, for the checks, is not
// traced.
func tracedSetup(t *testing.T) (*fixture, *pgtest.Trips) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	traced, tr := pgtest.Traced(t, pool)
	cat := booking.DefaultCatalog()
	cat.MaxActive, cat.MaxPerService = 0, 0
	store := postgres.NewStore(traced)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	f := &fixture{office: booking.NewOffice(cat, store, func() time.Time { return now }), store: store, pool: pool, cat: cat}
	return f, tr
}

// written is everything a cancel or a move could write: the bookings,
// audit, outbox and request keys tables, as text.
func (f *fixture) written(tb testing.TB) string {
	tb.Helper()
	var s string
	if err := f.pool.QueryRow(context.Background(), `SELECT concat_ws(E'\n',
		(SELECT string_agg(b::text, E'\n' ORDER BY id) FROM bookings b),
		(SELECT string_agg(a::text, E'\n' ORDER BY id) FROM audit_log a),
		(SELECT string_agg(o::text, E'\n' ORDER BY id) FROM outbox o),
		(SELECT string_agg(k::text, E'\n' ORDER BY key) FROM request_keys k))`).Scan(&s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// unchanged fails tb when anything was written since before.
func (f *fixture) unchanged(tb testing.TB, before string) {
	tb.Helper()
	if after := f.written(tb); after != before {
		tb.Fatalf("a refused change wrote:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// oneTrip fails t unless got is one round trip of n statements.
func oneTrip(t *testing.T, got [][]string, n int) {
	t.Helper()
	if len(got) != 1 || len(got[0]) != n {
		t.Fatalf("%d round trips, want 1 of %d statements:\n%s", len(got), n, show(got))
	}
}

func show(got [][]string) string {
	var b strings.Builder
	for i, trip := range got {
		for _, sql := range trip {
			first, _, _ := strings.Cut(strings.TrimSpace(sql), "\n")
			b.WriteString("  " + string(rune('1'+i)) + ": " + first + "\n")
		}
	}
	return b.String()
}

// TestCancelOneRoundTrip: a cancellation is one round trip, and one refused
// for any reason writes nothing.
func TestCancelOneRoundTrip(t *testing.T) {
	f, tr := tracedSetup(t)
	ctx := context.Background()
	b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(7001), Service: "family-status", Start: at(3, 9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND delivered_at IS NULL`,
		b.ID, string(booking.NotifyReminder)); n == 0 {
		t.Fatal("the booking has no reminders to drop")
	}
	me := asCitizen(7001)
	cancel := booking.Cancel{Ref: b.Ref, Reason: "λόγος", HoldUntil: now.Add(30 * time.Minute), Now: now.Add(2 * time.Minute),
		MaxChanges: 5, Actor: me, Notify: []booking.Notification{
			{Kind: booking.NotifyStaffCancelled, Channel: booking.ChannelSlack, Recipient: "civil-registry"},
			{Kind: booking.NotifyCancelledByStaff, Channel: booking.ChannelTelegram, Recipient: "7001", InChat: true,
				Payload: booking.Payload{Reason: "λόγος"}},
		}}

	refused := func(t *testing.T, c booking.Cancel, code booking.Code) {
		t.Helper()
		before := f.written(t)
		tr.Take()
		if _, err := f.store.Cancel(ctx, c); booking.ErrorCode(err) != code {
			t.Fatalf("cancel: %v, want %s", err, code)
		}
		oneTrip(t, tr.Take(), 2)
		f.unchanged(t, before)
	}
	t.Run("NotFound", func(t *testing.T) {
		c := cancel
		c.Ref = "ZZZZZZ"
		refused(t, c, booking.ENotFound)
	})
	t.Run("TooOften", func(t *testing.T) {
		c := cancel
		c.MaxChanges = 1 // the booking was one change a moment ago
		refused(t, c, booking.ETooOften)
	})
	t.Run("Cancelled", func(t *testing.T) {
		tr.Take()
		got, err := f.store.Cancel(ctx, cancel)
		if err != nil {
			t.Fatal(err)
		}
		oneTrip(t, tr.Take(), 2)
		if got.ID != b.ID || got.Status != booking.Cancelled || got.CancelReason != "λόγος" || got.Citizen.TelegramID != 7001 || !got.Start.Equal(b.Start) {
			t.Fatalf("cancelled %+v", got)
		}
		var held time.Time
		if err := f.pool.QueryRow(ctx, `SELECT held_until FROM bookings WHERE id = $1`, b.ID).Scan(&held); err != nil || !held.Equal(cancel.HoldUntil) {
			t.Fatalf("held until %v (%v), want %v", held, err, cancel.HoldUntil)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND delivered_at IS NULL`,
			b.ID, string(booking.NotifyReminder)); n != 0 {
			t.Fatalf("%d reminders left", n)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action = 'cancel' AND actor_kind = 'citizen'
			AND actor_id = '7001' AND at = $2 AND details = jsonb_build_object('ref', $3::text, 'reason', 'λόγος')`,
			b.ID, cancel.Now, b.Ref); n != 1 {
			t.Fatalf("%d audit rows of the cancellation", n)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'staff.cancelled'
			AND recipient = 'civil-registry' AND delivered_at IS NULL AND due_at <= now()`, b.ID); n != 1 {
			t.Fatalf("%d notifications to staff", n)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.cancelled'
			AND recipient = '7001' AND delivered_at IS NOT NULL AND payload->>'reason' = 'λόγος'`, b.ID); n != 1 {
			t.Fatalf("%d notifications shown in the chat", n)
		}
	})
	t.Run("NotActive", func(t *testing.T) {
		refused(t, cancel, booking.EConflict)
	})
}

// TestMoveOneRoundTripPerDesk: a move is one round trip for each desk it
// tries (after the look-up of its request key, when it has one), lands on
// the next desk when the first is taken or closed, and one refused for
// any reason writes nothing, not even the release of the citizen's own
// hold on the place.
func TestMoveOneRoundTripPerDesk(t *testing.T) {
	f, tr := tracedSetup(t)
	ctx := context.Background()
	book := func(id int64, start time.Time) booking.Booking {
		t.Helper()
		b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(id), Service: "family-status", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mine := book(7002, at(3, 10, 0))
	me := asCitizen(7002)
	move := func(start time.Time, desks ...string) booking.Move {
		return booking.Move{Ref: mine.Ref, Desks: desks, Start: start, End: start.Add(15 * time.Minute),
			Day: booking.DateOf(start, athens), Now: now.Add(time.Minute), MaxChanges: 10, Actor: me,
			Notify: []booking.Notification{
				{Kind: booking.NotifyRescheduled, Channel: booking.ChannelTelegram, Recipient: "7002", InChat: true},
				{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram, Recipient: "7002", DueAt: start.Add(-2 * time.Hour)},
			}}
	}
	refused := func(t *testing.T, m booking.Move, code booking.Code, attempts int) {
		t.Helper()
		before := f.written(t)
		tr.Take()
		if _, err := f.store.Move(ctx, m); booking.ErrorCode(err) != code {
			t.Fatalf("move: %v, want %s", err, code)
		}
		if failed := tr.Failed(); len(failed) > 0 {
			t.Fatalf("%d statements failed on the way:\n%s", len(failed), show([][]string{failed}))
		}
		got := tr.Take()
		if m.IdempotencyKey != "" {
			got = got[1:] // the look-up of the key
		}
		if len(got) != attempts {
			t.Fatalf("%d round trips, want %d:\n%s", len(got), attempts, show(got))
		}
		f.unchanged(t, before)
	}
	moved := func(t *testing.T, m booking.Move, desk string, attempts int) booking.Booking {
		t.Helper()
		from, err := f.store.Booking(ctx, mine.Ref)
		if err != nil {
			t.Fatal(err)
		}
		tr.Take()
		got, err := f.store.Move(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		failed := tr.Failed()
		trips := tr.Take()
		if m.IdempotencyKey != "" {
			trips = trips[1:]
		}
		if len(failed) > 0 {
			// A taken desk is an answer: an error would abort the
			// attempt and make pgx prepare the statement again.
			t.Fatalf("%d statements failed on the way:\n%s", len(failed), show([][]string{failed}))
		}
		if len(trips) != attempts {
			t.Fatalf("%d round trips, want %d:\n%s", len(trips), attempts, show(trips))
		}
		for _, trip := range trips {
			if len(trip) != 4 {
				t.Fatalf("an attempt of %d statements, want 4:\n%s", len(trip), show(trips))
			}
		}
		if got.ID != mine.ID || got.Desk != desk || !got.Start.Equal(m.Start) || !got.End.Equal(m.End) || got.Status != booking.Active || got.Citizen.TelegramID != 7002 {
			t.Fatalf("moved %+v, want desk %s at %v", got, desk, m.Start)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action = 'reschedule' AND at = $2
			AND details->>'ref' = $3 AND details->>'from_desk' = $4 AND (details->>'from_start')::timestamptz = $5
			AND details->>'desk' = $6 AND (details->>'start')::timestamptz = $7 AND (details->>'end')::timestamptz = $8`,
			mine.ID, m.Now, mine.Ref, from.Desk, from.Start, desk, m.Start, m.End); n != 1 {
			t.Fatalf("%d audit rows of the move", n)
		}
		// The old reminders dropped, the new one in their place; the
		// confirmation shown in the chat written as delivered.
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND delivered_at IS NULL`,
			mine.ID, string(booking.NotifyReminder)); n != 1 {
			t.Fatalf("%d reminders pending, want the new one", n)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND delivered_at IS NULL AND due_at = $3`,
			mine.ID, string(booking.NotifyReminder), m.Start.Add(-2*time.Hour)); n != 1 {
			t.Fatal("the new reminder is not due when asked")
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND delivered_at IS NOT NULL`,
			mine.ID, string(booking.NotifyRescheduled)); n < 1 {
			t.Fatal("no confirmation written as delivered")
		}
		mine = got
		return got
	}

	t.Run("NotFound", func(t *testing.T) {
		m := move(at(3, 12, 0), "A1", "A2")
		m.Ref = "ZZZZZZ"
		refused(t, m, booking.ENotFound, 1)
	})
	t.Run("TooOften", func(t *testing.T) {
		m := move(at(3, 12, 0), "A1", "A2")
		m.MaxChanges, m.IdempotencyKey = 1, "too-often"
		refused(t, m, booking.ETooOften, 1)
	})
	t.Run("EveryDeskTaken", func(t *testing.T) {
		for i := range 3 {
			book(int64(7100+i), at(3, 11, 0))
		}
		refused(t, move(at(3, 11, 0), "A1", "A2", "A3"), booking.ESlotTaken, 3)
	})
	t.Run("DayClosed", func(t *testing.T) {
		day := booking.Date{Year: 2026, Month: 12, Day: 4}
		if _, err := f.store.AddClosure(ctx, f.strike(day, booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"})); err != nil {
			t.Fatal(err)
		}
		refused(t, move(at(4, 9, 0), "A1", "A2", "A3"), booking.EClosed, 1)
	})
	t.Run("OneRoundTrip", func(t *testing.T) {
		moved(t, move(at(3, 9, 0), "A1", "A2"), "A1", 1)
	})
	t.Run("FirstDeskTakenLandsOnSecond", func(t *testing.T) {
		other := book(7200, at(3, 12, 0))
		second := "A2"
		if other.Desk == "A2" {
			second = "A1"
		}
		m := move(at(3, 12, 0), other.Desk, second)
		m.IdempotencyKey = "move-12"
		got := moved(t, m, second, 2)
		if n := f.count(t, `SELECT count(*) FROM request_keys WHERE key = 'move-12' AND booking_id = $1`, got.ID); n != 1 {
			t.Fatal("the request key is not kept")
		}
		// The repeat of the request returns the move it made, from the key.
		before := f.written(t)
		tr.Take()
		again, err := f.store.Move(ctx, m)
		if err != nil || again.ID != got.ID || again.Desk != got.Desk || !again.Start.Equal(got.Start) {
			t.Fatalf("repeat: %+v, %v", again, err)
		}
		if trips := tr.Take(); len(trips) != 1 {
			t.Fatalf("the repeat took %d round trips:\n%s", len(trips), show(trips))
		}
		f.unchanged(t, before)
	})
	t.Run("ClosedDeskSkipped", func(t *testing.T) {
		day := booking.Date{Year: 2026, Month: 12, Day: 7}
		c := booking.Closure{Department: "civil-registry", Desk: "A1", From: day, To: day, Reason: booking.Text{EL: "βλάβη"}}
		start, end := f.office.Calendar().Span(c)
		if _, err := f.store.AddClosure(ctx, booking.NewClosure{Closure: c, Start: start, End: end,
			Actor: booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}}); err != nil {
			t.Fatal(err)
		}
		moved(t, move(at(7, 9, 0), "A1", "A2"), "A2", 2)
	})
	t.Run("OwnHoldKeptWhenRefused", func(t *testing.T) {
		// The citizen cancelled a place, held for them; a move there that
		// is refused keeps it held, one that goes ahead takes it.
		held := book(7002, at(3, 13, 0))
		if _, err := f.store.Cancel(ctx, booking.Cancel{Ref: held.Ref, HoldUntil: now.Add(time.Hour), Actor: me}); err != nil {
			t.Fatal(err)
		}
		m := move(at(3, 13, 0), held.Desk)
		m.MaxChanges = 1
		refused(t, m, booking.ETooOften, 1)
		m.Ref = book(7300, at(3, 12, 30)).Ref // somebody else's booking: the hold is not theirs
		m.Actor, m.MaxChanges = asCitizen(7300), 0
		refused(t, m, booking.ESlotTaken, 1)
		moved(t, move(at(3, 13, 0), held.Desk), held.Desk, 1)
		if n := f.count(t, `SELECT count(*) FROM bookings WHERE id = $1 AND held_until IS NULL`, held.ID); n != 1 {
			t.Fatal("the hold was not released")
		}
	})
	t.Run("NotActive", func(t *testing.T) {
		if _, err := f.store.Cancel(ctx, booking.Cancel{Ref: mine.Ref, Actor: me}); err != nil {
			t.Fatal(err)
		}
		refused(t, move(at(3, 12, 45), "A1", "A2"), booking.EConflict, 1)
	})
}
