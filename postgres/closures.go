package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
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
func (s *Store) AddClosure(ctx context.Context, nc booking.NewClosure) ([]booking.Booking, error) {
	if err := checkClosure(nc); err != nil {
		return nil, err
	}
	c, a, from, to := nc.Closure, nc.Actor, nc.Start, nc.End
	var covered []booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id, err := insertClosure(ctx, tx, c, a)
		if err != nil {
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
		return writeChange(ctx, tx, a, "close", 0, time.Time{}, closeDetails(id, c, len(covered)), nil)
	})
	if err != nil {
		return nil, wrap("add closure", err)
	}
	return covered, nil
}

// CloseAndCancel stores the closure and cancels every active booking it
// covers in one transaction:
//
//	BEGIN
//	closure lock, exclusive   -- waits for bookings and moves in flight, holds new ones
//	insert the closure
//	cancel the covered bookings, returning them
//	drop their pending reminders, write the audit rows and the notifications
//	COMMIT
//
// A failure anywhere (a refused row, a cancelled context, a lost
// connection) rolls back all of it: the closure is not stored and every
// booking stays active with its reminders. A booking cancelled by its
// citizen meanwhile is not active any more when the update gets its row
// lock, so it is skipped rather than cancelled twice.
func (s *Store) CloseAndCancel(ctx context.Context, cl booking.Closing) ([]booking.Booking, error) {
	if err := checkClosure(cl.NewClosure); err != nil {
		return nil, err
	}
	c, from, to := cl.Closure, cl.Start, cl.End
	var cancelled []booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id, err := insertClosure(ctx, tx, c, cl.Actor)
		if err != nil {
			return err
		}
		// Under the closure lock: a second "close" pressed at the same
		// moment waits for the first, then finds its closure and stops.
		var already bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM closures WHERE id <> $1 AND department = $2
			AND (desk = '' OR desk = $3) AND from_day <= $4 AND to_day >= $5)`,
			id, c.Department, c.Desk, dateValue(c.From), dateValue(c.To)).Scan(&already); err != nil {
			return err
		}
		if already {
			return booking.Errorf(booking.EConflict, "%s is closed already from %s to %s", c.Department, c.From, c.To)
		}
		rows, err := tx.Query(ctx, `UPDATE bookings SET status = 'cancelled', cancel_reason = $5, updated_at = now()
			WHERE department = $1 AND ($2 = '' OR desk = $2) AND status = 'active'
			AND during && tstzrange($3, $4, '[)') RETURNING `+bookingColumns,
			c.Department, c.Desk, from, to, cl.Reason)
		if err != nil {
			return err
		}
		if cancelled, err = collectBookings(rows); err != nil {
			return err
		}
		// UPDATE … RETURNING has no order; callers list them by time.
		slices.SortFunc(cancelled, func(a, b booking.Booking) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Desk, b.Desk), cmp.Compare(a.ID, b.ID))
		})
		return writeCancellations(ctx, tx, cl, id, cancelled)
	})
	if err != nil {
		return nil, wrap("close and cancel", err)
	}
	return cancelled, nil
}

// writeCancellations writes, in one round trip, what the cancellation of
// bs by closure id leaves behind: their pending reminders dropped, an audit
// row each, their notifications, and the closure's own audit row.
func writeCancellations(ctx context.Context, tx pgx.Tx, cl booking.Closing, closureID int64, bs []booking.Booking) error {
	ids := make([]int64, 0, len(bs))
	refs := make([]string, 0, len(bs))
	var ns []booking.Notification
	nids := []int64{}
	for _, b := range bs {
		ids = append(ids, b.ID)
		refs = append(refs, b.Ref)
		if cl.Notify == nil {
			continue
		}
		for _, n := range cl.Notify(b) {
			ns = append(ns, n)
			nids = append(nids, b.ID)
		}
	}
	details, err := json.Marshal(closeDetails(closureID, cl.Closure, len(bs)))
	if err != nil {
		return err
	}
	kind, actor := string(actorKind(cl.Actor)), cl.Actor.ID
	// A zero DueAt is NULL in the columns, for the database's now() to
	// fill in, as writeChange does.
	n := changeColumnsOf(ns)
	batch := &pgx.Batch{}
	batch.Queue(`DELETE FROM outbox WHERE booking_id = ANY($1) AND kind = $2
		AND delivered_at IS NULL AND parked_at IS NULL`, ids, string(booking.NotifyReminder))
	batch.Queue(`INSERT INTO audit_log (actor_kind, actor_id, action, booking_id, details)
		VALUES ($1, $2, 'close', NULL, $3)`, kind, actor, details)
	batch.Queue(`INSERT INTO audit_log (actor_kind, actor_id, action, booking_id, details)
		SELECT $1, $2, 'cancel', b.id, jsonb_build_object('ref', b.ref, 'reason', $3::text, 'closure', $4::bigint)
		FROM unnest($5::bigint[], $6::text[]) AS b(id, ref)`, kind, actor, cl.Reason, closureID, ids, refs)
	batch.Queue(`INSERT INTO outbox (kind, channel, recipient, booking_id, payload, due_at)
		SELECT n.kind, n.channel, n.recipient, n.booking_id, n.payload::jsonb, coalesce(n.due_at, now())
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[])
			AS n(kind, channel, recipient, booking_id, payload, due_at)`,
		n.kinds, n.channels, n.recipients, nids, n.payloads, n.dues)
	return tx.SendBatch(ctx, batch).Close()
}

// insertClosure takes the department's closure lock exclusively and
// stores c, returning its ID. The lock waits for bookings and moves in
// flight in the department and holds new ones until the transaction ends
// (see Insert and Move), so whatever the transaction reads or changes next
// about the closed days misses no booking and no booking slips onto them.
func insertClosure(ctx context.Context, tx pgx.Tx, c booking.Closure, a booking.Actor) (int64, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, closureLockClass, c.Department); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO closures (department, desk, from_day, to_day, reason_el, reason_en, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		c.Department, c.Desk, dateValue(c.From), dateValue(c.To), c.Reason.EL, c.Reason.EN, a.ID).Scan(&id)
	return id, err
}

// checkClosure refuses a closure whose days or span are out of order or
// missing: a closure without its span would cover no booking.
func checkClosure(nc booking.NewClosure) error {
	c := nc.Closure
	if c.To.Before(c.From) {
		return booking.Errorf(booking.EInvalid, "closure ends %s before it starts %s", c.To, c.From)
	}
	if !nc.Start.Before(nc.End) {
		return booking.Errorf(booking.EInvalid, "closure of %s to %s spans %s to %s", c.From, c.To, nc.Start, nc.End)
	}
	return nil
}

// closeDetails is the audit detail of a closure that covers n bookings.
func closeDetails(id int64, c booking.Closure, n int) map[string]any {
	return map[string]any{
		"closure": id, "department": c.Department, "desk": c.Desk,
		"from": c.From.String(), "to": c.To.String(), "covers": n,
	}
}

// closureLockClass is the first key of the per-department advisory lock
// that orders closures against bookings ("clos"); the second is a hash of
// the department code, and two departments sharing a hash only wait for
// each other a little longer.
const closureLockClass = int32(0x636c6f73)

// moveLockClass is the first key of the per-department advisory lock that
// queues moves ("move"); see Move.
const moveLockClass = int32(0x6d6f7665)

// lockClosuresShared takes the department's closure lock in shared mode
// until the transaction ends: bookings do not wait for one another.
const lockClosuresShared = `SELECT pg_advisory_xact_lock_shared($1, hashtext($2))`

// dateValue is d as a date PostgreSQL reads without time-zone surprises.
func dateValue(d booking.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}
