package pgtest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Trips is a pgx tracer (pgx.ConnConfig.Tracer) that records the round
// trips to PostgreSQL: each statement sent alone is one, each batch (a
// pipeline, one Sync) one with all its statements. Batches of different
// connections at once are kept apart.
type Trips struct {
	mu     sync.Mutex
	log    [][]string
	open   map[*pgx.Conn]int // the connection's batch in flight: its index in log
	failed []string          // the statements the server refused with an error
}

// Take returns the round trips recorded since the last Take.
func (tr *Trips) Take() [][]string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := tr.log
	tr.log = nil
	clear(tr.open)
	tr.failed = nil
	return out
}

// Failed returns the statements that ended in an error since the last
// Take: each one aborted its transaction, and pgx forgets a statement
// that failed, to prepare it again on its next use.
func (tr *Trips) Failed() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.failed)
}

// Statements returns the statements recorded since the last Take, round
// trips flattened, in order.
func (tr *Trips) Statements() []string {
	var out []string
	for _, trip := range tr.Take() {
		out = append(out, trip...)
	}
	return out
}

func (tr *Trips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.log = append(tr.log, []string{d.SQL})
	return context.WithValue(ctx, statementKey{}, d.SQL)
}

// statementKey is the context key of the statement a query's trace is of.
type statementKey struct{}

func (tr *Trips) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if d.Err != nil {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		sql, _ := ctx.Value(statementKey{}).(string)
		tr.failed = append(tr.failed, sql)
	}
}

func (tr *Trips) TraceBatchStart(ctx context.Context, conn *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.open == nil {
		tr.open = map[*pgx.Conn]int{}
	}
	tr.open[conn] = len(tr.log)
	tr.log = append(tr.log, []string{})
	return ctx
}

func (tr *Trips) TraceBatchQuery(_ context.Context, conn *pgx.Conn, d pgx.TraceBatchQueryData) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	i, ok := tr.open[conn]
	if !ok || i >= len(tr.log) { // its batch started before the last Take
		tr.open[conn], i = len(tr.log), len(tr.log)
		tr.log = append(tr.log, nil)
	}
	tr.log[i] = append(tr.log[i], d.SQL)
	if d.Err != nil {
		tr.failed = append(tr.failed, d.SQL)
	}
}

func (tr *Trips) TraceBatchEnd(_ context.Context, conn *pgx.Conn, _ pgx.TraceBatchEndData) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.open, conn)
}

// Traced returns a second pool on pool's database whose round trips the
// returned Trips records; pool, untraced, is for the test's own checks.
// The traced pool is closed in t.Cleanup, before the database is dropped.
func Traced(t testing.TB, pool *pgxpool.Pool) (*pgxpool.Pool, *Trips) {
	t.Helper()
	tr := &Trips{}
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = tr
	traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: traced pool: %v", err)
	}
	t.Cleanup(traced.Close)
	return traced, tr
}
