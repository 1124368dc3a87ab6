package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// race runs n calls of fn on workers goroutines and returns their errors.
func race(n, workers int, fn func(i int) error) []error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			for i := range next {
				errs[i] = fn(i)
			}
		})
	}
	close(start)
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// tally counts successes and requires every failure to have code want.
func tally(t *testing.T, errs []error, want booking.Code) int {
	t.Helper()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		if got := booking.ErrorCode(err); got != want {
			t.Errorf("attempt %d: %v (code %q), want %q", i, err, got, want)
		}
	}
	return ok
}

// TestConcurrentBookings races 1,000 bookings on 20 slots of a service with
// three desks: exactly the capacity is booked, nothing overlaps, and every
// loser hears that the slot was taken.
func TestConcurrentBookings(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	const slots, attempts, workers, desks = 20, 1000, 50, 3
	errs := race(attempts, workers, func(i int) error {
		start := at(2, 9, 0).Add(time.Duration(i%slots) * 15 * time.Minute)
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(100000 + i)), Service: "family-status", Start: start})
		return err
	})
	if got := tally(t, errs, booking.ESlotTaken); got != slots*desks {
		t.Fatalf("%d bookings succeeded, want the capacity %d", got, slots*desks)
	}
	if n := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active'`); n != slots*desks {
		t.Fatalf("%d active bookings, want %d", n, slots*desks)
	}
	if n := f.overlaps(t); n != 0 {
		t.Fatalf("%d overlapping pairs", n)
	}
	// Each winner wrote its audit row and its notifications; losers nothing.
	if n := f.count(t, `SELECT count(*) FROM audit_log`); n != slots*desks {
		t.Fatalf("%d audit rows, want %d", n, slots*desks)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE kind = 'citizen.confirmed'`); n != slots*desks {
		t.Fatalf("%d confirmations, want %d", n, slots*desks)
	}
}

// TestConcurrentReschedules moves 60 bookings at once into 4 slots (12
// places): exactly 12 move, the others keep their old slot.
func TestConcurrentReschedules(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	const n, targets, desks = 60, 4, 3
	var refs []string
	for i := range n {
		start := at(3, 8, 0).Add(time.Duration(i/desks) * 15 * time.Minute)
		b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(200000 + i)), Service: "family-status", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, b.Ref)
	}
	errs := race(n, n, func(i int) error {
		a := booking.Actor{Kind: booking.ActorCitizen, ID: strconv.Itoa(200000 + i)}
		_, err := f.office.Reschedule(ctx, a, refs[i], at(4, 9, 0).Add(time.Duration(i%targets)*15*time.Minute), "")
		return err
	})
	if got := tally(t, errs, booking.ESlotTaken); got != targets*desks {
		t.Fatalf("%d moves succeeded, want %d", got, targets*desks)
	}
	if got := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active' AND lower(during) >= $1`, at(4, 0, 0)); got != targets*desks {
		t.Fatalf("%d bookings on the target day, want %d", got, targets*desks)
	}
	if got := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active'`); got != n {
		t.Fatalf("%d active bookings, want all %d (losers keep their slot)", got, n)
	}
	if got := f.overlaps(t); got != 0 {
		t.Fatalf("%d overlapping pairs", got)
	}
}

// TestConcurrentLimits has one citizen book from many goroutines at once:
// the lock on the citizen's row keeps the limits.
func TestConcurrentLimits(t *testing.T) {
	t.Run("PerService", func(t *testing.T) {
		f := setup(t, nil)
		errs := race(40, 40, func(i int) error {
			start := at(2, 8, 0).Add(time.Duration(i%24) * 15 * time.Minute).Add(time.Duration(i/24) * 24 * time.Hour)
			_, err := f.office.Book(context.Background(), booking.Request{Citizen: citizen(9001), Service: "family-status", Start: start})
			return err
		})
		if got := tally(t, errs, booking.ELimit); got != f.cat.MaxPerService {
			t.Fatalf("%d bookings, want MaxPerService %d", got, f.cat.MaxPerService)
		}
	})
	t.Run("Active", func(t *testing.T) {
		f := setup(t, nil)
		services := []string{"family-status", "birth-certificate", "record-copy", "death-record"}
		errs := race(40, 40, func(i int) error {
			start := at(2, 8, 0).Add(time.Duration(i) * 15 * time.Minute % (6 * time.Hour))
			_, err := f.office.Book(context.Background(), booking.Request{Citizen: citizen(9002), Service: services[i%len(services)], Start: start})
			return err
		})
		if got := tally(t, errs, booking.ELimit); got != f.cat.MaxActive {
			t.Fatalf("%d bookings, want MaxActive %d", got, f.cat.MaxActive)
		}
		if got := f.count(t, `SELECT max(c) FROM (SELECT count(*) c FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = 9002) AND status = 'active' GROUP BY service) s`); got > f.cat.MaxPerService {
			t.Fatalf("%d bookings of one service", got)
		}
	})
}

// TestCloseDayRacesBookings closes a day while citizens keep booking it:
// afterwards no active booking is left on that day, whichever committed
// first, and each cancelled one told its citizen.
func TestCloseDayRacesBookings(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	day := booking.Date{Year: 2026, Month: 12, Day: 9}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	const n = 120
	var cancelled []booking.Booking
	errs := race(n+1, 16, func(i int) error {
		if i == n/4 {
			var err error
			cancelled, err = f.office.CloseDay(ctx, staff, "civil-registry", day, "απεργία")
			return err
		}
		start := at(9, 8, 0).Add(time.Duration(i%24) * 15 * time.Minute)
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(300000 + i)), Service: "family-status", Start: start})
		if c := booking.ErrorCode(err); c == booking.EClosed || c == booking.ESlotTaken {
			return nil
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM bookings WHERE department = 'civil-registry' AND status = 'active'
		AND lower(during) >= $1 AND lower(during) < $2`, day.Midnight(athens), day.AddDays(1).Midnight(athens)); got != 0 {
		t.Fatalf("%d active bookings left on the closed day (CloseDay cancelled %d)", got, len(cancelled))
	}
	t.Logf("CloseDay cancelled %d bookings", len(cancelled))
	if got := f.count(t, `SELECT count(*) FROM outbox WHERE kind = 'citizen.day_closed'`); got != len(cancelled) {
		t.Fatalf("%d day-closed notifications for %d cancelled bookings", got, len(cancelled))
	}
}

// TestConcurrentBookingsBothChannels races 1,000 attempts on 20 slots of a
// service with three desks, half from citizens in the bot and half from
// the call centre for callers by phone, all at once: one calendar, so
// exactly the capacity is booked, nothing overlaps, and every loser, on
// either channel, hears that the slot was taken.
func TestConcurrentBookingsBothChannels(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1", Name: "call centre"} // Civil Registry staff
	const slots, attempts, workers, desks = 20, 1000, 50, 3
	errs := race(attempts, workers, func(i int) error {
		start := at(2, 9, 0).Add(time.Duration(i%slots) * 15 * time.Minute)
		if i%2 == 0 {
			_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(100000 + i)), Service: "family-status", Start: start})
			return err
		}
		_, err := f.office.BookForCaller(ctx, staff, booking.CallerRequest{Service: "family-status", Start: start,
			Phone: fmt.Sprintf("69%08d", 300000+i), Name: "Μαρία Παπαδοπούλου", Via: booking.ViaPhone})
		return err
	})
	if got := tally(t, errs, booking.ESlotTaken); got != slots*desks {
		t.Fatalf("%d bookings succeeded, want the capacity %d", got, slots*desks)
	}
	if n := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active'`); n != slots*desks {
		t.Fatalf("%d active bookings, want %d", n, slots*desks)
	}
	if n := f.overlaps(t); n != 0 {
		t.Fatalf("%d overlapping pairs", n)
	}
	phone := f.count(t, `SELECT count(*) FROM bookings WHERE via = 'phone'`)
	bot := f.count(t, `SELECT count(*) FROM bookings WHERE via = 'telegram'`)
	if phone == 0 || bot == 0 {
		t.Fatalf("%d by phone, %d in the bot: both channels should have won some", phone, bot)
	}
	// Each phone booking belongs to a citizen known only by that number.
	if n := f.count(t, `SELECT count(*) FROM bookings b JOIN citizens c ON c.id = b.citizen
		WHERE b.via = 'phone' AND c.telegram_id IS NULL AND c.phone_key = b.phone`); n != phone {
		t.Fatalf("%d of %d phone bookings belong to their number's citizen", n, phone)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'book'`); n != slots*desks {
		t.Fatalf("%d audit rows, want %d", n, slots*desks)
	}
}
