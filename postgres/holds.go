package postgres

import (
	"context"
	"fmt"
	"time"
)

// A cancelled booking may hold its place under the exclusion constraint
// until held_until (booking.Cancel.HoldUntil, migration 006). The
// constraint cannot read the clock, so a hold ends by clearing held_until:
// releaseHolds, in the transaction of an insert or move that wants the
// place, and ReleaseHolds, on every scheduler tick, for the calendar.

// releaseHolds clears the holds on desk $2 of department $1 overlapping
// [$3, $4) that ran out by $5 or belong to citizen $6, locking them in id
// order as ReleaseHolds does, so that the two never deadlock.
const releaseHolds = `UPDATE bookings SET held_until = NULL
	WHERE id IN (SELECT id FROM bookings
		WHERE department = $1 AND desk = $2 AND held_until IS NOT NULL AND during && tstzrange($3, $4, '[)')
			AND (held_until <= $5 OR citizen = $6)
		ORDER BY id FOR UPDATE)`

// ReleaseHolds clears every hold that ran out by now and returns how many.
// Every replica may run it at any time: it only ever ends holds whose time
// is over, which the inserts would end anyway.
func (j *Jobs) ReleaseHolds(ctx context.Context, now time.Time) (int64, error) {
	tag, err := j.pool.Exec(ctx, `UPDATE bookings SET held_until = NULL
		WHERE id IN (SELECT id FROM bookings WHERE held_until IS NOT NULL AND held_until <= $1 ORDER BY id FOR UPDATE)`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: release holds: %w", err)
	}
	return tag.RowsAffected(), nil
}
