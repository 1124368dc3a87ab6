package pgtest_test

import (
	"context"
	"testing"

	"github.com/rantevou/rantevou/postgres/pgtest"
)

// TestNewGivesMigratedPrivateDatabase checks that the database is fresh
// (no bookings), migrated (the tables exist) and not the server's default.
func TestNewGivesMigratedPrivateDatabase(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	var name string
	var n int
	if err := pool.QueryRow(ctx, `SELECT current_database(), (SELECT count(*) FROM bookings)`).Scan(&name, &n); err != nil {
		t.Fatal(err)
	}
	if name == "postgres" || n != 0 {
		t.Fatalf("database %q with %d bookings; want a fresh private one", name, n)
	}
	other := pgtest.New(t)
	var name2 string
	if err := other.QueryRow(ctx, `SELECT current_database()`).Scan(&name2); err != nil {
		t.Fatal(err)
	}
	if name2 == name {
		t.Fatalf("two calls share database %q", name)
	}
}
