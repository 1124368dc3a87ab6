// Package pgtest gives each test package a fresh, migrated PostgreSQL
// database of its own and drops it afterwards, so tests run against the real
// server without seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	neturl "net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/postgres"
)

// DefaultURL is the server used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@localhost:5432/postgres?sslmode=disable"

// URL returns the administrative connection string of the test server.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates a uniquely named database, applies the migrations and returns
// a pool on it. The pool is closed and the database dropped in t.Cleanup. A
// missing server fails the test: a skipped database test proves nothing.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool := Empty(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return pool
}

// Empty is New without the migrations, for tests of a migration: they
// apply the ones before it, write rows as the old schema had them, and
// migrate on.
func Empty(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	url := URL()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL not reachable at %s; start it: make services (%v)", redact(url), err)
	}
	defer admin.Close(ctx)

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rantevou_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", redact(url), err)
	}
	cfg.ConnConfig.Database = name
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", name, err)
	}
	// Registered after the drop, so it runs before it (cleanups run last
	// first): the pool's connections are gone when the database is dropped.
	t.Cleanup(pool.Close)
	return pool
}

// URLOf returns a connection string for the database pool is connected
// to, for code under test that opens its own connections (the command
// line).
func URLOf(pool *pgxpool.Pool) string {
	name := pool.Config().ConnConfig.Database
	base := URL()
	if u, err := neturl.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return base + " dbname=" + name // key=value form: the last setting wins
}

// redact hides a password in a connection string for messages.
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparsable connection string)"
	}
	if cfg.Password == "" {
		return url
	}
	return cfg.Host + "/" + cfg.Database
}

// AwaitLockWait returns once a backend of pool's database waits for a lock
// and matches where (an SQL condition on pg_stat_activity, "true" for
// any), so that a test can act while a statement it started is blocked.
// It fails t after 30 seconds, naming what (the wait it expected).
func AwaitLockWait(t testing.TB, pool *pgxpool.Pool, where, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND (`+where+`)`).Scan(&n); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: %s: nothing waited for a lock in 30 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
