package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// TestCloseAndCancelAllOrNothing makes closing a day fail halfway, after
// the closure is inserted and the bookings are cancelled inside the
// transaction: nothing of it may survive. Then the same closing, without
// the failure, does all of it.
func TestCloseAndCancelAllOrNothing(t *testing.T) {
	day := booking.Date{Year: 2026, Month: 12, Day: 10}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	dayClosed := func(b booking.Booking) booking.Notification {
		return booking.Notification{Kind: booking.NotifyDayClosed, Channel: booking.ChannelTelegram,
			Recipient: strconv.FormatInt(b.Citizen.TelegramID, 10)}
	}
	cases := []struct {
		name string
		// notify builds the notifications of the i-th cancelled booking
		// and may break the transaction there.
		notify func(cancel context.CancelFunc, i int, b booking.Booking) []booking.Notification
		want   func(t *testing.T, err error)
	}{
		{
			// The third booking's notification breaks the outbox's
			// channel CHECK constraint: the database refuses the row.
			name: "OutboxRowRefused",
			notify: func(_ context.CancelFunc, i int, b booking.Booking) []booking.Notification {
				n := dayClosed(b)
				if i == 2 {
					n.Channel = "carrier-pigeon"
				}
				return []booking.Notification{n}
			},
			want: func(t *testing.T, err error) {
				if err == nil || booking.ErrorCode(err) != booking.EInternal {
					t.Fatalf("err %v, want the refused row's internal error", err)
				}
			},
		},
		{
			// The caller goes away between the statements of the
			// transaction, as when the process is stopped mid-request.
			name: "ContextCancelledMidway",
			notify: func(cancel context.CancelFunc, i int, b booking.Booking) []booking.Notification {
				if i == 1 {
					cancel()
				}
				return []booking.Notification{dayClosed(b)}
			},
			want: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err %v, want context.Canceled", err)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, nil)
			var booked []booking.Booking
			for i := range 5 {
				b, err := f.office.Book(context.Background(), booking.Request{
					Citizen: citizen(int64(400000 + i)), Service: "family-status", Start: at(10, 9, 0).Add(time.Duration(i) * 15 * time.Minute)})
				if err != nil {
					t.Fatal(err)
				}
				booked = append(booked, b)
			}
			before := f.snapshot(t)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			_, err := f.store.CloseAndCancel(ctx, booking.Closing{
				NewClosure: f.strike(day, staff),
				Reason:     "απεργία",
				Notify: func(b booking.Booking) []booking.Notification {
					calls++
					return tc.notify(cancel, calls-1, b)
				},
			})
			tc.want(t, err)
			// Notify is called for each booking the update cancelled, so
			// the failure came after the closure and the cancellations.
			if calls != len(booked) {
				t.Fatalf("notify called %d times for %d bookings", calls, len(booked))
			}
			if after := f.snapshot(t); !slices.Equal(after, before) {
				t.Fatalf("after the failed closing\n got %q\nwant %q", after, before)
			}

			// Nothing is stuck: the same closing without the failure
			// does everything.
			cancelled, err := f.store.CloseAndCancel(context.Background(), booking.Closing{
				NewClosure: f.strike(day, staff),
				Reason:     "απεργία",
				Notify:     func(b booking.Booking) []booking.Notification { return []booking.Notification{dayClosed(b)} },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(cancelled) != len(booked) {
				t.Fatalf("cancelled %d bookings, want %d", len(cancelled), len(booked))
			}
			for i, b := range cancelled {
				if b.ID != booked[i].ID || b.Status != booking.Cancelled || b.CancelReason != "απεργία" {
					t.Fatalf("cancelled[%d] %+v, want %s cancelled", i, b, booked[i].Ref)
				}
			}
			checks := []struct {
				query string
				want  int
			}{
				{`SELECT count(*) FROM closures WHERE department = 'civil-registry'`, 1},
				{`SELECT count(*) FROM bookings WHERE status = 'active'`, 0},
				{`SELECT count(*) FROM outbox WHERE kind = 'citizen.day_closed'`, len(booked)},
				{`SELECT count(*) FROM outbox WHERE kind = 'citizen.reminder'`, 0},
				{`SELECT count(*) FROM audit_log WHERE action = 'cancel' AND booking_id IS NOT NULL`, len(booked)},
				{`SELECT count(*) FROM audit_log WHERE action = 'close' AND booking_id IS NULL`, 1},
			}
			for _, c := range checks {
				if got := f.count(t, c.query); got != c.want {
					t.Errorf("%s: %d, want %d", c.query, got, c.want)
				}
			}
		})
	}
}

// snapshot lists every row that closing a day touches: closures, bookings
// with their status, the audit log and the outbox.
func (f *fixture) snapshot(tb testing.TB) []string {
	tb.Helper()
	rows, err := f.pool.Query(context.Background(), `
		SELECT 'closure ' || id || ' ' || department || ' ' || from_day FROM closures
		UNION ALL SELECT 'booking ' || ref || ' ' || status || ' ' || cancel_reason FROM bookings
		UNION ALL SELECT 'audit ' || id || ' ' || action || ' ' || coalesce(booking_id::text, '-') FROM audit_log
		UNION ALL SELECT 'outbox ' || id || ' ' || kind || ' ' || coalesce(booking_id::text, '-') FROM outbox
		ORDER BY 1`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestCloseDayRacesReschedules closes a day while its citizens move their
// bookings within it and out of it. A move locks its booking and then the
// department's closure lock, closing locks them the other way round unless
// both take the closure lock first; either way no error but the domain's
// may come out (a deadlock would be an internal error), and no booking is
// left active on the closed day.
func TestCloseDayRacesReschedules(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	day := booking.Date{Year: 2026, Month: 12, Day: 11}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	const n = 48
	var refs []string
	for i := range n {
		b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(500000 + i)), Service: "family-status",
			Start: at(11, 8, 0).Add(time.Duration(i/3) * 15 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, b.Ref)
	}
	var cancelled []booking.Booking
	errs := race(n+1, 16, func(i int) error {
		if i == n/3 {
			var err error
			cancelled, err = f.office.CloseDay(ctx, staff, "civil-registry", day, "απεργία")
			return err
		}
		if i > n/3 {
			i--
		}
		to := at(11, 12, 0).Add(time.Duration(i%8) * 15 * time.Minute) // later the same day
		if i%2 == 1 {
			to = at(14, 9, 0).Add(time.Duration(i%8) * 15 * time.Minute) // another day
		}
		_, err := f.office.Reschedule(ctx, booking.Actor{Kind: booking.ActorCitizen, ID: strconv.Itoa(500000 + i)}, refs[i], to, "")
		switch booking.ErrorCode(err) {
		case booking.EClosed, booking.ESlotTaken, booking.EConflict:
			return nil
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active'
		AND lower(during) >= $1 AND lower(during) < $2`, day.Midnight(athens), day.AddDays(1).Midnight(athens)); got != 0 {
		t.Fatalf("%d active bookings left on the closed day (CloseDay cancelled %d)", got, len(cancelled))
	}
	if got := f.count(t, `SELECT count(*) FROM bookings WHERE status = 'active'`); got+len(cancelled) != n {
		t.Fatalf("%d active and %d cancelled of %d bookings", got, len(cancelled), n)
	}
	if got := f.count(t, `SELECT count(*) FROM outbox WHERE kind = 'citizen.day_closed'`); got != len(cancelled) {
		t.Fatalf("%d day-closed notifications for %d cancelled bookings", got, len(cancelled))
	}
	t.Logf("CloseDay cancelled %d bookings, %d moved away first", len(cancelled), n-len(cancelled))
}
