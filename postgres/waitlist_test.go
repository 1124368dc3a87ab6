package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
)

// waitFixture is a database whose office uses the waiting list, on a clock
// the test moves, with "transfer" (one desk, A3, 30 minutes: 12 places a
// day) full on the days given.
type waitFixture struct {
	*fixture
	office *booking.Office
	mu     sync.Mutex
	clock  time.Time
	// booked are the bookings that fill each day, by day and slot.
	booked map[booking.Date][]booking.Booking
	seen   observed
}

// observed counts what the office tells its waiting-list observer.
type observed struct {
	mu                                     sync.Mutex
	joined, made, taken, declined, expired int
	sinceFreed                             []time.Duration
}

func (o *observed) WaitJoined()    { o.mu.Lock(); o.joined++; o.mu.Unlock() }
func (o *observed) OfferMade()     { o.mu.Lock(); o.made++; o.mu.Unlock() }
func (o *observed) OfferDeclined() { o.mu.Lock(); o.declined++; o.mu.Unlock() }
func (o *observed) OfferExpired(bool) {
	o.mu.Lock()
	o.expired++
	o.mu.Unlock()
}
func (o *observed) OfferTaken(d time.Duration) {
	o.mu.Lock()
	o.taken++
	o.sinceFreed = append(o.sinceFreed, d)
	o.mu.Unlock()
}

const waitService = "transfer"

var (
	wed = booking.Date{Year: 2026, Month: 12, Day: 2}
	thu = booking.Date{Year: 2026, Month: 12, Day: 3}
)

func setupWaitlist(t *testing.T, full ...booking.Date) *waitFixture {
	t.Helper()
	f := &waitFixture{fixture: setup(t, nil), clock: now, booked: map[booking.Date][]booking.Booking{}}
	f.office = booking.NewOffice(f.cat, f.store, f.now)
	f.office.UseWaitlist(f.store, booking.WaitlistConfig{Hold: 10 * time.Minute})
	f.office.ObserveWaitlist(&f.seen)
	ctx := context.Background()
	id := int64(5000)
	for _, d := range full {
		day, err := f.office.FreeSlots(ctx, waitService, d)
		if err != nil || len(day.Slots) != 23 {
			t.Fatalf("%s: %d free start times (%v)", d, len(day.Slots), err)
		}
		for i, s := range day.Slots {
			if i%2 == 1 {
				continue // half-hour places: 08:00, 08:30, …
			}
			id++
			b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(id), Service: waitService, Start: s.Start})
			if err != nil {
				t.Fatal(err)
			}
			f.booked[d] = append(f.booked[d], b)
		}
	}
	return f
}

func (f *waitFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *waitFixture) tick(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

func asCitizen(id int64) booking.Actor {
	return booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(id, 10)}
}

func (f *waitFixture) join(t *testing.T, id int64, d booking.Date) booking.WaitEntry {
	t.Helper()
	e, err := f.office.JoinWaitlist(context.Background(), booking.WaitRequest{Citizen: citizen(id), Service: waitService, From: d, To: d})
	if err != nil {
		t.Fatalf("citizen %d joins: %v", id, err)
	}
	return e
}

// liveOffer returns the hold ref of the citizen's live offer, "" if none.
func (f *waitFixture) liveOffer(t *testing.T, id int64) (ref string, start time.Time) {
	t.Helper()
	err := f.pool.QueryRow(context.Background(), `SELECT h.ref, lower(h.during) FROM offers o
		JOIN bookings h ON h.id = o.hold JOIN waitlist w ON w.id = o.entry JOIN citizens c ON c.id = w.citizen
		WHERE c.telegram_id = $1 AND o.outcome IS NULL`, id).Scan(&ref, &start)
	if err != nil {
		return "", time.Time{}
	}
	return ref, start
}

// outbox counts the citizen's notifications of kind.
func (f *waitFixture) outbox(t *testing.T, id int64, kind booking.NotificationKind) int {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM outbox WHERE recipient = $1 AND kind = $2`, strconv.FormatInt(id, 10), string(kind))
}

// TestWaitlistOffersInOrder: a place freed with three citizens waiting is
// offered to the first; when the first declines, to the second; when the
// second lets it run out, to the third, who takes it. While it is held
// nobody else gets it: not through the bot, not through staff, not in a
// race of 100.
func TestWaitlistOffersInOrder(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	for _, id := range []int64{101, 102, 103} {
		f.join(t, id, wed)
		f.tick(time.Second) // joined one after the other
	}
	if ref, _ := f.liveOffer(t, 101); ref != "" {
		t.Fatalf("offer %s with the day full", ref)
	}
	freed := f.booked[wed][4]
	if _, err := f.office.Cancel(ctx, asCitizen(5005), freed.Ref, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := f.office.OfferFreed(ctx, "civil-registry"); err != nil {
		t.Fatalf("offer freed: %d, %v", n, err)
	}
	ref, start := f.liveOffer(t, 101)
	if ref == "" || !start.Equal(freed.Start) {
		t.Fatalf("first in line offered %q at %v, want the freed %v", ref, start, freed.Start)
	}
	for _, id := range []int64{102, 103} {
		if r, _ := f.liveOffer(t, id); r != "" {
			t.Fatalf("citizen %d offered %s too", id, r)
		}
	}
	if n := f.outbox(t, 101, booking.NotifyOffer); n != 1 {
		t.Fatalf("%d offer notifications to the first", n)
	}

	held := func(t *testing.T) {
		t.Helper()
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(900), Service: waitService, Start: freed.Start})
		if booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("bot booking of the held place: %v, want slot taken", err)
		}
		staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
		_, err = f.office.BookForCaller(ctx, staff, booking.CallerRequest{Service: waitService, Start: freed.Start,
			Phone: "6912345678", Name: "Άννα Καλλέργη"})
		if booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("staff booking of the held place: %v, want slot taken", err)
		}
		day, err := f.office.FreeSlots(ctx, waitService, wed)
		if err != nil || len(day.Slots) != 0 {
			t.Fatalf("calendar shows %d free times (%v) while the place is held", len(day.Slots), err)
		}
	}
	held(t)
	errs := race(100, 20, func(i int) error {
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(2000 + i)), Service: waitService, Start: freed.Start})
		return err
	})
	if ok := tally(t, errs, booking.ESlotTaken); ok != 0 {
		t.Fatalf("%d of 100 racers booked the held place", ok)
	}

	// The first declines: the second is offered it, the first stays in line.
	if _, err := f.office.DeclineOffer(ctx, 101, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := f.office.TakeOffer(ctx, 101, ref); booking.ErrorCode(err) != booking.EConflict {
		t.Fatalf("taking a declined offer: %v, want conflict", err)
	}
	ref2, start2 := f.liveOffer(t, 102)
	if ref2 == "" || !start2.Equal(freed.Start) {
		t.Fatalf("second offered %q at %v after the first declined", ref2, start2)
	}
	if r, _ := f.liveOffer(t, 101); r != "" {
		t.Fatalf("first offered %s again", r)
	}
	held(t)

	// The second lets it run out: the sweep gives it to the third.
	f.tick(9 * time.Minute)
	if n, _, err := f.office.SweepWaitlist(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before the hold ran out ended %d offers (%v)", n, err)
	}
	f.tick(2 * time.Minute)
	// Run out, the hold still keeps the place from anyone booking it the
	// second it ends, while someone waits: the sweep hands it on.
	held(t)
	expired, offered, err := f.office.SweepWaitlist(ctx)
	if err != nil || expired != 1 || offered != 1 {
		t.Fatalf("sweep: %d expired, %d offered (%v), want 1 and 1", expired, offered, err)
	}
	if n := f.outbox(t, 102, booking.NotifyOfferExpired); n != 1 {
		t.Fatalf("%d expiry notifications to the second", n)
	}
	if _, err := f.office.TakeOffer(ctx, 102, ref2); booking.ErrorCode(err) != booking.EConflict {
		t.Fatalf("taking a run-out offer: %v, want conflict", err)
	}
	ref3, start3 := f.liveOffer(t, 103)
	if ref3 == "" || !start3.Equal(freed.Start) {
		t.Fatalf("third offered %q at %v after the second's ran out", ref3, start3)
	}
	held(t)
	if _, err := f.office.TakeOffer(ctx, 101, ref3); booking.ErrorCode(err) != booking.ENotFound {
		t.Fatalf("someone else taking the third's offer: %v, want not found", err)
	}
	b, err := f.office.TakeOffer(ctx, 103, ref3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Ref != ref3 || b.Status != booking.Active || !b.Start.Equal(freed.Start) || b.Citizen.TelegramID != 103 {
		t.Fatalf("taken: %+v", b)
	}
	mine, err := f.office.MyBookings(ctx, 103)
	if err != nil || len(mine) != 1 || mine[0].Ref != ref3 {
		t.Fatalf("third's bookings: %+v (%v)", mine, err)
	}
	if n := f.outbox(t, 103, booking.NotifyOfferTaken); n != 1 {
		t.Fatalf("%d taken notifications", n)
	}
	if _, err := f.office.TakeOffer(ctx, 103, ref3); booking.ErrorCode(err) != booking.EConflict {
		t.Fatalf("taking it twice: %v, want conflict", err)
	}
	if n := f.overlaps(t); n != 0 {
		t.Fatalf("%d overlapping bookings", n)
	}
	// The first two wait on, for other places; the third is done.
	for id, want := range map[int64]int{101: 1, 102: 1, 103: 0} {
		es, err := f.office.MyWaitlist(ctx, id)
		if err != nil || len(es) != want {
			t.Fatalf("citizen %d: %d entries (%v), want %d", id, len(es), err, want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('offer', 'offer_declined', 'offer_expired')`); n != 5 {
		t.Fatalf("%d audit rows of offers, want 5", n)
	}
	// The metrics: three joined, three offers made, one of each outcome;
	// the place was booked again 11 minutes after it was freed.
	o := &f.seen
	if o.joined != 3 || o.made != 3 || o.declined != 1 || o.expired != 1 || o.taken != 1 ||
		len(o.sinceFreed) != 1 || o.sinceFreed[0] != 11*time.Minute {
		t.Fatalf("observed %+v", o)
	}
}

// TestWaitlistEarlierTime: a citizen who asked for an earlier time is
// offered a freed place before their booking; taking it moves the booking
// there, and the place it left is offered to the next citizen in line.
func TestWaitlistEarlierTime(t *testing.T) {
	f := setupWaitlist(t, wed, thu)
	ctx := context.Background()
	mine := f.booked[thu][6] // citizen 5019's booking on Thursday
	const holder = 5019
	if mine.Citizen.TelegramID != holder {
		t.Fatalf("booking of %d", mine.Citizen.TelegramID)
	}
	if _, err := f.office.JoinWaitlist(ctx, booking.WaitRequest{Citizen: citizen(holder), EarlierThan: mine.Ref, From: wed}); err != nil {
		t.Fatal(err)
	}
	f.tick(time.Second)
	f.join(t, 301, thu) // waits for Thursday only

	freed := f.booked[wed][2]
	if _, err := f.office.Cancel(ctx, asCitizen(freed.Citizen.TelegramID), freed.Ref, ""); err != nil {
		t.Fatal(err)
	}
	ref, start := f.liveOffer(t, holder)
	if ref == "" || !start.Equal(freed.Start) {
		t.Fatalf("earlier-time offer %q at %v, want %v", ref, start, freed.Start)
	}
	if r, _ := f.liveOffer(t, 301); r != "" {
		t.Fatalf("Thursday's waiter offered %s before anything freed on Thursday", r)
	}
	moved, err := f.office.TakeOffer(ctx, holder, ref)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Ref != mine.Ref || !moved.Start.Equal(freed.Start) || moved.Status != booking.Active {
		t.Fatalf("moved: %+v", moved)
	}
	// Cascade: Thursday's place is now the next waiter's offer.
	ref2, start2 := f.liveOffer(t, 301)
	if ref2 == "" || !start2.Equal(mine.Start) {
		t.Fatalf("the freed Thursday place offered %q at %v, want %v", ref2, start2, mine.Start)
	}
	if n := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active' AND ref = $1`, mine.Ref); n != 1 {
		t.Fatalf("%d active rows of the moved booking", n)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'old_start' IS NOT NULL`, string(booking.NotifyOfferTaken)); n != 1 {
		t.Fatalf("%d taken notifications with the old time", n)
	}
	if n := f.overlaps(t); n != 0 {
		t.Fatalf("%d overlapping bookings", n)
	}
}

// TestWaitlistLimitsAndDrop: the catalog's number of entries per citizen
// holds; a citizen who lets offers run out too many times in a row is
// taken off the list and told.
func TestWaitlistLimitsAndDrop(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.join(t, 401, wed)
	if _, err := f.office.JoinWaitlist(ctx, booking.WaitRequest{Citizen: citizen(401), Service: waitService}); booking.ErrorCode(err) != booking.EConflict {
		t.Fatalf("second entry for one service: %v, want conflict", err)
	}
	for _, svc := range []string{"birth-certificate", "family-status"} {
		if _, err := f.office.JoinWaitlist(ctx, booking.WaitRequest{Citizen: citizen(401), Service: svc, From: wed, To: wed}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.office.JoinWaitlist(ctx, booking.WaitRequest{Citizen: citizen(401), Service: "marriage-record", From: wed, To: wed}); booking.ErrorCode(err) != booking.ELimit {
		t.Fatalf("fourth entry: %v, want limit", err)
	}
	// The other services have free places: the citizen is offered one, the
	// first in order of joining that has any, and only one at a time.
	if n := f.count(t, `SELECT count(*) FROM offers WHERE outcome IS NULL`); n != 1 {
		t.Fatalf("%d live offers of one citizen", n)
	}
	for round := 1; round <= booking.DefaultDropAfter; round++ {
		f.tick(11 * time.Minute)
		if _, _, err := f.office.SweepWaitlist(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.outbox(t, 401, booking.NotifyWaitDropped); n != 1 {
		t.Fatalf("%d dropped notifications", n)
	}
	if es, err := f.office.MyWaitlist(ctx, 401); err != nil || len(es) != 0 {
		t.Fatalf("after the drop: %+v (%v)", es, err)
	}
	if n := f.count(t, `SELECT count(*) FROM offers WHERE outcome IS NULL`); n != 0 {
		t.Fatalf("%d live offers after the drop", n)
	}
	// A citizen who answers is not dropped: declining starts the count again.
	f.join(t, 402, wed)
	if _, err := f.office.JoinWaitlist(ctx, booking.WaitRequest{Citizen: citizen(402), Service: "birth-certificate", From: wed, To: wed}); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2*booking.DefaultDropAfter; round++ {
		ref, _ := f.liveOffer(t, 402)
		if ref == "" {
			t.Fatalf("round %d: no offer", round)
		}
		if round%booking.DefaultDropAfter == 0 {
			if _, err := f.office.DeclineOffer(ctx, 402, ref); err != nil {
				t.Fatal(err)
			}
			continue
		}
		f.tick(11 * time.Minute)
		if _, _, err := f.office.SweepWaitlist(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.outbox(t, 402, booking.NotifyWaitDropped); n != 0 {
		t.Fatalf("a citizen who answered was dropped")
	}
	// Leaving ends the live offer and frees its place.
	ref, _ := f.liveOffer(t, 402)
	es, err := f.office.MyWaitlist(ctx, 402)
	if err != nil || len(es) != 2 || ref == "" {
		t.Fatalf("entries %+v (%v), offer %q", es, err, ref)
	}
	for _, e := range es {
		if err := f.office.LeaveWaitlist(ctx, 402, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.office.LeaveWaitlist(ctx, 402, es[0].ID); booking.ErrorCode(err) != booking.ENotFound {
		t.Fatalf("leaving twice: %v", err)
	}
	// Nothing is kept for anyone any more (the holds ran out when they
	// ended; the scheduler's tick releases them).
	if n := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'offered' AND held_until > $1`, f.now()); n != 0 {
		t.Fatalf("%d holds still running after leaving", n)
	}
}

// TestWaitlistReplicas: two replicas (two offices on one database) running
// the waiting list's job and offering freed places at the same moment make
// one offer, with one notification, and end it once, with one.
func TestWaitlistReplicas(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	other := booking.NewOffice(f.cat, f.store, f.now)
	other.UseWaitlist(f.store, booking.WaitlistConfig{Hold: 10 * time.Minute})
	f.join(t, 501, wed)
	f.tick(time.Second)
	f.join(t, 502, wed)
	// Freed by staff, whose cancellation releases the place at once; the
	// offering after it races both replicas' jobs.
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	wg.Go(func() {
		_, err := f.office.Cancel(ctx, staff, f.booked[wed][3].Ref, "ο υπάλληλος λείπει")
		errs <- err
	})
	for range 10 {
		for _, o := range []*booking.Office{f.office, other} {
			wg.Go(func() {
				_, _, err := o.SweepWaitlist(ctx)
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM offers`); n != 1 {
		t.Fatalf("%d offers of one place", n)
	}
	if n := f.outbox(t, 501, booking.NotifyOffer) + f.outbox(t, 502, booking.NotifyOffer); n != 1 {
		t.Fatalf("%d offer notifications", n)
	}
	if ref, _ := f.liveOffer(t, 501); ref == "" {
		t.Fatal("the first in line has no offer")
	}
	f.tick(11 * time.Minute)
	var expired atomic.Int64
	wg = sync.WaitGroup{}
	for range 10 {
		for _, o := range []*booking.Office{f.office, other} {
			wg.Go(func() {
				n, _, err := o.SweepWaitlist(ctx)
				if err != nil {
					t.Error(err)
				}
				expired.Add(int64(n))
			})
		}
	}
	wg.Wait()
	if n := expired.Load(); n != 1 {
		t.Fatalf("the offer ran out %d times", n)
	}
	if n := f.outbox(t, 501, booking.NotifyOfferExpired); n != 1 {
		t.Fatalf("%d expiry notifications", n)
	}
	if n := f.outbox(t, 502, booking.NotifyOffer); n != 1 {
		t.Fatalf("%d offer notifications to the second", n)
	}
	if n := f.count(t, `SELECT count(*) FROM offers`); n != 2 {
		t.Fatalf("%d offers after one ran out", n)
	}
}

// TestWaitlistSkipsUnreachable: a citizen who blocked the bot is not
// offered a place, which would be held for nobody; the next in line is.
func TestWaitlistSkipsUnreachable(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.join(t, 601, wed)
	f.tick(time.Second)
	f.join(t, 602, wed)
	if err := f.store.MarkUnreachable(ctx, 601); err != nil {
		t.Fatal(err)
	}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	if _, err := f.office.Cancel(ctx, staff, f.booked[wed][0].Ref, "λάθος"); err != nil {
		t.Fatal(err)
	}
	if ref, _ := f.liveOffer(t, 601); ref != "" {
		t.Fatalf("offer %s to a citizen who blocked the bot", ref)
	}
	if ref, _ := f.liveOffer(t, 602); ref == "" {
		t.Fatal("the next in line has no offer")
	}
}

// TestWaitlistBeforeSnipers: a place a citizen cancels is held for them a
// while (CANCEL_RELEASE_DELAY); when that runs out, a script booking the
// very second it ends does not get it while citizens wait in line: the
// scheduler's tick releases it and offers it to the first of them.
func TestWaitlistBeforeSnipers(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.office.Limit(booking.CitizenLimits{ReleaseDelay: 10 * time.Minute})
	f.join(t, 701, wed)
	freed := f.booked[wed][5]
	if _, err := f.office.Cancel(ctx, asCitizen(freed.Citizen.TelegramID), freed.Ref, ""); err != nil {
		t.Fatal(err)
	}
	if ref, _ := f.liveOffer(t, 701); ref != "" {
		t.Fatalf("offered %s while the place is held for its citizen", ref)
	}
	f.tick(10*time.Minute + time.Second)
	_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(990), Service: waitService, Start: freed.Start})
	if booking.ErrorCode(err) != booking.ESlotTaken {
		t.Fatalf("a booking the second the hold ran out: %v, want slot taken", err)
	}
	// The scheduler's tick: holds released, then the waiting list.
	if _, err := postgres.NewJobs(f.pool).ReleaseHolds(ctx, f.now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.office.SweepWaitlist(ctx); err != nil {
		t.Fatal(err)
	}
	if ref, start := f.liveOffer(t, 701); ref == "" || !start.Equal(freed.Start) {
		t.Fatalf("the first in line was offered %q at %v, want %v", ref, start, freed.Start)
	}
	// With nobody in line, a hold that ran out is anyone's, as before.
	if err := f.office.LeaveWaitlist(ctx, 701, f.entryOf(t, 701)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(990), Service: waitService, Start: freed.Start}); err != nil {
		t.Fatalf("nobody waits, the place is free: %v", err)
	}
}

func (f *waitFixture) entryOf(t *testing.T, id int64) int64 {
	t.Helper()
	es, err := f.office.MyWaitlist(context.Background(), id)
	if err != nil || len(es) != 1 {
		t.Fatalf("citizen %d: entries %+v (%v)", id, es, err)
	}
	return es[0].ID
}

// TestWaitlistDeclineHandsOn: between an offer turned down and the next
// one, nobody can book the place: the declined hold stays, run out, and
// only the waiting list's next offer takes it over. So does a place staff
// free while citizens wait.
func TestWaitlistDeclineHandsOn(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.join(t, 801, wed)
	f.tick(time.Second)
	f.join(t, 802, wed)
	freed := f.booked[wed][7]
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	// The store's cancel alone, as if the office stopped right after it.
	if _, err := f.store.Cancel(ctx, booking.Cancel{Ref: freed.Ref, Reason: "x", HoldUntil: f.now(), Now: f.now(), Actor: staff}); err != nil {
		t.Fatal(err)
	}
	sniper := func(t *testing.T) {
		t.Helper()
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(991), Service: waitService, Start: freed.Start})
		if booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("booked between offers: %v", err)
		}
	}
	f.tick(time.Second)
	sniper(t)
	if _, err := f.office.OfferFreed(ctx, "civil-registry"); err != nil {
		t.Fatal(err)
	}
	ref, _ := f.liveOffer(t, 801)
	if ref == "" {
		t.Fatal("no offer to the first in line")
	}
	// The store's decline alone, before the office offers it on.
	if _, err := f.store.DeclineOffer(ctx, 801, ref, f.now(), asCitizen(801)); err != nil {
		t.Fatal(err)
	}
	f.tick(time.Second)
	sniper(t)
	if _, err := f.office.OfferFreed(ctx, "civil-registry"); err != nil {
		t.Fatal(err)
	}
	if ref2, start := f.liveOffer(t, 802); ref2 == "" || !start.Equal(freed.Start) {
		t.Fatalf("the second in line was offered %q at %v", ref2, start)
	}
	if n := f.overlaps(t); n != 0 {
		t.Fatalf("%d overlapping bookings", n)
	}
}

// TestWaitlistBookedMeanwhile: a citizen who books the service themselves
// while waiting for it is not offered a place they could not take, and
// their wish ends with the next sweep.
func TestWaitlistBookedMeanwhile(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.join(t, 901, wed)
	f.tick(time.Second)
	f.join(t, 902, wed)
	// Thursday has free places: 901 books one there.
	day, err := f.office.FreeSlots(ctx, waitService, thu)
	if err != nil || len(day.Slots) == 0 {
		t.Fatalf("thursday: %v", err)
	}
	if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(901), Service: waitService, Start: day.Slots[0].Start}); err != nil {
		t.Fatal(err)
	}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	if _, err := f.office.Cancel(ctx, staff, f.booked[wed][1].Ref, "λάθος"); err != nil {
		t.Fatal(err)
	}
	if ref, _ := f.liveOffer(t, 901); ref != "" {
		t.Fatalf("offer %s to a citizen at the limit for the service", ref)
	}
	if ref, _ := f.liveOffer(t, 902); ref == "" {
		t.Fatal("the next in line has no offer")
	}
	if _, _, err := f.office.SweepWaitlist(ctx); err != nil {
		t.Fatal(err)
	}
	if es, err := f.office.MyWaitlist(ctx, 901); err != nil || len(es) != 0 {
		t.Fatalf("the wish of a citizen who booked stays: %+v (%v)", es, err)
	}
}

// TestWaitlistHoldIsNoBooking: staff looking a reference up do not find
// the hold of an offer, nor see it in the roster.
func TestWaitlistHoldIsNoBooking(t *testing.T) {
	f := setupWaitlist(t, wed)
	ctx := context.Background()
	f.join(t, 1001, wed)
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	if _, err := f.office.Cancel(ctx, staff, f.booked[wed][9].Ref, "λάθος"); err != nil {
		t.Fatal(err)
	}
	ref, _ := f.liveOffer(t, 1001)
	if ref == "" {
		t.Fatal("no offer")
	}
	if _, err := f.office.StaffBooking(ctx, staff, ref); booking.ErrorCode(err) != booking.ENotFound {
		t.Fatalf("staff look-up of a hold: %v, want not found", err)
	}
	if found, err := f.office.Find(ctx, staff, ref); err != nil || len(found) != 0 {
		t.Fatalf("find of a hold: %+v (%v)", found, err)
	}
	// Nor by its citizen, nor to cancel or mark it: it is taken or
	// declined through the offer.
	if _, err := f.office.Booking(ctx, booking.Actor{Kind: booking.ActorCitizen, ID: "1001"}, ref); booking.ErrorCode(err) != booking.ENotFound {
		t.Fatalf("the citizen's look-up of their hold: %v, want not found", err)
	}
	if _, err := f.office.Cancel(ctx, staff, ref, "λάθος"); booking.ErrorCode(err) != booking.ENotFound {
		t.Fatalf("staff cancelling a hold: %v, want not found", err)
	}
	r, err := f.office.Roster(ctx, "civil-registry", wed)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range r.Bookings {
		if b.Ref == ref {
			t.Fatalf("the roster lists the hold %+v", b)
		}
	}
	if r.Waiting["transfer"] != 1 {
		t.Fatalf("roster's waiting: %v", r.Waiting)
	}
}
