package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// TestExclusionConstraint writes straight to the table, past every check of
// the application: the database alone must refuse overlapping active
// bookings of one desk, and nothing else.
func TestExclusionConstraint(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO citizens (telegram_id) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	insert := func(ref, desk, status string, from, to int) error {
		_, err := f.pool.Exec(ctx, `INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during, status)
			VALUES ($1, 'civil-registry', $2, 'family-status', (SELECT id FROM citizens WHERE telegram_id = 1), '', '', 'el', tstzrange($3, $4, '[)'), $5)`,
			ref, desk, at(2, 9, from), at(2, 9, to), status)
		return err
	}
	if err := insert("AAAAAA", "A1", "active", 0, 30); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, ref, desk, status string
		from, to                int
		refused                 bool
	}{
		{"OverlapSameDeskRefused", "BBBBBB", "A1", "active", 15, 45, true},
		{"InsideSameDeskRefused", "CCCCCC", "A1", "active", 10, 20, true},
		{"BackToBackAllowed", "DDDDDD", "A1", "active", 30, 45, false},
		{"OtherDeskAllowed", "EEEEEE", "A2", "active", 0, 30, false},
		{"CancelledOverlapAllowed", "FFFFFF", "A1", "cancelled", 0, 30, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := insert(tc.ref, tc.desk, tc.status, tc.from, tc.to)
			var pgErr *pgconn.PgError
			refused := errors.As(err, &pgErr) && pgErr.Code == pgerrcode.ExclusionViolation
			if refused != tc.refused || (err != nil && !refused) {
				t.Fatalf("err %v; want refused=%v", err, tc.refused)
			}
		})
	}
	t.Run("ReactivatingOverlapRefused", func(t *testing.T) {
		_, err := f.pool.Exec(ctx, `UPDATE bookings SET status = 'active' WHERE ref = 'FFFFFF'`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.ExclusionViolation {
			t.Fatalf("err %v, want 23P01", err)
		}
	})
}

// TestSyncCatalog runs the sync from several replicas at once, twice: the
// rows exist once each and a static closure is not duplicated.
func TestSyncCatalog(t *testing.T) {
	f := setup(t, func(c *booking.Catalog) {
		c.Closures = append(c.Closures, booking.Closure{Department: "transparency",
			From: booking.Date{Year: 2026, Month: 12, Day: 24}, To: booking.Date{Year: 2026, Month: 12, Day: 31},
			Reason: booking.Text{EL: "απογραφή", EN: "stocktaking"}})
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = f.store.SyncCatalog(ctx, f.cat) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM departments`); n != len(f.cat.Departments) {
		t.Fatalf("%d departments", n)
	}
	if n := f.count(t, `SELECT count(*) FROM services`); n != len(f.cat.Services) {
		t.Fatalf("%d services", n)
	}
	if n := f.count(t, `SELECT count(*) FROM closures WHERE static`); n != 1 {
		t.Fatalf("%d static closures, want 1", n)
	}
	cs, err := f.store.Closures(ctx, "transparency", booking.Date{Year: 2026, Month: 12, Day: 30}, booking.Date{Year: 2027, Month: 1, Day: 5})
	if err != nil || len(cs) != 1 || cs[0].Reason.EN != "stocktaking" || cs[0].From.Day != 24 {
		t.Fatalf("closures %v %+v", err, cs)
	}
	// Removed from the catalog file: removed from the database.
	f.cat.Closures = nil
	if err := f.store.SyncCatalog(ctx, f.cat); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM closures WHERE static`); n != 0 {
		t.Fatalf("%d static closures after removal", n)
	}
}

// TestEnsureDatabase creates a missing database once and then leaves it be,
// as the first run on a fresh machine needs.
func TestEnsureDatabase(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	name := f.pool.Config().ConnConfig.Database + "_ensure"
	url := strings.Replace(pgtest.URLOf(f.pool), f.pool.Config().ConnConfig.Database, name, 1)
	t.Cleanup(func() {
		if _, err := f.pool.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Error(err)
		}
	})
	for range 2 {
		if err := postgres.EnsureDatabase(ctx, url); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

// TestRequestsCarryTheOfficesDays: the store knows no time zone, so a
// request without the office's day (or a closure without its span) would
// check no closure; it is refused instead.
func TestRequestsCarryTheOfficesDays(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	start := at(2, 9, 0)
	_, _, err := f.store.Insert(ctx, booking.NewBooking{Citizen: citizen(1), Department: "civil-registry", Service: "family-status",
		Desks: []string{"A1"}, Start: start, End: start.Add(15 * time.Minute), Now: now})
	if booking.ErrorCode(err) != booking.EInvalid {
		t.Errorf("insert without a day: %v, want invalid", err)
	}
	b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(1), Service: "family-status", Start: start})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.Move(ctx, booking.Move{Ref: b.Ref, Desks: []string{"A1"}, Start: start.Add(time.Hour), End: start.Add(75 * time.Minute)})
	if booking.ErrorCode(err) != booking.EInvalid {
		t.Errorf("move without a day: %v, want invalid", err)
	}
	day := booking.Date{Year: 2026, Month: 12, Day: 2}
	_, err = f.store.AddClosure(ctx, booking.NewClosure{Closure: booking.Closure{Department: "civil-registry", From: day, To: day}})
	if booking.ErrorCode(err) != booking.EInvalid {
		t.Errorf("closure without its span: %v, want invalid", err)
	}
	if n := f.count(t, `SELECT count(*) FROM closures WHERE NOT static`); n != 0 {
		t.Errorf("%d closures stored", n)
	}
}

// TestBusyInOrderOfStart books times latest first and requires Busy to
// read them in order of start, which the calendar's grouping by desk and
// the read cache's patches rely on to spare a sort.
func TestBusyInOrderOfStart(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	var id int64 = 7100
	for day := 4; day >= 2; day-- {
		for hh := 13; hh >= 9; hh-- {
			id++
			if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(id), Service: "birth-certificate", Start: at(day, hh, 0)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	busy, err := f.store.Busy(ctx, "civil-registry", at(1, 0, 0), at(6, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(busy) != 15 {
		t.Fatalf("%d busy times; want the 15 booked", len(busy))
	}
	if !slices.IsSortedFunc(busy, func(a, b booking.Interval) int { return a.Start.Compare(b.Start) }) {
		t.Fatalf("busy times out of order of start: %v", busy)
	}
}
