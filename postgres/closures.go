package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// Closures returns the closures of department (whole or one desk) that
// touch any day of [from, to].
func (s *Store) Closures(ctx context.Context, department string, from, to booking.Date) ([]booking.Closure, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, department, desk, from_day, to_day, reason_el, reason_en FROM closures
		WHERE department = $1 AND from_day <= $3 AND to_day >= $2 ORDER BY from_day, id`,
		department, dateValue(from), dateValue(to))
	if err != nil {
		return nil, wrap("closures", err)
	}
	defer rows.Close()
	var out []booking.Closure
	for rows.Next() {
		var c booking.Closure
		var f, t time.Time
		if err := rows.Scan(&c.ID, &c.Department, &c.Desk, &f, &t, &c.Reason.EL, &c.Reason.EN); err != nil {
			return nil, wrap("closures", err)
		}
		c.From, c.To = booking.DateOf(f, time.UTC), booking.DateOf(t, time.UTC)
		out = append(out, c)
	}
	return out, wrap("closures", rows.Err())
}

// AddClosure stores c and returns the active bookings it covers, so staff
// can decide what to tell those citizens.
func (s *Store) AddClosure(ctx context.Context, c booking.Closure, a booking.Actor) ([]booking.Booking, error) {
	if c.To.Before(c.From) {
		return nil, booking.Errorf(booking.EInvalid, "closure ends %s before it starts %s", c.To, c.From)
	}
	loc := s.location()
	from, to := c.From.Midnight(loc), c.To.AddDays(1).Midnight(loc)
	var covered []booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Wait for bookings in flight in the department and hold new ones
		// until this commits (see Insert), so the covered list below
		// misses none and no booking slips onto the closed days.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, closureLockClass, c.Department); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO closures (department, desk, from_day, to_day, reason_el, reason_en, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.Department, c.Desk, dateValue(c.From), dateValue(c.To), c.Reason.EL, c.Reason.EN, a.ID).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+bookingColumns+` FROM bookings
			WHERE department = $1 AND ($2 = '' OR desk = $2) AND status = 'active'
			AND during && tstzrange($3, $4, '[)') ORDER BY lower(during), desk, id`,
			c.Department, c.Desk, from, to)
		if err != nil {
			return err
		}
		if covered, err = collectBookings(rows); err != nil {
			return err
		}
		return writeChange(ctx, tx, a, "close", 0, map[string]any{
			"closure": id, "department": c.Department, "desk": c.Desk,
			"from": c.From.String(), "to": c.To.String(), "covers": len(covered),
		}, nil)
	})
	if err != nil {
		return nil, wrap("add closure", err)
	}
	return covered, nil
}

// closureLockClass is the first key of the per-department advisory lock
// that orders closures against bookings ("clos"); the second is a hash of
// the department code, and two departments sharing a hash only wait for
// each other a little longer.
const closureLockClass = int32(0x636c6f73)

// lockClosuresShared takes the department's closure lock in shared mode
// until the transaction ends: bookings do not wait for one another.
const lockClosuresShared = `SELECT pg_advisory_xact_lock_shared($1, hashtext($2))`

// dateValue is d as a date PostgreSQL reads without time-zone surprises.
func dateValue(d booking.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}
