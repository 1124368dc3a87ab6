package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// seed writes n active bookings of civil-registry straight into the table,
// two of its three desks every 15 minutes of every weekday from 1 December
// 2026 on, so a 30-day query sees about a thousand of them among n.
func seed(b *testing.B, f *fixture, n int) {
	b.Helper()
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO citizens (telegram_id) VALUES (1)`); err != nil {
		b.Fatal(err)
	}
	tag, err := f.pool.Exec(ctx, `INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during)
		SELECT 'S' || lpad(n::text, 7, '0'), 'civil-registry', desk, 'family-status', (SELECT id FROM citizens WHERE telegram_id = 1), '', '', 'el', tstzrange(t, t + interval '15 min', '[)')
		FROM (SELECT row_number() OVER (ORDER BY d, s, desk) AS n, desk,
		             (d + interval '8 hours' + s * interval '15 min') AT TIME ZONE 'Europe/Athens' AS t
		      FROM generate_series(timestamp '2026-12-01', timestamp '2028-12-31', interval '1 day') d,
		           unnest(ARRAY['A1', 'A2']) desk, generate_series(0, 23) s
		      WHERE extract(isodow FROM d) < 6) x
		WHERE n <= $1`, n)
	if err != nil {
		b.Fatal(err)
	}
	if int(tag.RowsAffected()) != n {
		b.Fatalf("seeded %d bookings, want %d", tag.RowsAffected(), n)
	}
	if _, err := f.pool.Exec(ctx, `ANALYZE bookings`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAvailability30Days asks for the free start times of one
// department over 30 days with 10,000 active bookings in the table.
func BenchmarkAvailability30Days(b *testing.B) {
	f := setup(b, nil)
	seed(b, f, 10000)
	ctx := context.Background()
	from := booking.Date{Year: 2026, Month: 12, Day: 1}
	to := from.AddDays(29)
	days, err := f.office.DepartmentAvailability(ctx, "civil-registry", from, to)
	if err != nil || len(days) != 30 || len(days[0].Slots) == 0 {
		b.Fatalf("%v: %d days", err, len(days))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.office.DepartmentAvailability(ctx, "civil-registry", from, to); err != nil {
			b.Fatal(err)
		}
	}
}

// bookRequest is one booking the benchmarks make.
type bookRequest struct {
	service string
	start   time.Time
}

// freeRequests lists bookable requests over a year, each start used once
// per service before any is used again, so that neither sequential nor
// parallel clients compete for a desk.
func freeRequests(f *fixture, n int) []bookRequest {
	cal := f.office.Calendar()
	var days []booking.Date
	for d := (booking.Date{Year: 2026, Month: 12, Day: 1}); len(days) < 250; d = d.AddDays(1) {
		if _, holiday := cal.Holiday(d); !holiday && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			days = append(days, d)
		}
	}
	var reqs []bookRequest
	for round := 0; len(reqs) < n; round++ {
		for _, d := range days {
			for s := range 24 {
				start := d.At(booking.Clock(8*60+15*s), athens)
				if round < 3 {
					reqs = append(reqs, bookRequest{"family-status", start})
				}
				if round < 4 {
					reqs = append(reqs, bookRequest{"record-copy", start})
				}
			}
		}
		if round == 4 {
			break
		}
	}
	return reqs
}

// deployed gives the benchmark's database what a deployed one has: 20,000
// citizens, a booking of each (in 2029, out of the way of the benchmark's
// own) and the planner's statistics of them, as autovacuum keeps them.
// The tables left empty, PostgreSQL planned sequential scans of them, and
// the connections kept those plans while the tables filled: a booking
// then read the whole citizens table twice (with the citizens analysed
// and the bookings not, the whole bookings table eight times), and the
// benchmark measured its own growing tables.
func deployed(b *testing.B, f *fixture) {
	b.Helper()
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO citizens (telegram_id, name, phone, lang)
		SELECT 50000000 + n, 'Δοκιμή', '69' || lpad(n::text, 8, '0'), 'el' FROM generate_series(1, 20000) n`); err != nil {
		b.Fatal(err)
	}
	tag, err := f.pool.Exec(ctx, `INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during)
		SELECT 'D' || lpad(n::text, 7, '0'), 'civil-registry', desk, 'family-status',
		       (SELECT id FROM citizens WHERE telegram_id = 50000000 + n), 'Δοκιμή', '69' || lpad(n::text, 8, '0'), 'el',
		       tstzrange(t, t + interval '15 min', '[)')
		FROM (SELECT row_number() OVER (ORDER BY d, s, desk) AS n, desk,
		             (d + interval '8 hours' + s * interval '15 min') AT TIME ZONE 'Europe/Athens' AS t
		      FROM generate_series(timestamp '2029-01-01', timestamp '2030-12-31', interval '1 day') d,
		           unnest(ARRAY['A1', 'A2']) desk, generate_series(0, 23) s
		      WHERE extract(isodow FROM d) < 6) x
		WHERE n <= 20000`)
	if err != nil {
		b.Fatal(err)
	}
	if tag.RowsAffected() != 20000 {
		b.Fatalf("seeded %d bookings, want 20000", tag.RowsAffected())
	}
	if _, err := f.pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBookUncontended books one free slot after another through the
// Office from one client: rule checks, the closure read, and the
// transaction with its citizen lock, insert, audit row and outbox rows,
// committed durably (each commit waits for its WAL flush), on a deployed
// database.
func BenchmarkBookUncontended(b *testing.B) {
	f := setup(b, func(c *booking.Catalog) { c.Horizon = 366 })
	deployed(b, f)
	ctx := context.Background()
	reqs := freeRequests(f, 40000)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		if i == len(reqs) {
			b.Fatal("out of free slots")
		}
		r := reqs[i]
		if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(1000000 + i)), Service: r.service, Start: r.start}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "bookings/s")
}

// BenchmarkBookParallel is BenchmarkBookUncontended from 8 clients per
// core, as many replicas and chats would be: PostgreSQL flushes their
// commits together.
func BenchmarkBookParallel(b *testing.B) {
	f := setup(b, func(c *booking.Catalog) { c.Horizon = 366 })
	deployed(b, f)
	ctx := context.Background()
	reqs := freeRequests(f, 40000)
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			if i >= len(reqs) {
				b.Error("out of free slots")
				return
			}
			r := reqs[i]
			if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(int64(1000000 + i)), Service: r.service, Start: r.start}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "bookings/s")
}
