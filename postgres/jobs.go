package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
)

// Jobs runs once-a-day jobs once across replicas and restarts: a row in
// job_runs is the claim, and the job's output is written as outbox rows in
// the same transaction, so a claim never exists without its messages and
// the outbox takes care of delivering them.
type Jobs struct {
	pool *pgxpool.Pool
}

// NewJobs returns the job claims over pool.
func NewJobs(pool *pgxpool.Pool) *Jobs { return &Jobs{pool: pool} }

// Claim claims job on day and, if this call won the claim, enqueues notify in
// the same transaction. It reports whether it won; a job already run that day
// (by this or any replica) returns false and writes nothing.
func (j *Jobs) Claim(ctx context.Context, job string, day booking.Date, notify []booking.Notification) (bool, error) {
	tx, err := j.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: claim job %s: %w", job, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	tag, err := tx.Exec(ctx, `
		INSERT INTO job_runs (job, day) VALUES ($1, $2::date)
		ON CONFLICT (job, day) DO NOTHING`, job, day.String())
	if err != nil {
		return false, fmt.Errorf("postgres: claim job %s %s: %w", job, day, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if _, err := enqueue(ctx, tx, notify); err != nil {
		return false, fmt.Errorf("postgres: claim job %s %s: %w", job, day, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: claim job %s %s: %w", job, day, err)
	}
	return true, nil
}

// Ran reports whether job was claimed on day.
func (j *Jobs) Ran(ctx context.Context, job string, day booking.Date) (bool, error) {
	var ok bool
	err := j.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND day = $2::date)`,
		job, day.String()).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("postgres: job %s ran: %w", job, err)
	}
	return ok, nil
}
