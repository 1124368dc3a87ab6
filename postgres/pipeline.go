package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// pipelinedTx runs one transaction in one round trip: BEGIN, the
// statements queue adds, COMMIT, sent as one pipeline on one connection.
// read reads the results of queue's statements in order (execN for those
// it ignores), not BEGIN's or COMMIT's. In a pipeline each statement still
// takes its own snapshot when it starts, as in any transaction at READ
// COMMITTED. A failure anywhere rolls back all of it, and the connection,
// left inside a transaction, is discarded by the pool, never reused.
func (s *Store) pipelinedTx(ctx context.Context, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	queue(b)
	b.Queue(`COMMIT`)
	br := conn.SendBatch(ctx, b)
	err = func() error {
		if err := execN(br, 1); err != nil {
			return err
		}
		if err := read(br); err != nil {
			return err
		}
		tag, err := br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = pgx.ErrTxCommitRollback
		}
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
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
