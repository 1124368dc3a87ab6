package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// TestChangesPerHour: a citizen may book, cancel and move only so many
// times in an hour, counted by the store in the change's transaction: the
// next change is refused with ETooOften and changes nothing, whatever kind
// it is; a repeat of a request already made is not a change; an hour later
// the citizen may change again; staff are not limited; and concurrent
// bookings by one citizen are counted exactly.
func TestChangesPerHour(t *testing.T) {
	f := setup(t, func(c *booking.Catalog) { c.MaxActive, c.MaxPerService = 0, 0 })
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
	const max = 4
	office.Limit(booking.CitizenLimits{ChangesPerHour: max})
	day := booking.Date{Year: 2026, Month: 12, Day: 3}
	free, err := office.FreeSlots(ctx, "birth-certificate", day)
	if err != nil || len(free.Slots) < 20 {
		t.Fatalf("%d slots (%v)", len(free.Slots), err)
	}
	next := 0
	slot := func() time.Time { next++; return free.Slots[next].Start }
	const me = 900
	actor := booking.Actor{Kind: booking.ActorCitizen, ID: "900"}
	book := func(key string) (booking.Booking, error) {
		return office.Book(ctx, booking.Request{Citizen: citizen(me), Service: "birth-certificate", Start: slot(), IdempotencyKey: key})
	}

	first, err := book("k1") // 1
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.Book(ctx, booking.Request{Citizen: citizen(me), Service: "birth-certificate",
		Start: first.Start, IdempotencyKey: "k1"}); err != nil {
		t.Fatalf("a repeated request: %v", err) // not a change
	}
	second, err := book("") // 2
	if err != nil {
		t.Fatal(err)
	}
	if _, err := office.Reschedule(ctx, actor, second.Ref, slot(), ""); err != nil { // 3
		t.Fatal(err)
	}
	if _, err := office.Cancel(ctx, actor, first.Ref, ""); err != nil { // 4
		t.Fatal(err)
	}
	audit := f.count(t, `SELECT count(*) FROM audit_log`)

	t.Run("EveryKindRefusedOnceAtTheLimit", func(t *testing.T) {
		if _, err := book(""); booking.ErrorCode(err) != booking.ETooOften {
			t.Fatalf("a fifth change, a booking: %v", err)
		}
		if _, err := office.Reschedule(ctx, actor, second.Ref, slot(), ""); booking.ErrorCode(err) != booking.ETooOften {
			t.Fatalf("a fifth change, a move: %v", err)
		}
		if _, err := office.Cancel(ctx, actor, second.Ref, ""); booking.ErrorCode(err) != booking.ETooOften {
			t.Fatalf("a fifth change, a cancellation: %v", err)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log`); n != audit {
			t.Fatalf("refused changes wrote %d audit entries", n-audit)
		}
		if bs, _ := office.MyBookings(ctx, me); len(bs) != 1 || bs[0].Ref != second.Ref {
			t.Fatalf("bookings after the refusals: %+v", bs)
		}
	})

	t.Run("StaffNotLimited", func(t *testing.T) {
		if _, err := office.Cancel(ctx, booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}, second.Ref, "ασθένεια"); err != nil {
			t.Fatalf("staff cancelling the citizen's booking: %v", err)
		}
	})

	t.Run("AnHourLaterAgain", func(t *testing.T) {
		tick(booking.ChangeWindow)
		if _, err := book(""); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
	})

	t.Run("ConcurrentBookingsCountedExactly", func(t *testing.T) {
		tick(booking.ChangeWindow)
		var wg sync.WaitGroup
		var mu sync.Mutex
		made, refused := 0, 0
		starts := make([]time.Time, 10)
		for i := range starts {
			starts[i] = slot()
		}
		for _, start := range starts {
			wg.Go(func() {
				_, err := office.Book(ctx, booking.Request{Citizen: citizen(me), Service: "birth-certificate", Start: start})
				mu.Lock()
				defer mu.Unlock()
				switch booking.ErrorCode(err) {
				case "":
					made++
				case booking.ETooOften:
					refused++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if made != max || refused != len(starts)-max {
			t.Fatalf("%d made and %d refused of %d at once; want %d made", made, refused, len(starts), max)
		}
	})
}
