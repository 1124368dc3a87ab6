package booking_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// countingStore counts the calendar reads that reach the real store.
type countingStore struct {
	booking.Store
	busy, closures atomic.Int32
}

func (c *countingStore) Closures(ctx context.Context, dept string, from, to booking.Date) ([]booking.Closure, error) {
	c.closures.Add(1)
	return c.Store.Closures(ctx, dept, from, to)
}

func (c *countingStore) Busy(ctx context.Context, dept string, from, to time.Time) ([]booking.Interval, error) {
	c.busy.Add(1)
	return c.Store.Busy(ctx, dept, from, to)
}

// desksStore records the desks each insert or move was given, in order.
type desksStore struct {
	booking.Store
	mu   sync.Mutex
	last []string
}

func (d *desksStore) Insert(ctx context.Context, nb booking.NewBooking) (booking.Booking, bool, error) {
	d.mu.Lock()
	d.last = append([]string(nil), nb.Desks...)
	d.mu.Unlock()
	return d.Store.Insert(ctx, nb)
}

func (d *desksStore) Move(ctx context.Context, m booking.Move) (booking.Booking, error) {
	d.mu.Lock()
	d.last = append([]string(nil), m.Desks...)
	d.mu.Unlock()
	return d.Store.Move(ctx, m)
}

func (d *desksStore) desks() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// gatedStore holds the next Busy read after hold, once queried, until
// released: a load still in flight when a change is made.
type gatedStore struct {
	countingStore
	hold             atomic.Bool
	first            bool // hold before the query instead, which then sees what was done meanwhile
	queried, release chan struct{}
}

func newGatedStore(s booking.Store) *gatedStore {
	g := &gatedStore{countingStore: countingStore{Store: s}, queried: make(chan struct{}), release: make(chan struct{})}
	g.hold.Store(true)
	return g
}

func (g *gatedStore) Busy(ctx context.Context, dept string, from, to time.Time) ([]booking.Interval, error) {
	if g.first && g.hold.CompareAndSwap(true, false) {
		close(g.queried)
		<-g.release
	}
	iv, err := g.countingStore.Busy(ctx, dept, from, to)
	if !g.first && g.hold.CompareAndSwap(true, false) {
		close(g.queried)
		<-g.release
	}
	return iv, err
}

func sameInterval(a, b booking.Interval) bool {
	return a.Desk == b.Desk && a.Start.Equal(b.Start) && a.End.Equal(b.End)
}

func TestReadCache(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	from, to := at(2, 0, 0), at(3, 0, 0)
	busy := func(t *testing.T, s booking.Store) int {
		t.Helper()
		iv, err := s.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		return len(iv)
	}
	book := func(t *testing.T, o *booking.Office, id int64, start time.Time) {
		t.Helper()
		if _, err := o.Book(ctx, booking.Request{Citizen: citizen(id), Service: "birth-certificate", Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	clock := func() time.Time { return now }

	t.Run("ThisReplicasChangeIsSeenAtOnce", func(t *testing.T) {
		cached := booking.WithReadCache(f.store, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		before := busy(t, cached)
		book(t, office, 9101, at(2, 9, 0))
		if got := busy(t, cached); got != before+1 {
			t.Fatalf("busy intervals after booking through the cache: %d, want %d", got, before+1)
		}
	})

	t.Run("AnotherReplicasChangeIsSeenAfterTheTTL", func(t *testing.T) {
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		stale := booking.WithReadCache(f.store, time.Hour)
		fresh := booking.WithReadCache(f.store, 20*time.Millisecond)
		before := busy(t, stale)
		if busy(t, fresh) != before {
			t.Fatal("two caches over one store disagree")
		}
		book(t, other, 9102, at(2, 9, 30))
		if got := busy(t, stale); got != before {
			t.Fatalf("busy %d right after another replica booked; the hour-long cache should still say %d", got, before)
		}
		deadline := time.Now().Add(5 * time.Second)
		for busy(t, fresh) != before+1 {
			if time.Now().After(deadline) {
				t.Fatal("a 20 ms cache never saw another replica's booking")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("ConcurrentMissesShareOneQuery", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { busy(t, cached) })
		}
		wg.Wait()
		if n := counting.busy.Load(); n > 2 {
			t.Fatalf("50 concurrent reads of one week made %d queries; want them to share one", n)
		}
	})

	t.Run("ABookingKeepsTheClosuresCached", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		book(t, office, 9103, at(2, 10, 0))
		before := counting.closures.Load()
		book(t, office, 9104, at(2, 10, 30))
		if n := counting.closures.Load() - before; n != 0 {
			t.Fatalf("a second booking read the closures %d times; a booking does not change them", n)
		}
		if got, want := busy(t, cached), busy(t, f.store); got != want {
			t.Fatalf("busy %d through the cache after booking, %d in the store", got, want)
		}
	})

	t.Run("ABookingIsAddedToTheCachedBusyTimes", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		before := busy(t, cached)
		reads := counting.busy.Load()
		book(t, office, 9105, at(2, 11, 0))
		if got := busy(t, cached); got != before+1 {
			t.Fatalf("busy intervals after booking through the cache: %d, want %d", got, before+1)
		}
		if n := counting.busy.Load() - reads; n != 0 {
			t.Fatalf("the busy times were read %d times after a booking; the cache should have added it", n)
		}
		if got, want := busy(t, cached), busy(t, f.store); got != want {
			t.Fatalf("busy %d through the cache, %d in the store", got, want)
		}
	})

	t.Run("TheDesksKnownTakenAreTriedLast", func(t *testing.T) {
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		book(t, other, 9106, at(2, 12, 0)) // the first desk
		rec := &desksStore{Store: f.store}
		cached := booking.WithReadCache(rec, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		busy(t, cached) // the day's busy times, cached
		if _, err := office.Book(ctx, booking.Request{Citizen: citizen(9107), Service: "birth-certificate", Start: at(2, 12, 0)}); err != nil {
			t.Fatal(err)
		}
		if got := rec.desks(); len(got) != 3 || got[0] != "A2" || got[2] != "A1" {
			t.Fatalf("desks tried in the order %q; want the free ones first, A1 (taken) last", got)
		}
		// A read that has gone stale only changes the order: a desk it
		// shows taken that is free again is still tried.
		b2, err := office.Book(ctx, booking.Request{Citizen: citizen(9108), Service: "birth-certificate", Start: at(2, 12, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Cancel(ctx, citizenActor(9108), b2.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := office.Book(ctx, booking.Request{Citizen: citizen(9109), Service: "birth-certificate", Start: at(2, 12, 0)}); err != nil {
			t.Fatalf("a desk freed behind the cache's back was not tried: %v", err)
		}
	})

	t.Run("AMoveTriesTheDesksKnownTakenLast", func(t *testing.T) {
		// Registration: 30 minutes, at A2 or A3.
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		if _, err := other.Book(ctx, booking.Request{Citizen: citizen(9201), Service: "registration", Start: at(15, 9, 0)}); err != nil {
			t.Fatal(err) // A2, 09:00–09:30
		}
		rec := &desksStore{Store: f.store}
		cached := booking.WithReadCache(rec, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		b, err := office.Book(ctx, booking.Request{Citizen: citizen(9202), Service: "registration", Start: at(15, 9, 30)})
		if err != nil || b.Desk != "A2" {
			t.Fatalf("booked %+v, %v; want A2 at 09:30", b, err)
		}
		if _, err := cached.Busy(ctx, "civil-registry", at(15, 0, 0), at(16, 0, 0)); err != nil {
			t.Fatal(err) // the day's busy times, cached
		}
		// 09:45–10:15 overlaps only the booking's own place on A2.
		moved, err := office.Reschedule(ctx, citizenActor(9202), b.Ref, at(15, 9, 45), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.desks(); !slices.Equal(got, []string{"A2", "A3"}) || moved.Desk != "A2" {
			t.Fatalf("desks tried in the order %q, moved to %s; want A2 first, its own place not in its way", got, moved.Desk)
		}
		// 09:15–09:45 overlaps the other booking on A2.
		if _, err := office.Reschedule(ctx, citizenActor(9202), b.Ref, at(15, 9, 15), ""); err != nil {
			t.Fatal(err)
		}
		if got := rec.desks(); !slices.Equal(got, []string{"A3", "A2"}) {
			t.Fatalf("desks tried in the order %q; want A3 first, A2 (taken) last", got)
		}
	})

	t.Run("ACancellationIsTakenOutOfTheCachedBusyTimes", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		b, err := office.Book(ctx, booking.Request{Citizen: citizen(9110), Service: "birth-certificate", Start: at(2, 13, 0)})
		if err != nil {
			t.Fatal(err)
		}
		before := busy(t, cached)
		reads := counting.busy.Load()
		if _, err := office.Cancel(ctx, citizenActor(9110), b.Ref, ""); err != nil {
			t.Fatal(err)
		}
		got, want := busy(t, cached), busy(t, f.store)
		if got != want {
			t.Fatalf("busy %d through the cache after a cancellation, %d in the store", got, want)
		}
		if want != before-1 {
			t.Fatalf("busy %d in the store after a cancellation that holds nothing, %d before", want, before)
		}
		if n := counting.busy.Load() - reads; n != 0 {
			t.Fatalf("the busy times were read %d times after a cancellation; the cache should have taken it out", n)
		}
	})

	t.Run("ARepeatedRequestKeepsTheCachedBusyTimes", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		r := booking.Request{Citizen: citizen(9111), Service: "birth-certificate", Start: at(2, 13, 30), IdempotencyKey: "tg:9111:1"}
		first, err := office.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		before := busy(t, cached)
		reads := counting.busy.Load()
		again, err := office.Book(ctx, r) // the second tap of a double tap
		if err != nil || again.Ref != first.Ref {
			t.Fatalf("repeated request: %+v, %v; want booking %s again", again, err, first.Ref)
		}
		if got := busy(t, cached); got != before {
			t.Fatalf("busy %d after a repeated request, %d before", got, before)
		}
		if n := counting.busy.Load() - reads; n != 0 {
			t.Fatalf("the busy times were read %d times after a repeated request, which changed nothing", n)
		}
	})

	t.Run("AMoveIsPatchedIntoTheCachedBusyTimes", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		b, err := office.Book(ctx, booking.Request{Citizen: citizen(9112), Service: "birth-certificate", Start: at(2, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		busy(t, cached)
		reads := counting.busy.Load()
		moved, err := office.Reschedule(ctx, citizenActor(9112), b.Ref, at(2, 8, 30), "")
		if err != nil {
			t.Fatal(err)
		}
		iv, err := cached.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if n := counting.busy.Load() - reads; n != 0 {
			t.Fatalf("the busy times were read %d times after a move; the cache should have patched it", n)
		}
		want, err := f.store.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(iv) != len(want) {
			t.Fatalf("busy %d through the cache after a move, %d in the store", len(iv), len(want))
		}
		var atOld, atNew int
		for _, x := range iv {
			switch {
			case x.Desk == b.Desk && x.Start.Equal(b.Start):
				atOld++
			case x.Desk == moved.Desk && x.Start.Equal(moved.Start):
				atNew++
			}
		}
		if atOld != 0 || atNew != 1 {
			t.Fatalf("cached busy times after the move: %d at the old place, %d at the new; want 0 and 1", atOld, atNew)
		}
	})

	t.Run("ATimeFoundTakenIsReadAgain", func(t *testing.T) {
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		nextDay, nextDayEnd := at(3, 0, 0), at(4, 0, 0)
		if _, err := cached.Busy(ctx, "civil-registry", nextDay, nextDayEnd); err != nil {
			t.Fatal(err)
		}
		// A read of several days, as a calendar week's or the search
		// for the first free time.
		days, err := cached.Busy(ctx, "civil-registry", from, at(5, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		takenAt := func(busy []booking.Interval) int {
			desks := map[string]bool{}
			for _, iv := range busy {
				if iv.Start.Before(at(2, 13, 15)) && at(2, 13, 0).Before(iv.End) {
					desks[iv.Desk] = true
				}
			}
			return len(desks)
		}
		if n := takenAt(days); n != 0 {
			t.Fatalf("%d desks busy at 13:00 before the bookings; want none", n)
		}
		before := busy(t, cached)
		for i := range 3 { // every desk, behind the cache's back
			if _, err := other.Book(ctx, booking.Request{Citizen: citizen(9120 + int64(i)), Service: "birth-certificate", Start: at(2, 13, 0)}); err != nil && booking.ErrorCode(err) != booking.ESlotTaken {
				t.Fatal(err)
			}
		}
		_, err = office.Book(ctx, booking.Request{Citizen: citizen(9123), Service: "birth-certificate", Start: at(2, 13, 0)})
		if booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("booking a time every desk of which is taken: %v; want %s", err, booking.ESlotTaken)
		}
		reads := counting.busy.Load()
		got, want := busy(t, cached), busy(t, f.store)
		if got != want || got == before {
			t.Fatalf("busy %d through the cache after the time was found taken, %d in the store, %d before", got, want, before)
		}
		if n := counting.busy.Load() - reads; n != 1 {
			t.Fatalf("the day's busy times were read %d times after the time was found taken; want once", n)
		}
		if _, err := cached.Busy(ctx, "civil-registry", nextDay, nextDayEnd); err != nil {
			t.Fatal(err)
		}
		if n := counting.busy.Load() - reads; n != 1 {
			t.Fatalf("another day's busy times were read again (%d reads); only the times overlapping the taken one are dropped", n-1)
		}
		days, err = cached.Busy(ctx, "civil-registry", from, at(5, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if n := counting.busy.Load() - reads; n != 1 {
			t.Fatalf("the read of several days was read again (%d reads); it is patched, not dropped", n-1)
		}
		if n := takenAt(days); n != 3 {
			t.Fatalf("the read of several days shows %d desks busy at the time found taken; want all 3", n)
		}
	})

	t.Run("ReadsStayInOrderOfStart", func(t *testing.T) {
		// The store reads busy times in order of start, and the cache's
		// patches keep them so: a booking before the latest, and a time
		// found taken, go where their start puts them.
		cached := booking.WithReadCache(f.store, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		inOrder := func(t *testing.T, what string) []booking.Interval {
			t.Helper()
			busy, err := cached.Busy(ctx, "civil-registry", from, at(5, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSortedFunc(busy, func(a, b booking.Interval) int { return a.Start.Compare(b.Start) }) {
				t.Fatalf("%s: busy times out of order of start: %v", what, busy)
			}
			return busy
		}
		inOrder(t, "as read")
		book(t, office, 9140, at(4, 13, 30))
		book(t, office, 9141, at(2, 8, 15))
		n := len(inOrder(t, "after two bookings"))
		for i := range 3 { // every desk at 10:45, behind the cache's back
			if _, err := other.Book(ctx, booking.Request{Citizen: citizen(9142 + int64(i)), Service: "birth-certificate", Start: at(3, 10, 45)}); err != nil && booking.ErrorCode(err) != booking.ESlotTaken {
				t.Fatal(err)
			}
		}
		if _, err := office.Book(ctx, booking.Request{Citizen: citizen(9145), Service: "birth-certificate", Start: at(3, 10, 45)}); booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("booking a time every desk of which is taken: %v; want %s", err, booking.ESlotTaken)
		}
		if got := len(inOrder(t, "after a time found taken")); got <= n {
			t.Fatalf("%d busy times after a time found taken on every desk, %d before; want it marked", got, n)
		}
	})

	t.Run("ALoadInFlightGetsTheBookingsMadeMeanwhile", func(t *testing.T) {
		gated := newGatedStore(f.store)
		cached := booking.WithReadCache(gated, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		loaded := make(chan int)
		go func() {
			iv, err := cached.Busy(ctx, "civil-registry", from, to)
			if err != nil {
				t.Error(err)
			}
			loaded <- len(iv)
		}()
		<-gated.queried // read from PostgreSQL, not yet cached
		// Two bookings while the load is in flight, which its snapshot
		// missed.
		book(t, office, 9130, at(2, 9, 0))
		book(t, office, 9131, at(2, 9, 0))
		close(gated.release)
		<-loaded
		reads := gated.busy.Load()
		got, err := cached.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		want, err := f.store.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if n := gated.busy.Load() - reads; n != 0 {
			t.Fatalf("the busy times were read %d times again; the load in flight should have been kept with the bookings made meanwhile", n)
		}
		if len(got) != len(want) {
			t.Fatalf("busy %d through the cache, %d in the store", len(got), len(want))
		}
	})

	t.Run("ALoadThatSawABookingMadeMeanwhileHoldsItOnce", func(t *testing.T) {
		gated := newGatedStore(f.store)
		gated.first = true
		cached := booking.WithReadCache(gated, time.Hour)
		office := booking.NewOffice(booking.DefaultCatalog(), cached, clock)
		loaded := make(chan []booking.Interval)
		go func() {
			iv, err := cached.Busy(ctx, "civil-registry", from, to)
			if err != nil {
				t.Error(err)
			}
			loaded <- iv
		}()
		<-gated.queried // the load has started; its query will see the booking
		book(t, office, 9132, at(2, 9, 30))
		close(gated.release)
		got := <-loaded
		want, err := f.store.Busy(ctx, "civil-registry", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("busy %d through the cache, %d in the store: a booking the load saw was added again", len(got), len(want))
		}
	})

	t.Run("ALoadInFlightDuringADropIsNotKept", func(t *testing.T) {
		gated := newGatedStore(f.store)
		cached := booking.WithReadCache(gated, time.Hour)
		loaded := make(chan struct{})
		go func() {
			if _, err := cached.Busy(ctx, "civil-registry", from, to); err != nil {
				t.Error(err)
			}
			close(loaded)
		}()
		<-gated.queried
		// A closure drops the department's reads: what was loaded before
		// it may show a closed day open.
		if _, err := cached.AddClosure(ctx, booking.NewClosure{
			Closure: booking.Closure{Department: "civil-registry", From: booking.Date{Year: 2030, Month: 1, Day: 2}, To: booking.Date{Year: 2030, Month: 1, Day: 2}},
			Start:   time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC),
			Actor: booking.Actor{Kind: booking.ActorStaff, ID: "U1"}}); err != nil {
			t.Fatal(err)
		}
		close(gated.release)
		<-loaded
		reads := gated.busy.Load()
		if _, err := cached.Busy(ctx, "civil-registry", from, to); err != nil {
			t.Fatal(err)
		}
		if n := gated.busy.Load() - reads; n != 1 {
			t.Fatalf("the busy times were read %d times after a drop during a load; want once (the load is not kept)", n)
		}
	})

	t.Run("ADayOfACachedWeekIsCutOutOfIt", func(t *testing.T) {
		other := booking.NewOffice(booking.DefaultCatalog(), f.store, clock)
		book(t, other, 9150, at(8, 9, 0))
		book(t, other, 9151, at(9, 9, 0))
		book(t, other, 9152, at(9, 13, 45))
		book(t, other, 9153, at(10, 9, 0))
		if _, err := other.AddClosure(ctx, civilStaff, booking.Closure{
			Department: "civil-registry", Desk: "A2", From: booking.Date{Year: 2026, Month: 12, Day: 9}, To: booking.Date{Year: 2026, Month: 12, Day: 9}}); err != nil {
			t.Fatal(err)
		}
		counting := &countingStore{Store: f.store}
		cached := booking.WithReadCache(counting, time.Hour)
		week, err := cached.Busy(ctx, "civil-registry", at(7, 0, 0), at(12, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		monday, friday := booking.Date{Year: 2026, Month: 12, Day: 7}, booking.Date{Year: 2026, Month: 12, Day: 11}
		if _, err := cached.Closures(ctx, "civil-registry", monday, friday); err != nil {
			t.Fatal(err)
		}
		wed := booking.Date{Year: 2026, Month: 12, Day: 9}
		for range 2 { // cut out, then its own entry
			day, err := cached.Busy(ctx, "civil-registry", at(9, 0, 0), at(10, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			want, err := f.store.Busy(ctx, "civil-registry", at(9, 0, 0), at(10, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 2 || len(week) <= len(want) || !slices.EqualFunc(day, want, sameInterval) {
				t.Fatalf("Wednesday's busy times through the cache %v; the store's %v (the week's %d)", day, want, len(week))
			}
			closed, err := cached.Closures(ctx, "civil-registry", wed, wed)
			if err != nil {
				t.Fatal(err)
			}
			if len(closed) != 1 || closed[0].Desk != "A2" || closed[0].From != wed {
				t.Fatalf("Wednesday's closures through the cache: %+v; want desk A2's", closed)
			}
			if tue, err := cached.Closures(ctx, "civil-registry", wed.AddDays(-1), wed.AddDays(-1)); err != nil || len(tue) != 0 {
				t.Fatalf("Tuesday's closures through the cache: %+v, %v; want none", tue, err)
			}
		}
		if b, c := counting.busy.Load(), counting.closures.Load(); b != 1 || c != 1 {
			t.Fatalf("the week and its days made %d busy and %d closure queries; want the week's one of each", b, c)
		}
		if _, err := cached.Busy(ctx, "civil-registry", at(11, 0, 0), at(15, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if n := counting.busy.Load(); n != 2 {
			t.Fatalf("a range reaching past the cached week made %d queries in all; want it read (2)", n)
		}
	})

	t.Run("ZeroTTLIsNoCache", func(t *testing.T) {
		if s := booking.WithReadCache(f.store, 0); s != booking.Store(f.store) {
			t.Fatalf("WithReadCache(store, 0) = %T; want the store itself", s)
		}
	})
}
