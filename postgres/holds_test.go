package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
)

// TestCancelledSlotHeld: a slot a citizen cancels stays theirs for the
// release delay, refused to everyone else by the exclusion constraint, by
// booking or moving, even at the very moment of the cancel; its citizen
// may take it back; once the delay is over it is anyone's, and the
// scheduler's release shows it free again. Staff cancellations release at
// once.
func TestCancelledSlotHeld(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	var mu sync.Mutex
	clock := now
	tick := func(d time.Duration) {
		mu.Lock()
		clock = clock.Add(d)
		mu.Unlock()
	}
	office := booking.NewOffice(f.cat, f.store, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	})
	const delay = 10 * time.Minute
	office.Limit(booking.CitizenLimits{ReleaseDelay: delay})
	jobs := postgres.NewJobs(f.pool)
	// "transfer" is served at desk A3 only: one desk, one place per time.
	const service = "transfer"
	day := booking.Date{Year: 2026, Month: 12, Day: 2}
	slots, err := office.FreeSlots(ctx, service, day)
	if err != nil || len(slots.Slots) < 8 {
		t.Fatalf("%d free slots (%v)", len(slots.Slots), err)
	}
	slot := func(i int) time.Time { return slots.Slots[i*3].Start } // apart from each other
	book := func(id int64, start time.Time) (booking.Booking, error) {
		return office.Book(ctx, booking.Request{Citizen: citizen(id), Service: service, Start: start})
	}
	as := func(id int64) booking.Actor {
		return booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(id, 10)}
	}
	free := func(t *testing.T, start time.Time) bool {
		t.Helper()
		d, err := office.FreeSlots(ctx, service, day)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Slots {
			if s.Start.Equal(start) {
				return true
			}
		}
		return false
	}

	t.Run("RefusedToOthersUntilTheDelayIsOver", func(t *testing.T) {
		b, err := book(1, slot(0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Cancel(ctx, as(1), b.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if free(t, slot(0)) {
			t.Fatal("the calendar offers a slot cancelled a moment ago")
		}
		tick(delay - time.Second)
		if _, err := book(2, slot(0)); booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("another citizen booked the held slot: %v", err)
		}
		tick(time.Second)
		if _, err := book(2, slot(0)); err != nil {
			t.Fatalf("after the delay: %v", err)
		}
		if n := f.overlaps(t); n != 0 {
			t.Fatalf("%d overlapping bookings", n)
		}
	})

	t.Run("ItsCitizenTakesItBack", func(t *testing.T) {
		b, err := book(3, slot(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Cancel(ctx, as(3), b.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := book(3, slot(1)); err != nil {
			t.Fatalf("the citizen who cancelled could not book it back: %v", err)
		}
	})

	t.Run("MoveIntoItRefusedToOthers", func(t *testing.T) {
		held, err := book(4, slot(2))
		if err != nil {
			t.Fatal(err)
		}
		other, err := book(5, slot(3))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Cancel(ctx, as(4), held.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := office.Reschedule(ctx, as(5), other.Ref, slot(2), ""); booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("another citizen moved into the held slot: %v", err)
		}
		mine, err := book(4, slot(4))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Reschedule(ctx, as(4), mine.Ref, slot(2), ""); err != nil {
			t.Fatalf("its own citizen could not move back into it: %v", err)
		}
	})

	t.Run("ReleasedForTheCalendarByTheScheduler", func(t *testing.T) {
		b, err := book(6, slot(5))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Cancel(ctx, as(6), b.Ref, ""); err != nil {
			t.Fatal(err)
		}
		if n, err := jobs.ReleaseHolds(ctx, clock.Add(delay-time.Second)); err != nil || n != 0 {
			t.Fatalf("released %d holds early (%v)", n, err)
		}
		if n, err := jobs.ReleaseHolds(ctx, clock.Add(delay)); err != nil || n != 1 {
			t.Fatalf("released %d holds (%v), want 1", n, err)
		}
		if !free(t, slot(5)) {
			t.Fatal("the released slot is not offered")
		}
	})

	t.Run("StaffCancelReleasesAtOnce", func(t *testing.T) {
		b, err := book(7, slot(6))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.Cancel(ctx, booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}, b.Ref, "ασθένεια"); err != nil {
			t.Fatal(err)
		}
		if _, err := book(8, slot(6)); err != nil {
			t.Fatalf("a slot staff cancelled is held: %v", err)
		}
	})

	t.Run("RacingTheCancelStillRefused", func(t *testing.T) {
		// The other account books at the very moment of the cancel: its
		// insert may wait on the cancel's row, and must then find the hold.
		var starts []time.Time
		for d := day.AddDays(1); len(starts) < 20; d = d.AddDays(1) {
			free, err := office.FreeSlots(ctx, service, d)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(free.Slots); i += 3 {
				starts = append(starts, free.Slots[i].Start)
			}
		}
		for i, start := range starts[:20] {
			owner, taker := int64(100+2*i), int64(101+2*i)
			b, err := book(owner, start)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var cerr, berr error
			wg.Go(func() { _, cerr = office.Cancel(ctx, as(owner), b.Ref, "") })
			wg.Go(func() { _, berr = book(taker, start) })
			wg.Wait()
			if cerr != nil {
				t.Fatal(cerr)
			}
			if berr == nil {
				t.Fatalf("round %d: the slot went to another account as it was cancelled", i)
			}
			if booking.ErrorCode(berr) != booking.ESlotTaken {
				t.Fatalf("round %d: %v, want slot taken", i, berr)
			}
		}
		if n := f.overlaps(t); n != 0 {
			t.Fatalf("%d overlapping bookings", n)
		}
	})
}
