package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/schedule"
)

// TestRetention books with a fake clock, moves the clock on and runs the
// retention as the scheduler does, against the real PostgreSQL: each kind
// of record is erased only once its own period has passed, once a day
// however many replicas try, and what the statistics need stays.
func TestRetention(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	loc := cat.Location
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	office := booking.NewOffice(cat, store, func() time.Time { return clock })
	book := func(citizen int64, name string, start time.Time) booking.Booking {
		t.Helper()
		b, err := office.Book(ctx, booking.Request{
			Citizen: booking.Citizen{TelegramID: citizen, Name: name, Phone: "69123456" + name[:2], Lang: booking.Greek},
			Service: "birth-certificate", Start: start, IdempotencyKey: "tg:" + name,
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	early := book(501, "10-early", time.Date(2026, 12, 7, 10, 0, 0, 0, loc))  // ends 10:15
	later := book(502, "20-later", time.Date(2026, 12, 21, 10, 0, 0, 0, loc)) // a fortnight later
	if _, err := office.Cancel(ctx, booking.Actor{Kind: booking.ActorCitizen, ID: "502"}, later.Ref, ""); err != nil {
		t.Fatal(err)
	}

	// The run is on 8 March 2027 at 03:10: 90 days after the early
	// appointment are 7 March 10:15, so its details are due; the later
	// one has until 21 March. The other records get times around their
	// own periods, counted back from the run.
	run := time.Date(2027, 3, 8, 3, 10, 0, 0, loc)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	exec(`UPDATE outbox SET delivered_at = $1 WHERE booking_id = $2 AND kind = 'citizen.confirmed'`, run.Add(-31*day), early.ID)
	exec(`UPDATE outbox SET delivered_at = $1 WHERE booking_id = $2 AND kind = 'citizen.confirmed'`, run.Add(-29*day), later.ID)
	exec(`INSERT INTO request_keys (key, booking_id, created_at) VALUES ('old', $1, $2), ('new', $1, $3)`,
		early.ID, run.Add(-8*day), run.Add(-6*day))
	exec(`UPDATE bookings SET created_at = $1 WHERE id = $2`, run.Add(-8*day), early.ID)
	exec(`UPDATE bookings SET created_at = $1 WHERE id = $2`, run.Add(-6*day), later.ID)
	exec(`UPDATE audit_log SET at = $1 WHERE booking_id = $2 AND action = 'book'`, run.Add(-366*day), early.ID)
	exec(`UPDATE audit_log SET at = $1 WHERE booking_id = $2`, run.Add(-364*day), later.ID)
	exec(`UPDATE citizens SET created_at = $1`, run.Add(-100*day))

	scheduler := func(now time.Time) *schedule.Scheduler {
		return schedule.New(schedule.Config{Catalog: cat, Now: func() time.Time { return now }, Retainer: postgres.NewJobs(pool)}, nil)
	}
	type row struct {
		name, phone, key, status, service string
		anonymised                        bool
	}
	bookingRow := func(id int64) row {
		t.Helper()
		var r row
		if err := pool.QueryRow(ctx, `SELECT name, phone, coalesce(idempotency_key, ''), status, service, anonymised_at IS NOT NULL
			FROM bookings WHERE id = $1`, id).Scan(&r.name, &r.phone, &r.key, &r.status, &r.service, &r.anonymised); err != nil {
			t.Fatal(err)
		}
		return r
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("NotBeforeItsTime", func(t *testing.T) {
		_, ran, err := scheduler(run.Add(-11 * time.Minute)).RunRetention(ctx) // 02:59
		if err != nil || ran {
			t.Fatalf("ran %v (%v) at 02:59", ran, err)
		}
		if r := bookingRow(early.ID); r.name == "" {
			t.Fatal("erased before 03:00")
		}
	})

	t.Run("DayBeforeThePeriodEndsKeepsTheBooking", func(t *testing.T) {
		// A run on 7 March (03:10): the appointment ended 89 days and
		// 17 hours before.
		p, ran, err := scheduler(run.Add(-day)).RunRetention(ctx)
		if err != nil || !ran {
			t.Fatalf("ran %v (%v)", ran, err)
		}
		// Each other record is exactly at the end of its period then,
		// which it may still be kept for.
		if p != (booking.Purged{}) || bookingRow(early.ID).name == "" {
			t.Fatalf("erased %+v a day early", p)
		}
	})

	t.Run("ReplicasRacingRunItOnce", func(t *testing.T) {
		var mu sync.Mutex
		var runs []booking.Purged
		var wg sync.WaitGroup
		for range 4 {
			s := scheduler(run)
			wg.Go(func() {
				p, ran, err := s.RunRetention(ctx)
				if err != nil {
					t.Error(err)
				}
				if ran {
					mu.Lock()
					runs = append(runs, p)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(runs) != 1 {
			t.Fatalf("%d replicas ran the day's retention, want 1", len(runs))
		}
		want := booking.Purged{Bookings: 1, Citizens: 1, Outbox: 1, RequestKeys: 2, Audit: 1}
		if runs[0] != want {
			t.Fatalf("erased %+v, want %+v", runs[0], want)
		}
	})

	t.Run("BookingPastItsPeriodLosesNameAndPhoneOnly", func(t *testing.T) {
		r := bookingRow(early.ID)
		if r.name != "" || r.phone != "" || !r.anonymised || r.key != "" {
			t.Fatalf("early booking after its period: %+v; want no name, phone or key", r)
		}
		if r.status != string(booking.Active) || r.service != "birth-certificate" {
			t.Fatalf("early booking lost what the statistics need: %+v", r)
		}
		var name, phone string
		if err := pool.QueryRow(ctx, `SELECT name, phone FROM citizens WHERE telegram_id = 501`).Scan(&name, &phone); err != nil {
			t.Fatal(err)
		}
		if name != "" || phone != "" {
			t.Fatalf("citizen 501 kept %q %q after their only booking was erased", name, phone)
		}
	})

	t.Run("BookingWithinItsPeriodKeepsEverything", func(t *testing.T) {
		if r := bookingRow(later.ID); r.name != "20-later" || r.phone == "" || r.anonymised || r.key == "" {
			t.Fatalf("later booking within its period: %+v", r)
		}
		if n := count(`SELECT count(*) FROM citizens WHERE telegram_id = 502 AND name = '20-later'`); n != 1 {
			t.Fatal("citizen 502 lost their details while their booking keeps them")
		}
	})

	t.Run("OutboxKeysAndAuditByTheirOwnPeriods", func(t *testing.T) {
		if n := count(`SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.confirmed'`, early.ID); n != 0 {
			t.Fatal("a notification delivered 31 days ago is kept")
		}
		if n := count(`SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.confirmed'`, later.ID); n != 1 {
			t.Fatal("a notification delivered 29 days ago was deleted")
		}
		if n := count(`SELECT count(*) FROM outbox WHERE delivered_at IS NULL`); n == 0 {
			t.Fatal("undelivered notifications were deleted")
		}
		if n := count(`SELECT count(*) FROM request_keys WHERE key = 'new'`); n != 1 || count(`SELECT count(*) FROM request_keys`) != 1 {
			t.Fatal("request keys: want only the 6-day-old one kept")
		}
		if n := count(`SELECT count(*) FROM audit_log WHERE booking_id = $1 AND details = '{}'`, early.ID); n != 1 {
			t.Fatal("the 366-day-old audit entry kept its details")
		}
		if n := count(`SELECT count(*) FROM audit_log WHERE booking_id = $1 AND details = '{}'`, later.ID); n != 0 {
			t.Fatal("a 364-day-old audit entry lost its details")
		}
		if n := count(`SELECT count(*) FROM audit_log`); n != 3 {
			t.Fatalf("%d audit entries, want all 3 kept (who did what stays)", n)
		}
	})

	t.Run("NotAgainThatDay", func(t *testing.T) {
		_, ran, err := scheduler(run.Add(12 * time.Hour)).RunRetention(ctx)
		if err != nil || ran {
			t.Fatalf("ran again the same day: %v (%v)", ran, err)
		}
	})

	t.Run("ConfiguredPeriods", func(t *testing.T) {
		// With bookings kept a year, the later one survives the next
		// day's run too, even past its default 90 days.
		s := schedule.New(schedule.Config{Catalog: cat, Now: func() time.Time { return run.Add(30 * day) },
			Retainer: postgres.NewJobs(pool), Retention: booking.Retention{Bookings: 365 * day}}, nil)
		if _, ran, err := s.RunRetention(ctx); err != nil || !ran {
			t.Fatalf("ran %v (%v)", ran, err)
		}
		if r := bookingRow(later.ID); r.name == "" {
			t.Fatal("erased a booking within a configured 365 days")
		}
	})
}

// TestRetentionPhoneCitizens: a citizen known only by the number the call
// centre booked them with is that number; once their bookings are past
// the period, nothing of them stays (the bookings go to the row of no
// one). A citizen who linked their number to Telegram loses the number
// then, and keeps the account. Those with a booking in its period keep
// everything.
func TestRetentionPhoneCitizens(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	loc := cat.Location
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	office := booking.NewOffice(cat, store, func() time.Time { return clock })
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1", Name: "call centre"}
	phoned := func(phone string, start time.Time) booking.Booking {
		t.Helper()
		b, err := office.BookForCaller(ctx, staff, booking.CallerRequest{Service: "birth-certificate", Start: start,
			Phone: phone, Name: "Μαρία Παπαδοπούλου"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	old := phoned("6912345601", time.Date(2026, 12, 7, 10, 0, 0, 0, loc))
	linked := phoned("6912345602", time.Date(2026, 12, 7, 10, 15, 0, 0, loc))
	if _, err := office.LinkTelegram(ctx, 601, "+306912345602", booking.Greek); err != nil {
		t.Fatal(err)
	}
	recent := phoned("6912345603", time.Date(2026, 12, 21, 10, 0, 0, 0, loc))
	if _, err := pool.Exec(ctx, `UPDATE citizens SET created_at = $1`, clock); err != nil {
		t.Fatal(err)
	}

	run := time.Date(2027, 3, 8, 3, 10, 0, 0, loc)
	s := schedule.New(schedule.Config{Catalog: cat, Now: func() time.Time { return run }, Retainer: postgres.NewJobs(pool)}, nil)
	if _, ran, err := s.RunRetention(ctx); err != nil || !ran {
		t.Fatalf("ran %v (%v)", ran, err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM citizens WHERE phone_key = '+306912345601'`); n != 0 {
		t.Fatal("the phone-only citizen past the period is still known by their number")
	}
	if n := count(`SELECT count(*) FROM bookings WHERE id = $1 AND citizen = 0 AND phone = '' AND name = ''`, old.ID); n != 1 {
		t.Fatal("their booking is not the anonymous row's, without name and phone")
	}
	if n := count(`SELECT count(*) FROM citizens WHERE telegram_id = 601 AND phone_key IS NULL`); n != 1 {
		t.Fatal("the linked citizen kept the number past the period, or lost their account")
	}
	if n := count(`SELECT count(*) FROM bookings WHERE id = $1 AND citizen = (SELECT id FROM citizens WHERE telegram_id = 601)`, linked.ID); n != 1 {
		t.Fatal("the linked citizen's booking moved")
	}
	if n := count(`SELECT count(*) FROM citizens c JOIN bookings b ON b.citizen = c.id
		WHERE b.id = $1 AND c.phone_key = '+306912345603' AND b.name <> ''`, recent.ID); n != 1 {
		t.Fatal("a citizen with a booking in its period lost their details")
	}
}
