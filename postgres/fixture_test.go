package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

var athens = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		panic(err)
	}
	return loc
}()

// now is the fixed clock: Monday 30 November 2026, 07:00 in Thessaloniki.
var now = time.Date(2026, 11, 30, 7, 0, 0, 0, athens)

// at returns hh:mm local on the given day of December 2026.
func at(day, hh, mm int) time.Time { return time.Date(2026, 12, day, hh, mm, 0, 0, athens) }

type fixture struct {
	office *booking.Office
	store  *postgres.Store
	pool   *pgxpool.Pool
	cat    *booking.Catalog
}

// setup gives a fresh database with the default catalog, changed by edit
// (which may be nil) before it is synced.
func setup(tb testing.TB, edit func(*booking.Catalog)) *fixture {
	tb.Helper()
	pool := pgtest.New(tb)
	cat := booking.DefaultCatalog()
	if edit != nil {
		edit(cat)
	}
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(context.Background(), cat); err != nil {
		tb.Fatal(err)
	}
	return &fixture{office: booking.NewOffice(cat, store, func() time.Time { return now }), store: store, pool: pool, cat: cat}
}

// strike is the store's request to close the Civil Registry on day for a,
// spanning the day as the Office computes it.
func (f *fixture) strike(day booking.Date, a booking.Actor) booking.NewClosure {
	c := booking.Closure{Department: "civil-registry", From: day, To: day, Reason: booking.Text{EL: "απεργία"}}
	start, end := f.office.Calendar().Span(c)
	return booking.NewClosure{Closure: c, Start: start, End: end, Actor: a}
}

func citizen(id int64) booking.Citizen {
	return booking.Citizen{TelegramID: id, Name: "test", Phone: "6900000000", Lang: booking.Greek}
}

// overlaps counts pairs of active bookings of one desk whose times overlap:
// the thing that must never exist.
func (f *fixture) overlaps(tb testing.TB) int {
	tb.Helper()
	var n int
	err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM bookings a JOIN bookings b
		ON a.id < b.id AND a.department = b.department AND a.desk = b.desk AND a.during && b.during
		WHERE a.status = 'active' AND b.status = 'active'`).Scan(&n)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func (f *fixture) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
