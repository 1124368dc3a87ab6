package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultMaxConns is the pool size when url does not set pool_max_conns.
// pgx's own default is the number of CPUs (at least 4), which on a small
// machine makes every conversation step queue for a connection while a
// booking's commit waits for its WAL flush; 16 lets commits share flushes
// (BenchmarkBookParallel) and stays far below PostgreSQL's 100.
const DefaultMaxConns = 16

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return pool, nil
}

// AutoanalyseOff returns why PostgreSQL will not keep the planner's
// statistics of this database's tables up to date by itself, none when it
// will: autovacuum off, the table counts it works from not collected
// (track_counts), or autovacuum turned off for a table. The service's
// connections keep their statements' plans, and without fresh statistics
// a plan made while a table was small reads it whole once it has filled
// (README, Deploying).
func AutoanalyseOff(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	var autovacuum, counts bool
	var tables []string
	err := pool.QueryRow(ctx, `SELECT current_setting('autovacuum')::bool, current_setting('track_counts')::bool,
		ARRAY(SELECT relname::text FROM pg_class
			WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
			AND 'autovacuum_enabled=false' = ANY (reloptions) ORDER BY relname)`).Scan(&autovacuum, &counts, &tables)
	if err != nil {
		return nil, fmt.Errorf("postgres: autovacuum settings: %w", err)
	}
	var off []string
	if !autovacuum {
		off = append(off, "autovacuum is off")
	}
	if !counts {
		off = append(off, "track_counts is off")
	}
	for _, t := range tables {
		off = append(off, "autovacuum is off for table "+t)
	}
	return off, nil
}

// EnsureDatabase creates the database named in url if it does not exist,
// connecting to the server's "postgres" database to do so, so that the first
// run on a fresh machine just works. Two processes racing to create it are
// both fine: the loser sees 42P04 (duplicate database) and carries on.
func EnsureDatabase(ctx context.Context, url string) error {
	// Read as Open reads it: the pool's own settings (pool_max_conns, …)
	// are not PostgreSQL's, which would refuse them at connect.
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("postgres: ensure database: %w", err)
	}
	cfg := pcfg.ConnConfig
	name := cfg.Database
	if name == "" || name == "postgres" {
		return nil
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: ensure database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: ensure database: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.DuplicateDatabase || pgErr.Code == pgerrcode.UniqueViolation) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres: ensure database: %w", err)
	}
	return nil
}
