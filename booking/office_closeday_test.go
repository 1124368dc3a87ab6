package booking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
)

// stoppingStore is the real store whose caller goes away while a day is
// being closed: the context is cancelled once the second cancelled booking
// has been seen, between the statements of the transaction, as when the
// process is stopped mid-request.
type stoppingStore struct {
	*postgres.Store
}

func (s stoppingStore) CloseAndCancel(ctx context.Context, c booking.Closing) ([]booking.Booking, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notify, seen := c.Notify, 0
	c.Notify = func(b booking.Booking) []booking.Notification {
		if seen++; seen == 2 {
			cancel()
		}
		return notify(b)
	}
	return s.Store.CloseAndCancel(ctx, c)
}

// TestCloseDayStoppedHalfwayChangesNothing stops Office.CloseDay halfway:
// the day stays open, every booking stays active with its reminders, and
// no citizen is told anything.
func TestCloseDayStoppedHalfwayChangesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	d := booking.Date{Year: 2026, Month: 12, Day: 8}
	var booked []booking.Booking
	for i, svc := range []string{"family-status", "registration", "transfer"} {
		booked = append(booked, f.book(t, int64(9101+i), svc, at(8, 9, 0)))
	}
	before := f.rowCounts(t)
	office := booking.NewOffice(booking.DefaultCatalog(), stoppingStore{f.store}, func() time.Time { return *f.clock })

	_, err := office.CloseDay(ctx, civilStaff, "civil-registry", d, "απεργία")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("close day: %v, want context.Canceled", err)
	}
	if after := f.rowCounts(t); after != before {
		t.Fatalf("rows (bookings, audit, outbox) %v, want unchanged %v", after, before)
	}
	var closures int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM closures WHERE NOT static`).Scan(&closures); err != nil {
		t.Fatal(err)
	}
	if closures != 0 {
		t.Fatalf("%d closures stored by a closing that failed", closures)
	}
	for _, b := range booked {
		got, err := f.office.Booking(ctx, civilStaff, b.Ref)
		if err != nil || got.Status != booking.Active {
			t.Fatalf("%s after the failed closing: %v %s", b.Ref, err, got.Status)
		}
		if n := len(f.outbox(t, b.ID)); n != 3 { // confirmation and two reminders
			t.Fatalf("%s: %d notifications, want its 3 untouched: %q", b.Ref, n, f.outbox(t, b.ID))
		}
	}
	day, err := f.office.DepartmentSlots(ctx, "civil-registry", d)
	if err != nil || day.Closed {
		t.Fatalf("day after the failed closing: %v closed=%v", err, day.Closed)
	}
}
