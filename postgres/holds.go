package postgres

import (
	"context"
	"fmt"
	"time"
)

// A cancelled booking may hold its place under the exclusion constraint
// until held_until (booking.Cancel.HoldUntil, migration 006). The
// constraint cannot read the clock, so a hold ends by clearing held_until:
// releaseHoldsOf, in the transaction of an insert or move that wants the
// place, and ReleaseHolds, on every scheduler tick, for the calendar.

// releaseHoldsOf clears the holds on desk $2 of department dept
// overlapping [$3, $4) that ran out by now (ranOutOf) or belong to
// citizen (dept, citizen and now are SQL expressions), locking them in id
// order as ReleaseHolds does, so that the two never deadlock. A move
// gives the department and citizen of the booking it moves, which the
// same statement reads.
func releaseHoldsOf(dept, citizen, now string) string {
	return `UPDATE bookings SET held_until = NULL
	WHERE id IN (SELECT id FROM bookings
		WHERE department = ` + dept + ` AND desk = $2 AND held_until IS NOT NULL AND during && tstzrange($3, $4, '[)')
			AND (` + ranOutOf(dept, now) + ` OR citizen = ` + citizen + `)
		ORDER BY id FOR UPDATE)`
}

// ranOut says a hold of department $1 ran out by $5 (ranOutOf).
var ranOut = ranOutOf("$1", "$5")

// ranOutOf says a hold of department dept ran out by now and may go to
// whoever books it first. While citizens wait in line in the department
// (migration 010) it goes to them first: only the scheduler's
// ReleaseHolds ends it, and on the same tick the waiting list offers the
// place (booking.Office.SweepWaitlist). Otherwise a script booking the
// second a hold ends would beat the citizens in line to every place freed.
func ranOutOf(dept, now string) string {
	return `(held_until <= ` + now + ` AND NOT EXISTS (SELECT 1 FROM waitlist w
	WHERE w.department = ` + dept + ` AND w.status = 'waiting' AND w.expires_at > ` + now + `))`
}

// releaseRunOut clears the holds on desk $2 of department $1 overlapping
// [$3, $4) that ran out by $5, whoever waits: for the waiting list's own
// offers.
const releaseRunOut = `UPDATE bookings SET held_until = NULL
	WHERE id IN (SELECT id FROM bookings
		WHERE department = $1 AND desk = $2 AND held_until IS NOT NULL AND during && tstzrange($3, $4, '[)')
			AND held_until <= $5
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
