package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// TestMigrateBookingRules writes rows as the schema before migration 004
// allowed them (a booking whose language is no language, one whose service
// the catalog has since moved to another department), migrates, and checks
// that every row kept what it said and that the rules now hold.
func TestMigrateBookingRules(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Empty(t)
	if err := postgres.MigrateTo(ctx, pool, 3); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `
		INSERT INTO departments (code, name_el, name_en) VALUES ('a', 'Α', 'A'), ('b', 'Β', 'B');
		INSERT INTO desks (department, code) VALUES ('a', 'A1'), ('b', 'B1');
		-- "cert" was a's; the catalog has since moved it to b.
		INSERT INTO services (code, department, name_el, name_en, minutes) VALUES ('cert', 'b', 'Πιστοποιητικό', 'Certificate', 15);
		INSERT INTO citizens (telegram_id, lang) VALUES (1, 'en'), (2, 'el');
		INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during) VALUES
			('OLDDPT', 'a', 'A1', 'cert', 1, '', '', '', tstzrange('2026-12-01 09:00+02', '2026-12-01 09:15+02', '[)')),
			('NEWDPT', 'b', 'B1', 'cert', 2, '', '', 'el', tstzrange('2026-12-01 09:00+02', '2026-12-01 09:15+02', '[)'));
		INSERT INTO outbox (kind, channel, recipient, booking_id) SELECT 'citizen.reminder', 'telegram', '1', id FROM bookings`)

	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := postgres.CheckSchema(ctx, pool); err != nil {
		t.Fatal(err)
	}

	var got []string
	rows, err := pool.Query(ctx, `SELECT ref || ' ' || department || ' ' || service || ' ' || lang FROM bookings ORDER BY ref`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if want := "NEWDPT b cert el,OLDDPT a cert en"; strings.Join(got, ",") != want {
		t.Fatalf("bookings %q, want %q: each keeps its department and service, the bad language is its citizen's", got, want)
	}
	if n := count(t, pool, `SELECT count(*) FROM services WHERE code = 'cert' AND name_en = 'Certificate'`); n != 2 {
		t.Fatalf("%d rows of the moved service, want one for each department that has its bookings", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM outbox WHERE booking_id IS NOT NULL`); n != 2 {
		t.Fatalf("%d outbox rows, want both kept", n)
	}

	for _, tc := range []struct{ name, insert, constraint string }{
		{"LanguageNoLanguage", `INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during)
			VALUES ('BADLNG', 'b', 'B1', 'cert', 1, '', '', 'de', tstzrange('2026-12-02 09:00+02', '2026-12-02 09:15+02', '[)'))`,
			"bookings_lang"},
		{"ServiceOfAnotherDepartment", `INSERT INTO departments (code, name_el, name_en) VALUES ('c', 'Γ', 'C');
			INSERT INTO desks (department, code) VALUES ('c', 'C1');
			INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during)
			VALUES ('BADSVC', 'c', 'C1', 'cert', 1, '', '', 'el', tstzrange('2026-12-02 09:00+02', '2026-12-02 09:15+02', '[)'))`,
			"bookings_service_fkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pool.Exec(ctx, tc.insert)
			if err == nil || !strings.Contains(err.Error(), tc.constraint) {
				t.Fatalf("insert: %v; want it refused by %s", err, tc.constraint)
			}
		})
	}

	// The delete every cancel and move runs uses the new index once the
	// outbox holds more than a handful of rows (here: staff alerts of no
	// booking, as a busy morning leaves them).
	exec(t, pool, `INSERT INTO outbox (kind, channel, recipient) SELECT 'staff.today', 'slack', 'a' FROM generate_series(1, 5000);
		ANALYZE outbox`)
	for _, q := range []string{
		`EXPLAIN DELETE FROM outbox WHERE booking_id = 1 AND kind = 'citizen.reminder' AND delivered_at IS NULL AND parked_at IS NULL`,
		`EXPLAIN DELETE FROM outbox WHERE booking_id = ANY('{1,2}') AND kind = 'citizen.reminder' AND delivered_at IS NULL AND parked_at IS NULL`,
	} {
		var plan strings.Builder
		rows, err := pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan.String(), "outbox_booking_pending") {
			t.Errorf("%s:\n%s", q, plan.String())
		}
	}
}

// TestSyncCatalogMovesAService: a catalog that moves a service to another
// department syncs, the bookings made before keep their department, and
// the service is booked in its new department from then on.
func TestSyncCatalogMovesAService(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	before, err := f.office.Book(ctx, booking.Request{Citizen: citizen(1), Service: "family-status", Start: at(2, 9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	moved := booking.DefaultCatalog()
	svc, _ := moved.Service("family-status")
	svc.Department, svc.Desks = "registry-office", nil
	if err := f.store.SyncCatalog(ctx, moved); err != nil {
		t.Fatal(err)
	}
	office := booking.NewOffice(moved, f.store, func() time.Time { return now })
	after, err := office.Book(ctx, booking.Request{Citizen: citizen(2), Service: "family-status", Start: at(2, 9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.store.Booking(ctx, before.Ref); err != nil || b.Department != before.Department || b.Service != "family-status" {
		t.Fatalf("booking made before the move: %+v, %v", b, err)
	}
	if after.Department != "registry-office" {
		t.Fatalf("booked in %s after the move, want registry-office", after.Department)
	}
}

func exec(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, query string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateCitizenPerson: migration 009 gives citizens ids of their own
// and points every booking to its citizen's, losing nothing: each booking
// keeps its Telegram user, the forgotten stay the row of no one.
func TestMigrateCitizenPerson(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Empty(t)
	if err := postgres.MigrateTo(ctx, pool, 8); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `
		INSERT INTO departments (code, name_el, name_en) VALUES ('a', 'Α', 'A');
		INSERT INTO desks (department, code) VALUES ('a', 'A1');
		INSERT INTO services (code, department, name_el, name_en, minutes) VALUES ('cert', 'a', 'Πιστοποιητικό', 'Certificate', 15);
		INSERT INTO citizens (telegram_id, name, lang) VALUES (7001, 'Μαρία', 'en'), (7002, 'Γιώργος', 'el');
		INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during) VALUES
			('MARIA1', 'a', 'A1', 'cert', 7001, 'Μαρία', '+306912345678', 'en', tstzrange('2026-12-01 09:00+02', '2026-12-01 09:15+02', '[)')),
			('MARIA2', 'a', 'A1', 'cert', 7001, 'Μαρία', '+306912345678', 'en', tstzrange('2026-12-02 09:00+02', '2026-12-02 09:15+02', '[)')),
			('GIORG1', 'a', 'A1', 'cert', 7002, 'Γιώργος', '+306912345679', 'el', tstzrange('2026-12-01 09:15+02', '2026-12-01 09:30+02', '[)')),
			('GONE01', 'a', 'A1', 'cert', 0, '', '', 'el', tstzrange('2026-11-01 09:00+02', '2026-11-01 09:15+02', '[)'))`)

	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := postgres.CheckSchema(ctx, pool); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT b.ref || ' ' || coalesce(c.telegram_id::text, '-') || ' ' || c.id::text || ' ' || b.via
		FROM bookings b JOIN citizens c ON c.id = b.citizen ORDER BY b.ref`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		// The ids are the migration's to choose; the Telegram users and the row of no one are not.
		f := strings.Fields(s)
		if f[1] != "-" {
			f[2] = "id"
		}
		got = append(got, strings.Join(f, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := "GIORG1 7002 id telegram,GONE01 - 0 telegram,MARIA1 7001 id telegram,MARIA2 7001 id telegram"
	if strings.Join(got, ",") != want {
		t.Fatalf("bookings %q, want %q", got, want)
	}
	if n := count(t, pool, `SELECT count(DISTINCT citizen) FROM bookings WHERE ref LIKE 'MARIA%'`); n != 1 {
		t.Fatalf("Maria's bookings point to %d citizens", n)
	}
	// A citizen must be someone, unless it is the row of no one.
	if _, err := pool.Exec(ctx, `INSERT INTO citizens (name) VALUES ('nobody')`); err == nil {
		t.Fatal("a citizen with neither a Telegram account nor a number was stored")
	}
}
