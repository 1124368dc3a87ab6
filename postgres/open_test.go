package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

func TestOpenPoolSize(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != postgres.DefaultMaxConns {
		t.Fatalf("pool of %d connections; want %d when the URL says nothing", got, postgres.DefaultMaxConns)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	own, err := postgres.Open(ctx, url+sep+"pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if got := own.Config().MaxConns; got != 3 {
		t.Fatalf("pool of %d connections; want the URL's pool_max_conns=3", got)
	}
}

// TestEnsureDatabaseWithPoolSize creates a database named by a URL that
// sets the pool's size, as the README offers: the setting is the pool's,
// and must not reach PostgreSQL, which refuses parameters it does not know.
func TestEnsureDatabaseWithPoolSize(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("rantevou_ensure_%d", time.Now().UnixNano())
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
		admin.Close(ctx)
	})
	u := &url.URL{Scheme: "postgres", User: url.User(cfg.User), Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + name,
		RawQuery: "sslmode=disable&pool_max_conns=3"}
	if err := postgres.EnsureDatabase(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || !exists {
		t.Fatalf("database %s made: %v (%v)", name, exists, err)
	}
	pool, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	got := pool.Config().MaxConns
	pool.Close()
	if got != 3 {
		t.Fatalf("pool of %d connections; want 3", got)
	}
}

// TestAutoanalyseOff reads why PostgreSQL would not keep the tables'
// statistics by itself: the server's autovacuum setting, a connection that
// collects no table counts, and a table with autovacuum turned off.
func TestAutoanalyseOff(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	var autovacuum bool
	if err := pool.QueryRow(ctx, `SELECT current_setting('autovacuum')::bool`).Scan(&autovacuum); err != nil {
		t.Fatal(err)
	}
	off, err := postgres.AutoanalyseOff(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if said := slices.Contains(off, "autovacuum is off"); said == autovacuum {
		t.Errorf("server's autovacuum on: %v; reasons %q", autovacuum, off)
	}
	if slices.Contains(off, "track_counts is off") || slices.ContainsFunc(off, func(s string) bool { return strings.Contains(s, "table") }) {
		t.Errorf("a migrated database on a default connection: reasons %q", off)
	}

	cfg, err := pgxpool.ParseConfig(pgtest.URLOf(pool))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["track_counts"] = "off"
	uncounted, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer uncounted.Close()
	if off, err := postgres.AutoanalyseOff(ctx, uncounted); err != nil || !slices.Contains(off, "track_counts is off") {
		t.Errorf("track_counts off: reasons %q, %v", off, err)
	}

	if _, err := pool.Exec(ctx, `ALTER TABLE bookings SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	if off, err := postgres.AutoanalyseOff(ctx, pool); err != nil || !slices.Contains(off, "autovacuum is off for table bookings") {
		t.Errorf("bookings without autovacuum: reasons %q, %v", off, err)
	}
}
