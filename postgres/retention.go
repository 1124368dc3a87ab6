package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// RetentionJob is the job_runs name of the daily retention run.
const RetentionJob = "retention"

// Retain claims the day's retention run and, if this call won the claim,
// erases in the same transaction what r says is past keeping at now: the
// name and phone of bookings that ended before now-r.Bookings (and of
// citizens with no booking since), delivered outbox rows, idempotency keys
// and audit details older than their periods. ran is false when the day's
// run was already claimed, by this or any replica; nothing is then erased.
// A failure rolls everything back, the claim included, so the next tick
// tries again.
//
// The statements find what to erase through partial indexes that rows
// already erased leave (migration 005), so a daily run costs about what
// that day erases; only the citizens are read in full.
func (j *Jobs) Retain(ctx context.Context, day booking.Date, now time.Time, r booking.Retention) (p booking.Purged, ran bool, err error) {
	if r.Bookings <= 0 || r.Outbox <= 0 || r.RequestKeys <= 0 || r.Audit <= 0 {
		return p, false, fmt.Errorf("postgres: retention: every period must be positive: %+v", r)
	}
	err = pgx.BeginFunc(ctx, j.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO job_runs (job, day) VALUES ($1, $2::date)
			ON CONFLICT (job, day) DO NOTHING`, RetentionJob, day.String())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		ran = true
		exec := func(n *int64, query string, args ...any) error {
			tag, err := tx.Exec(ctx, query, args...)
			*n = tag.RowsAffected()
			return err
		}
		bookingsBefore := now.Add(-r.Bookings)
		if err := exec(&p.Bookings, `UPDATE bookings SET name = '', phone = '', anonymised_at = $2
			WHERE anonymised_at IS NULL AND upper(during) < $1`, bookingsBefore, now); err != nil {
			return err
		}
		// After the bookings: a citizen keeps their details while a booking
		// of theirs does. One who never booked (a refused attempt stores
		// the details too) has none to wait for.
		// A linked citizen loses the number that linked them too.
		if err := exec(&p.Citizens, `UPDATE citizens c SET name = '', phone = '',
				phone_key = CASE WHEN c.telegram_id IS NULL THEN c.phone_key END
			WHERE (c.name <> '' OR c.phone <> '' OR c.phone_key IS NOT NULL AND c.telegram_id IS NOT NULL)
			AND c.created_at < $1
			AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.citizen = c.id AND b.anonymised_at IS NULL)`,
			bookingsBefore); err != nil {
			return err
		}
		// A citizen known only by the number staff booked them with is that
		// number: once their bookings are anonymised they go, and the
		// bookings belong to the row that stands for no one.
		var phoneOnly int64
		if err := exec(&phoneOnly, `WITH gone AS (
				SELECT id FROM citizens c WHERE c.telegram_id IS NULL AND c.id <> 0 AND c.created_at < $1
				AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.citizen = c.id AND b.anonymised_at IS NULL)
			), moved AS (
				UPDATE bookings SET citizen = 0 WHERE citizen IN (SELECT id FROM gone)
			)
			DELETE FROM citizens WHERE id IN (SELECT id FROM gone)`, bookingsBefore); err != nil {
			return err
		}
		p.Citizens += phoneOnly
		if err := exec(&p.Outbox, `DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1`,
			now.Add(-r.Outbox)); err != nil {
			return err
		}
		var keys, bookingKeys int64
		keysBefore := now.Add(-r.RequestKeys)
		if err := exec(&keys, `DELETE FROM request_keys WHERE created_at < $1`, keysBefore); err != nil {
			return err
		}
		if err := exec(&bookingKeys, `UPDATE bookings SET idempotency_key = NULL
			WHERE idempotency_key IS NOT NULL AND created_at < $1`, keysBefore); err != nil {
			return err
		}
		p.RequestKeys = keys + bookingKeys
		return exec(&p.Audit, `UPDATE audit_log SET details = '{}' WHERE details <> '{}'::jsonb AND at < $1`,
			now.Add(-r.Audit))
	})
	if err != nil {
		return booking.Purged{}, false, fmt.Errorf("postgres: retention %s: %w", day, err)
	}
	return p, ran, nil
}
