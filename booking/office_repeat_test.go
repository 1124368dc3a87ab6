package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// TestRepeatAfterDeadline retries requests that succeeded once, after the
// clock has moved past the minimum notice or past the start itself: a
// citizen whose answer got lost must get the first result, not an error,
// and the retry writes nothing.
func TestRepeatAfterDeadline(t *testing.T) {
	ctx := context.Background()

	t.Run("Book", func(t *testing.T) {
		f := setup(t)
		r := booking.Request{Citizen: citizen(8001), Service: "family-status", Start: at(2, 10, 0), IdempotencyKey: "tg:8001:1"}
		first, err := f.office.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			clock time.Time
		}{
			{"WithinMinimumNotice", at(2, 9, 0)},
			{"AtStart", at(2, 10, 0)},
			{"AfterStart", at(2, 12, 0)},
			{"DayAfter", at(3, 9, 0)},
		} {
			t.Run(c.name, func(t *testing.T) {
				*f.clock = c.clock
				before := f.rowCounts(t)
				again, err := f.office.Book(ctx, r)
				if err != nil {
					t.Fatalf("repeat: %v", err)
				}
				if again.ID != first.ID || again.Ref != first.Ref || !again.Start.Equal(first.Start) {
					t.Fatalf("repeat gave %+v, first %+v", again, first)
				}
				if after := f.rowCounts(t); after != before {
					t.Fatalf("repeat wrote rows: %v → %v", before, after)
				}
			})
		}
		*f.clock = at(2, 9, 0)
		t.Run("NewKeyStillRefused", func(t *testing.T) {
			r := r
			r.IdempotencyKey = "tg:8001:2"
			_, err := f.office.Book(ctx, r)
			wantCode(t, err, booking.EClosed)
		})
		t.Run("NoKeyStillRefused", func(t *testing.T) {
			r := r
			r.IdempotencyKey = ""
			_, err := f.office.Book(ctx, r)
			wantCode(t, err, booking.EClosed)
		})
		t.Run("KeyOfAnotherCitizenRefused", func(t *testing.T) {
			r := r
			r.Citizen = citizen(8002)
			_, err := f.office.Book(ctx, r)
			wantCode(t, err, booking.EClosed)
		})
	})

	t.Run("Reschedule", func(t *testing.T) {
		f := setup(t)
		b := f.book(t, 8101, "family-status", at(2, 9, 0))
		moved, err := f.office.Reschedule(ctx, citizenActor(8101), b.Ref, at(3, 11, 0), "tg:8101:5")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			clock time.Time
		}{
			{"WithinMinimumNotice", at(3, 10, 0)},
			{"AfterNewStart", at(3, 12, 0)}, // also "already started" for the citizen
		} {
			t.Run(c.name, func(t *testing.T) {
				*f.clock = c.clock
				before := f.rowCounts(t)
				again, err := f.office.Reschedule(ctx, citizenActor(8101), b.Ref, at(3, 11, 0), "tg:8101:5")
				if err != nil {
					t.Fatalf("repeat: %v", err)
				}
				if again.ID != moved.ID || !again.Start.Equal(moved.Start) || again.Desk != moved.Desk {
					t.Fatalf("repeat gave %+v, first %+v", again, moved)
				}
				if after := f.rowCounts(t); after != before {
					t.Fatalf("repeat wrote rows: %v → %v", before, after)
				}
			})
		}
		*f.clock = at(3, 10, 0)
		t.Run("NewKeyStillRefused", func(t *testing.T) {
			_, err := f.office.Reschedule(ctx, citizenActor(8101), b.Ref, at(3, 11, 0), "tg:8101:6")
			wantCode(t, err, booking.EClosed)
		})
		t.Run("KeyOfAnotherBookingRefused", func(t *testing.T) {
			other := f.book(t, 8102, "record-copy", at(4, 9, 0))
			_, err := f.office.Reschedule(ctx, citizenActor(8102), other.Ref, at(3, 11, 0), "tg:8101:5")
			wantCode(t, err, booking.EClosed)
		})
	})
}
