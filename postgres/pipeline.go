package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The pipeline helpers are functions over a pool, so that the Store and
// the Outbox, each over the pool it was given, share them. The Store's
// methods of the same names run them on its pool.

// pipelinedTx is pipelinedTx on the store's pool.
func (s *Store) pipelinedTx(ctx context.Context, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	return pipelinedTx(ctx, s.pool, queue, read)
}

// softExec is softExec on the store's pool.
func (s *Store) softExec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return softExec(ctx, s.pool, sql, args...)
}

// pipelinedTx runs one transaction in one round trip: the statements queue
// adds, sent as one pipeline on one connection, with no BEGIN or COMMIT.
// pgx ends a batch with one Sync, and PostgreSQL runs the statements
// before a Sync as one implicit transaction: committed at the Sync if all
// succeeded, rolled back if any failed (the ones after it do not run),
// including a failure at the commit itself, which br.Close reports. Until
// then the statements' row locks and pg_advisory_xact_lock locks are held,
// each statement sees what the ones before it wrote and, as in any
// transaction at READ COMMITTED, takes its own snapshot when it starts
// (pipeline_test.go checks all of this against the server, in every query
// exec mode). queue must add no transaction control (BEGIN, COMMIT,
// ROLLBACK, SAVEPOINT) of its own. read reads the results of queue's
// statements in order (execN for those it ignores).
//
// The server runs the whole pipeline whatever the client reads, so an
// error of read's own (a Scan) is returned but undoes nothing. After
// br.Close the connection has read up to the Sync and is outside any
// transaction, or pgx has closed it when it could not; the pool discards
// a connection that is closed, or busy, or inside a transaction, never
// reuses it.
func pipelinedTx(ctx context.Context, pool *pgxpool.Pool, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	b := &pgx.Batch{}
	queue(b)
	br := conn.SendBatch(ctx, b)
	err = read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if st := conn.Conn().PgConn().TxStatus(); err == nil && st != 'I' {
		// A statement of queue's opened a transaction that nothing will
		// commit: the pool rolls it back by discarding the connection.
		err = fmt.Errorf("pipelined transaction left open (status %q)", st)
	}
	return err
}

// execN reads the results of the next n statements of br, whose rows (if
// any) are not wanted.
func execN(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// softTx is pipelinedTx for a soft write: one whose loss in a crash of
// the server within the next moments costs nothing a citizen relies on
// (a remembered language, a delivery mark whose loss sends a
// notification again). Its commit does not wait for the WAL to reach the
// disk (synchronous_commit off for this transaction only; PostgreSQL's
// WAL writer flushes it within a few hundred milliseconds, with others),
// so it neither costs its own flush nor waits behind the bookings'. The
// bookings, cancellations and moves a citizen is told of stay durable.
func softTx(ctx context.Context, pool *pgxpool.Pool, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	return pipelinedTx(ctx, pool, func(b *pgx.Batch) {
		b.Queue(asyncCommit)
		queue(b)
	}, func(br pgx.BatchResults) error {
		if err := execN(br, 1); err != nil {
			return err
		}
		return read(br)
	})
}

// softExec runs one soft write (softTx) and returns its command tag.
func softExec(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := softTx(ctx, pool, func(b *pgx.Batch) { b.Queue(sql, args...) }, func(br pgx.BatchResults) error {
		var err error
		tag, err = br.Exec()
		return err
	})
	return tag, err
}

// asyncCommit makes the transaction's commit asynchronous.
const asyncCommit = `SELECT set_config('synchronous_commit', 'off', true)`
