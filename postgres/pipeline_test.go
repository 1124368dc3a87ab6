package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// The store's pipelined transactions (pipelinedTx) send their statements
// as one batch with no BEGIN or COMMIT, relying on PostgreSQL to run all
// statements before the batch's one Sync as one implicit transaction.
// These tests check that against the server, in every query exec mode
// pgx can be configured with (default_query_exec_mode in the URL): the
// default, which production uses, sends one pipeline ending in one Sync;
// the simple protocol sends one multi-statement query, which PostgreSQL
// also runs as one transaction.

var execModes = []pgx.QueryExecMode{
	pgx.QueryExecModeCacheStatement, // pgx's default
	pgx.QueryExecModeCacheDescribe,
	pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec,
	pgx.QueryExecModeSimpleProtocol,
}

// pipelineProbe gives a fresh database with a scratch table, probe.
func pipelineProbe(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.New(t)
	if _, err := pool.Exec(context.Background(), `CREATE TABLE probe (k int PRIMARY KEY, v text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return pool
}

// inEveryMode runs fn with a connection of pool's database in each exec
// mode, the table probe emptied before each.
func inEveryMode(t *testing.T, pool *pgxpool.Pool, fn func(t *testing.T, conn *pgx.Conn)) {
	t.Helper()
	ctx := context.Background()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			if _, err := pool.Exec(ctx, `TRUNCATE probe`); err != nil {
				t.Fatal(err)
			}
			cfg := pool.Config().ConnConfig.Copy()
			cfg.DefaultQueryExecMode = mode
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			fn(t, conn)
		})
	}
}

// sendAll sends b on conn, reads every result with Exec and closes it,
// returning the first error.
func sendAll(ctx context.Context, conn *pgx.Conn, b *pgx.Batch) error {
	br := conn.SendBatch(ctx, b)
	var first error
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			first = err
			break
		}
	}
	if err := br.Close(); first == nil {
		first = err
	}
	return first
}

func probeKeys(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT k FROM probe ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func wantIdle(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	if conn.IsClosed() {
		t.Fatal("connection closed after the batch")
	}
	if st := conn.PgConn().TxStatus(); st != 'I' {
		t.Fatalf("transaction status %q after the batch, want 'I' (no transaction open)", st)
	}
}

// TestPipelineAllOrNothing: a batch that succeeds is committed when it
// ends (another connection sees it, none is left open); a batch one of
// whose statements fails changes nothing, neither the statements before
// the failure nor those after it, and leaves the connection outside any
// transaction, fit for reuse.
func TestPipelineAllOrNothing(t *testing.T) {
	pool := pipelineProbe(t)
	ctx := context.Background()
	insert := `INSERT INTO probe (k, v) VALUES ($1, 'x')`
	inEveryMode(t, pool, func(t *testing.T, conn *pgx.Conn) {
		b := &pgx.Batch{}
		b.Queue(insert, 1)
		b.Queue(insert, 2)
		if err := sendAll(ctx, conn, b); err != nil {
			t.Fatal(err)
		}
		wantIdle(t, conn)
		if keys := probeKeys(t, pool); len(keys) != 2 {
			t.Fatalf("after a batch that succeeded another connection sees keys %v, want [1 2]", keys)
		}

		b = &pgx.Batch{}
		b.Queue(insert, 3)
		b.Queue(insert, 4)
		b.Queue(insert, 1) // taken: fails
		b.Queue(insert, 5)
		err := sendAll(ctx, conn, b)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.UniqueViolation {
			t.Fatalf("batch with a duplicate key: %v, want a unique violation", err)
		}
		wantIdle(t, conn)
		if keys := probeKeys(t, pool); len(keys) != 2 {
			t.Fatalf("after a batch that failed the table holds keys %v, want only [1 2]", keys)
		}

		// The connection works on, not inside the failed batch's transaction.
		b = &pgx.Batch{}
		b.Queue(insert, 6)
		if err := sendAll(ctx, conn, b); err != nil {
			t.Fatal(err)
		}
		wantIdle(t, conn)
		if keys := probeKeys(t, pool); len(keys) != 3 {
			t.Fatalf("after a third batch the table holds keys %v, want [1 2 6]", keys)
		}
	})
}

// TestPipelineSeesOwnWrites: each statement of a batch sees what the
// statements before it wrote.
func TestPipelineSeesOwnWrites(t *testing.T) {
	pool := pipelineProbe(t)
	ctx := context.Background()
	inEveryMode(t, pool, func(t *testing.T, conn *pgx.Conn) {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO probe (k, v) VALUES (1, 'x')`)
		b.Queue(`UPDATE probe SET v = v || 'y' WHERE k = 1 RETURNING v`)
		b.Queue(`SELECT count(*), string_agg(v, ',') FROM probe`)
		br := conn.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := br.QueryRow().Scan(&v); err != nil {
			t.Fatal(err)
		}
		var n int
		var all string
		if err := br.QueryRow().Scan(&n, &all); err != nil {
			t.Fatal(err)
		}
		if err := br.Close(); err != nil {
			t.Fatal(err)
		}
		if v != "xy" || n != 1 || all != "xy" {
			t.Fatalf("update returned %q, then the batch counted %d rows %q; want \"xy\", 1 row \"xy\"", v, n, all)
		}
		wantIdle(t, conn)
	})
}

// TestPipelineHoldsLocksToTheEnd: an advisory transaction lock and a row
// lock taken by an early statement of a batch are held while a later
// statement runs, and what the batch wrote stays invisible to others
// until the batch ends; then the locks are free and the rows committed.
func TestPipelineHoldsLocksToTheEnd(t *testing.T) {
	pool := pipelineProbe(t)
	ctx := context.Background()
	inEveryMode(t, pool, func(t *testing.T, conn *pgx.Conn) {
		if _, err := pool.Exec(ctx, `INSERT INTO probe (k, v) VALUES (1, 'old')`); err != nil {
			t.Fatal(err)
		}
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock(42, 7)`)
		b.Queue(`SELECT k FROM probe WHERE k = 1 FOR UPDATE`)
		b.Queue(`INSERT INTO probe (k, v) VALUES (2, 'new')`)
		b.Queue(`SELECT pg_sleep(0.5)`)
		b.Queue(`SELECT 1`)
		done := make(chan error, 1)
		pid := conn.PgConn().PID()
		go func() { done <- sendAll(ctx, conn, b) }()
		sleeping(t, pool, pid, done)

		var free bool
		if err := pool.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(42, 7)`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		if free {
			t.Error("another connection took the advisory lock while the batch that holds it ran")
		}
		_, err := pool.Exec(ctx, `SELECT k FROM probe WHERE k = 1 FOR UPDATE NOWAIT`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.LockNotAvailable {
			t.Errorf("another connection locking the row the batch locked: %v, want lock not available", err)
		}
		if keys := probeKeys(t, pool); len(keys) != 1 {
			t.Errorf("while the batch ran another connection saw keys %v, want only [1]", keys)
		}
		select {
		case err := <-done:
			t.Fatalf("the batch ended (%v) before the checks were made: inconclusive", err)
		default:
		}

		if err := <-done; err != nil {
			t.Fatal(err)
		}
		wantIdle(t, conn)
		if err := pool.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(42, 7)`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		if !free {
			t.Error("the advisory lock is still held after the batch ended")
		}
		if _, err := pool.Exec(ctx, `SELECT k FROM probe WHERE k = 1 FOR UPDATE NOWAIT`); err != nil {
			t.Errorf("the row is still locked after the batch ended: %v", err)
		}
		if keys := probeKeys(t, pool); len(keys) != 2 {
			t.Errorf("after the batch another connection sees keys %v, want [1 2]", keys)
		}
	})
}

// TestPipelineSnapshotPerStatement: at READ COMMITTED each statement of a
// batch takes its own snapshot, so it sees what another transaction
// committed while an earlier statement of the batch ran.
func TestPipelineSnapshotPerStatement(t *testing.T) {
	pool := pipelineProbe(t)
	ctx := context.Background()
	inEveryMode(t, pool, func(t *testing.T, conn *pgx.Conn) {
		b := &pgx.Batch{}
		b.Queue(`SELECT count(*) FROM probe`)
		b.Queue(`SELECT pg_sleep(0.5)`)
		b.Queue(`SELECT count(*) FROM probe`)
		var before, after int
		done := make(chan error, 1)
		pid := conn.PgConn().PID()
		go func() {
			br := conn.SendBatch(ctx, b)
			err := br.QueryRow().Scan(&before)
			if err == nil {
				_, err = br.Exec()
			}
			if err == nil {
				err = br.QueryRow().Scan(&after)
			}
			if cerr := br.Close(); err == nil {
				err = cerr
			}
			done <- err
		}()
		sleeping(t, pool, pid, done)
		if _, err := pool.Exec(ctx, `INSERT INTO probe (k, v) VALUES (1, 'x')`); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if before != 0 || after != 1 {
			t.Fatalf("the batch counted %d rows before the other commit and %d after, want 0 and 1", before, after)
		}
		wantIdle(t, conn)
	})
}

// sleeping waits until the backend pid runs pg_sleep, failing the test if
// the batch sent on it ends first (done) or within 10 seconds.
func sleeping(t *testing.T, pool *pgxpool.Pool, pid uint32, done <-chan error) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var asleep bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE pid = $1 AND state = 'active' AND wait_event = 'PgSleep')`, int32(pid)).Scan(&asleep)
		if err != nil {
			t.Fatal(err)
		}
		if asleep {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the batch ended (%v) before it was seen sleeping", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch was not seen sleeping within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPipelineCommitFailureReported: a failure found only when the
// implicit transaction commits (here a deferred constraint), after every
// statement succeeded, rolls all of it back and is reported by closing
// the batch's results.
func TestPipelineCommitFailureReported(t *testing.T) {
	pool := pipelineProbe(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE deferred_probe (k int, v text,
		CONSTRAINT deferred_probe_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	inEveryMode(t, pool, func(t *testing.T, conn *pgx.Conn) {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO probe (k, v) VALUES (1, 'x')`)
		b.Queue(`INSERT INTO deferred_probe (k, v) VALUES (1, 'a')`)
		b.Queue(`INSERT INTO deferred_probe (k, v) VALUES (1, 'b')`)
		br := conn.SendBatch(ctx, b)
		for i := range b.Len() {
			if _, err := br.Exec(); err != nil && i < b.Len()-1 {
				t.Fatalf("statement %d: %v, want the failure only at commit", i+1, err)
			}
		}
		err := br.Close()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.UniqueViolation {
			t.Fatalf("closing a batch whose commit fails: %v, want a unique violation", err)
		}
		wantIdle(t, conn)
		if keys := probeKeys(t, pool); len(keys) != 0 {
			t.Fatalf("after a batch whose commit failed the table holds keys %v, want none", keys)
		}
		if _, err := pool.Exec(ctx, `TRUNCATE deferred_probe`); err != nil {
			t.Fatal(err)
		}
	})
}

// A soft write commits without waiting for the WAL flush, and only its own
// transaction does: the connection goes back to the pool as it was.
func TestSoftWrite(t *testing.T) {
	ctx := context.Background()
	probe := pipelineProbe(t)
	cfg := probe.Config().Copy()
	cfg.MaxConns = 1 // one connection: the next statement runs where the soft write ran
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	tag, err := store.SoftExec(ctx, `INSERT INTO probe (k, v) SELECT 1, current_setting('synchronous_commit')`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("soft write: %v, %v", tag, err)
	}
	var during, after string
	if err := probe.QueryRow(ctx, `SELECT v FROM probe WHERE k = 1`).Scan(&during); err != nil {
		t.Fatalf("the soft write is not committed: %v", err)
	}
	if during != "off" {
		t.Fatalf("synchronous_commit during the soft write: %q, want off", during)
	}
	if err := pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != "on" {
		t.Fatalf("synchronous_commit after the soft write on the same connection: %q, want on", after)
	}
	if _, err := store.SoftExec(ctx, `INSERT INTO probe (k, v) VALUES (1, 'again')`); err == nil {
		t.Fatal("a soft write that breaks a constraint reported no error")
	}
}
