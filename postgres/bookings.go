package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// bookingColumns are scanned by scanBooking, in this order.
// The citizen's Telegram account is read as it is now, not as it was at
// booking: a citizen booked by phone who links their account later is
// told on Telegram from then on.
const bookingColumns = bookingColumnsHead + `coalesce((SELECT c.telegram_id FROM citizens c WHERE c.id = bookings.citizen), 0)` + bookingColumnsTail

// bookingColumnsOf are bookingColumns for rows whose citizen's Telegram
// account the query knows already (telegramID, an SQL expression): no
// look-up of the citizen per row.
func bookingColumnsOf(telegramID string) string {
	return bookingColumnsHead + telegramID + bookingColumnsTail
}

const (
	bookingColumnsHead = `id, ref, department, service, desk, lower(during), upper(during), status, citizen, `
	bookingColumnsTail = `, name, phone, lang, via, cancel_reason, created_at,
	CASE WHEN status = 'offered' THEN held_until END`
)

func scanBooking(row pgx.Row) (booking.Booking, error) {
	var b booking.Booking
	var status, lang, via string
	var held *time.Time
	err := row.Scan(&b.ID, &b.Ref, &b.Department, &b.Service, &b.Desk, &b.Start, &b.End, &status,
		&b.Citizen.ID, &b.Citizen.TelegramID, &b.Citizen.Name, &b.Citizen.Phone, &lang, &via, &b.CancelReason, &b.CreatedAt, &held)
	if held != nil {
		b.HeldUntil = *held
	}
	b.Status = booking.Status(status)
	b.Citizen.Lang = booking.Lang(lang)
	b.Via = booking.Via(via)
	return b, err
}

func collectBookings(rows pgx.Rows) ([]booking.Booking, error) {
	defer rows.Close()
	var out []booking.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (s *Store) byIdempotencyKey(ctx context.Context, key string) (booking.Booking, error) {
	b, err := scanBooking(s.pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE idempotency_key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "no booking with that idempotency key")
	}
	return b, err
}

// lockBooking locks the booking ref $1 to the end of the transaction and
// returns it as it is then.
const lockBooking = `SELECT ` + bookingColumns + ` FROM bookings WHERE ref = $1 FOR UPDATE`

// lockActive locks the booking ref for the rest of tx and checks that it is
// still active.
func lockActive(ctx context.Context, tx pgx.Tx, ref string) (booking.Booking, error) {
	b, err := scanBooking(tx.QueryRow(ctx, lockBooking, ref))
	return active(ref, b, err)
}

// active is b, the booking ref as lockBooking read it (err its error),
// when it exists and is active: ENotFound or EConflict otherwise.
func active(ref string, b booking.Booking, err error) (booking.Booking, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "no booking %q", ref)
	}
	if err != nil {
		return booking.Booking{}, err
	}
	if b.Status != booking.Active {
		return b, booking.Errorf(booking.EConflict, "booking %s is %s", ref, b.Status)
	}
	return b, nil
}

// changedColumns are bookingColumns of the row of u, a CTE of at most
// one changed bookings row, in a query that LEFT JOINs it: zeros when u
// is empty (the change was refused), so that scanBooking reads an ID 0.
func changedColumns(u string) string {
	return `coalesce(` + u + `.id, 0), coalesce(` + u + `.ref, ''), coalesce(` + u + `.department, ''), coalesce(` + u + `.service, ''),
	coalesce(` + u + `.desk, ''), coalesce(lower(` + u + `.during), 'epoch'), coalesce(upper(` + u + `.during), 'epoch'),
	coalesce(` + u + `.status, ''), coalesce(` + u + `.citizen, 0),
	coalesce((SELECT c.telegram_id FROM citizens c WHERE c.id = ` + u + `.citizen), 0),
	coalesce(` + u + `.name, ''), coalesce(` + u + `.phone, ''), coalesce(` + u + `.lang, ''), coalesce(` + u + `.via, ''),
	coalesce(` + u + `.cancel_reason, ''), coalesce(` + u + `.created_at, 'epoch'),
	CASE WHEN ` + u + `.status = 'offered' THEN ` + u + `.held_until END`
}

// withHead is a row whose Scan fills head and then its own columns: the
// columns a statement returns before a booking's.
type withHead struct {
	row  pgx.Row
	head []any
}

func (w withHead) Scan(dest ...any) error { return w.row.Scan(append(w.head, dest...)...) }

// retryDeadlocked runs one pipelined transaction, attempt, again when
// PostgreSQL aborted it to break a deadlock (as inTx does): it changed
// nothing, and its locks are gone.
func retryDeadlocked(ctx context.Context, attempt func() error) error {
	for try := 1; ; try++ {
		err := attempt()
		if !deadlocked(err) || try == maxDeadlockRetries || ctx.Err() != nil {
			return err
		}
	}
}

// Move moves the booking to the first free desk of m.Desks at the new time
// by updating its row in place: the exclusion constraint judges the new
// range against every other active booking, and the old slot stays the
// citizen's unless the new one is taken.
//
// Each desk is one attempt, one transaction of four statements sent as one
// pipeline (one round trip; pipelinedTx):
//
//	closure lock, shared, and move lock  -- of the booking's department
//	lock the booking                     -- returns it as it was
//	release holds                        -- run out, or the citizen's own (holds.go)
//	move                                 -- status, changes limit, closure; then the update with its request key, reminders dropped, audit and outbox rows
//
// The release and the move check the same conditions (moveChecks) and
// act only when all hold, so a refused move writes nothing; the release
// is a statement of its own because the update must see the holds it
// ended, which a CTE of the same statement would not. The last statement
// returns what it found, the closures of m.Day and the changes counted,
// for Go to tell why nothing moved. When the update breaks the exclusion
// constraint the whole attempt rolls back (its request key too) and the
// next desk is a new attempt; after the last, ESlotTaken.
func (s *Store) Move(ctx context.Context, m booking.Move) (booking.Booking, error) {
	if m.IdempotencyKey != "" {
		if b, ok, err := s.byRequestKey(ctx, m.IdempotencyKey); err != nil {
			return booking.Booking{}, wrap("move", err)
		} else if ok {
			return b, nil
		}
	}
	if m.Day == (booking.Date{}) {
		// Without its day the closures could not be checked.
		return booking.Booking{}, booking.Errorf(booking.EInvalid, "move: no day")
	}
	if len(m.Desks) == 0 {
		return booking.Booking{}, booking.Errorf(booking.EInvalid, "move: no candidate desk")
	}
	notify := changeColumnsOf(m.Notify)
	since := changesSince(m.Now)
	// The desks not known closed, in order: each attempt reads the
	// closures of the day under its lock, as openDesks did once for all.
	desks := m.Desks
	for len(desks) > 0 {
		desk := desks[0]
		desks = desks[1:]
		var r moveResult
		err := retryDeadlocked(ctx, func() error {
			var err error
			r, err = s.moveAttempt(ctx, m, desk, since, notify)
			return err
		})
		if m.IdempotencyKey != "" && uniqueOn(err, constraintRequestKey) {
			// A repeat of the request moved the booking meanwhile.
			if got, ok, kerr := s.byRequestKey(ctx, m.IdempotencyKey); kerr == nil && ok {
				return got, nil
			}
		}
		if overlaps(err) {
			continue // taken by a booking in flight when t looked: the next desk
		}
		if err != nil {
			return booking.Booking{}, wrap("move", err)
		}
		if r.moved.ID != 0 {
			return r.moved, nil
		}
		old, err := active(m.Ref, r.old, r.oldErr)
		if err != nil {
			return booking.Booking{}, wrap("move", err)
		}
		if limited(m.Actor, m.MaxChanges) && r.changes >= m.MaxChanges {
			return booking.Booking{}, tooOften(m.Actor, r.changes, m.MaxChanges)
		}
		if len(withoutClosed(m.Desks, r.closed)) == 0 {
			return booking.Booking{}, booking.Errorf(booking.EClosed, "%s closed on %s", old.Department, m.Day)
		}
		if len(withoutClosed([]string{desk}, r.closed)) == 0 {
			desks = withoutClosed(desks, r.closed)
			continue // closed: the next open desk
		}
		if r.taken {
			continue // taken: the next desk
		}
		return booking.Booking{}, fmt.Errorf("postgres: move: booking %s not moved to desk %s for no known reason", m.Ref, desk)
	}
	return booking.Booking{}, booking.Errorf(booking.ESlotTaken, "no free desk at %s", m.Start.UTC().Format(time.RFC3339))
}

// moveResult is what one attempt of a move found under its locks.
type moveResult struct {
	old     booking.Booking // the booking before the move, as lockBooking read it
	oldErr  error           // pgx.ErrNoRows when there is none
	closed  []string        // the desks closed on the day ("" all of them)
	changes int             // the actor's changes within booking.ChangeWindow, when limited
	taken   bool            // the place is another booking's or a hold's
	moved   booking.Booking // the booking moved; ID 0 when not
}

// moveLocks orders a move against closures, then against the other moves
// of its department (Move).
//
// The closure lock comes before the booking's row lock, the order
// CloseAndCancel takes them in; the other way round the two would
// deadlock.
//
// Then one move at a time per department. An UPDATE checks the exclusion
// constraint by waiting for any conflicting row still in flight, so two
// moves into the same place could each wait for the other; under load
// PostgreSQL then kept aborting one and the retries deadlocked again.
// (Insert is immune: ON CONFLICT never holds its row while it waits.) A
// move's attempt is one round trip, so queueing them per department costs
// nothing a citizen notices.
const moveLocks = `SELECT pg_advisory_xact_lock_shared($1, hashtext(department)),
	pg_advisory_xact_lock($3, hashtext(department))
	FROM bookings WHERE ref = $2`

// moveChecks are the CTEs that decide whether the booking ref $1 moves to
// desk $2 at [$3, $4): old is the booking, lim what the move depends on
// (the closures of its department on day $5, and the changes of the actor
// of kind $8 and ID $9 since $10 when limited to $7), ok the booking when
// it is active, the desk open and the changes under the limit, else
// empty. $6 is the attempt's now (NULL: none given).
var moveChecks = `old AS (
		SELECT id, ref, department, citizen, desk, lower(during) AS start, status FROM bookings WHERE ref = $1
	), lim AS (
		SELECT ARRAY(SELECT DISTINCT c.desk FROM closures c, old
				WHERE c.department = old.department AND c.from_day <= $5 AND c.to_day >= $5) AS closed,
			` + changesWithin("$7", "$8", "$9", "$10") + ` AS changes
	), ok AS (
		SELECT old.* FROM old, lim WHERE old.status = 'active'
			AND NOT ('' = ANY (lim.closed) OR $2::text = ANY (lim.closed))
			AND ($7::int = 0 OR lim.changes < $7)
	)`

// moveRelease releases the holds on the move's target place (releaseHoldsOf)
// when the move may go ahead.
var moveRelease = `WITH ` + moveChecks + ` ` +
	releaseHoldsOf(`(SELECT department FROM ok)`, `(SELECT citizen FROM ok)`, `$6::timestamptz`)

// moveBooking moves the booking when moveChecks let it and the place is
// free (t), with the request key $11 (none when NULL), its reminders
// (kind $12) dropped, its audit row and its outbox rows ($13 on,
// changeOutbox) in the same statement; when the update does nothing,
// neither do they. It returns what lim and t found and the booking moved.
//
// t asks the exclusion constraint's question (migration 006) before the
// update does: a place already taken by a committed booking or hold is an
// answer, not an error. An error would abort the transaction, write the
// whole statement to the server's log and make pgx forget the prepared
// statement, to parse and plan it again on its next use; at 09:00 most
// moves find their first desk taken. Only a booking still in flight when
// t looked is left to the constraint (overlaps).
var moveBooking = `WITH ` + moveChecks + `, t AS (
		SELECT EXISTS (SELECT 1 FROM bookings x, old WHERE x.department = old.department AND x.desk = $2
			AND x.during && tstzrange($3, $4, '[)') AND (x.status = 'active' OR x.held_until IS NOT NULL)
			AND x.id <> old.id) AS taken
	), u AS (
		UPDATE bookings b SET desk = $2, during = tstzrange($3, $4, '[)'), updated_at = now()
		FROM ok, t WHERE b.id = ok.id AND NOT t.taken
		RETURNING b.*
	), k AS (
		INSERT INTO request_keys (key, booking_id) SELECT $11::text, u.id FROM u WHERE $11::text IS NOT NULL
	), r AS (
		` + dropRemindersOf("u", "$12::text") + `
	), a AS (
		INSERT INTO audit_log (at, actor_kind, actor_id, action, booking_id, details)
		SELECT coalesce($6::timestamptz, now()), $8, $9, 'reschedule', u.id, jsonb_build_object('ref', u.ref,
			'from_desk', ok.desk, 'from_start', ok.start, 'desk', u.desk, 'start', lower(u.during), 'end', upper(u.during))
		FROM u, ok
	), o AS (
		` + changeOutbox("u", 13) + `
	)
	SELECT lim.closed, lim.changes, t.taken, ` + changedColumns("u") + ` FROM lim CROSS JOIN t LEFT JOIN u ON true`

// moveAttempt runs one attempt of m at desk as one pipelined transaction.
func (s *Store) moveAttempt(ctx context.Context, m booking.Move, desk string, since time.Time, n changeColumns) (moveResult, error) {
	var now any
	if !m.Now.IsZero() {
		now = m.Now
	}
	checks := []any{m.Ref, desk, m.Start, m.End, dateValue(m.Day), now, m.MaxChanges, string(actorKind(m.Actor)), m.Actor.ID, since}
	var r moveResult
	err := s.pipelinedTx(ctx, func(b *pgx.Batch) {
		b.Queue(moveLocks, closureLockClass, m.Ref, moveLockClass)
		b.Queue(lockBooking, m.Ref)
		b.Queue(moveRelease, checks...)
		b.Queue(moveBooking, append(append(slices.Clone(checks), nullString(m.IdempotencyKey), string(booking.NotifyReminder)), n.args()...)...)
	}, func(br pgx.BatchResults) error {
		if err := execN(br, 1); err != nil {
			return err
		}
		r.old, r.oldErr = scanBooking(br.QueryRow())
		if r.oldErr != nil && !errors.Is(r.oldErr, pgx.ErrNoRows) {
			return r.oldErr
		}
		if err := execN(br, 1); err != nil {
			return err
		}
		var err error
		r.moved, err = scanBooking(withHead{br.QueryRow(), []any{&r.closed, &r.changes, &r.taken}})
		return err
	})
	return r, err
}

// BookingByIdempotencyKey returns the booking inserted under key.
func (s *Store) BookingByIdempotencyKey(ctx context.Context, key string) (booking.Booking, error) {
	b, err := s.byIdempotencyKey(ctx, key)
	return b, wrap("booking by idempotency key", err)
}

// BookingByRequestKey returns the booking that the move with key changed.
func (s *Store) BookingByRequestKey(ctx context.Context, key string) (booking.Booking, error) {
	b, ok, err := s.byRequestKey(ctx, key)
	if err == nil && !ok {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "no move with that idempotency key")
	}
	return b, wrap("booking by request key", err)
}

func (s *Store) byRequestKey(ctx context.Context, key string) (booking.Booking, bool, error) {
	b, err := scanBooking(s.pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE id = (SELECT booking_id FROM request_keys WHERE key = $1)`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Booking{}, false, nil
	}
	return b, err == nil, err
}

// Cancel cancels an active booking and drops its pending reminders. With
// c.HoldUntil the cancelled row keeps its place under the exclusion
// constraint until then (migration 006).
//
// It is one transaction of two statements sent as one pipeline (one round
// trip; pipelinedTx): the first locks the booking and returns it as it
// was, the second (cancelBooking) cancels it only when it is active and
// the actor's changes are under the limit, with its reminders dropped,
// its audit row and its outbox rows, and returns the changes it counted,
// for Go to tell why nothing was written.
func (s *Store) Cancel(ctx context.Context, c booking.Cancel) (booking.Booking, error) {
	var hold, at any
	if !c.HoldUntil.IsZero() {
		hold = c.HoldUntil
	}
	if !c.Now.IsZero() {
		at = c.Now
	}
	args := append([]any{c.Ref, c.Reason, hold, c.MaxChanges, string(actorKind(c.Actor)), c.Actor.ID,
		changesSince(c.Now), at, string(booking.NotifyReminder)}, changeColumnsOf(c.Notify).args()...)
	var old, b booking.Booking
	var oldErr error
	var changes int
	err := retryDeadlocked(ctx, func() error {
		return s.pipelinedTx(ctx, func(batch *pgx.Batch) {
			batch.Queue(lockBooking, c.Ref)
			batch.Queue(cancelBooking, args...)
		}, func(br pgx.BatchResults) error {
			old, oldErr = scanBooking(br.QueryRow())
			if oldErr != nil && !errors.Is(oldErr, pgx.ErrNoRows) {
				return oldErr
			}
			var err error
			b, err = scanBooking(withHead{br.QueryRow(), []any{&changes}})
			return err
		})
	})
	if err != nil {
		return booking.Booking{}, wrap("cancel", err)
	}
	if b.ID != 0 {
		return b, nil
	}
	if _, err := active(c.Ref, old, oldErr); err != nil {
		return booking.Booking{}, err
	}
	if limited(c.Actor, c.MaxChanges) && changes >= c.MaxChanges {
		return booking.Booking{}, tooOften(c.Actor, changes, c.MaxChanges)
	}
	return booking.Booking{}, fmt.Errorf("postgres: cancel: booking %s not cancelled for no known reason", c.Ref)
}

// cancelBooking cancels the booking ref $1 (reason $2, held until $3)
// when it is active and the changes of the actor of kind $5 and ID $6
// since $7 are under the limit $4, with its reminders (kind $9) dropped,
// its audit row (at $8, NULL: now) and its outbox rows ($10 on,
// changeOutbox) in the same statement; when the update does nothing,
// neither do they. It returns the changes counted and the booking
// cancelled.
var cancelBooking = `WITH lim AS (
		SELECT ` + changesWithin("$4", "$5", "$6", "$7") + ` AS changes
	), u AS (
		UPDATE bookings b SET status = 'cancelled', cancel_reason = $2, held_until = $3, updated_at = now()
		FROM lim WHERE b.ref = $1 AND b.status = 'active' AND ($4::int = 0 OR lim.changes < $4)
		RETURNING b.*
	), r AS (
		` + dropRemindersOf("u", "$9::text") + `
	), a AS (
		INSERT INTO audit_log (at, actor_kind, actor_id, action, booking_id, details)
		SELECT coalesce($8::timestamptz, now()), $5, $6, 'cancel', u.id, jsonb_build_object('ref', u.ref, 'reason', $2::text)
		FROM u
	), o AS (
		` + changeOutbox("u", 10) + `
	)
	SELECT lim.changes, ` + changedColumns("u") + ` FROM lim LEFT JOIN u ON true`

// SetStatus records attended or no-show for an active booking.
func (s *Store) SetStatus(ctx context.Context, ref string, st booking.Status, a booking.Actor) (booking.Booking, error) {
	if st != booking.Attended && st != booking.NoShow {
		return booking.Booking{}, booking.Errorf(booking.EInvalid, "set status: %q is not attended or no_show", st)
	}
	var b booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := lockActive(ctx, tx, ref)
		if err != nil {
			return err
		}
		b, err = scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET status = $2, updated_at = now()
			WHERE id = $1 RETURNING `+bookingColumns, old.ID, string(st)))
		if err != nil {
			return err
		}
		if err := dropReminders(ctx, tx, b.ID); err != nil {
			return err
		}
		return writeChange(ctx, tx, a, string(st), b.ID, time.Time{}, map[string]any{"ref": b.Ref}, nil)
	})
	if err != nil {
		return booking.Booking{}, wrap("set status", err)
	}
	return b, nil
}

// openDesks returns those of desks of dept not closed on day, EClosed
// when none is; the caller holds the closure lock, so none is added
// before it commits.
func openDesks(ctx context.Context, tx pgx.Tx, dept string, day booking.Date, desks []string) ([]string, error) {
	var closed []string
	if err := tx.QueryRow(ctx, `SELECT ARRAY(SELECT DISTINCT desk FROM closures WHERE department = $1 AND from_day <= $2 AND to_day >= $2)`,
		dept, dateValue(day)).Scan(&closed); err != nil {
		return nil, err
	}
	if desks = withoutClosed(desks, closed); len(desks) == 0 {
		return nil, booking.Errorf(booking.EClosed, "%s closed on %s", dept, day)
	}
	return desks, nil
}

// withoutClosed returns desks minus those closed ("" closes them all).
func withoutClosed(desks, closed []string) []string {
	if slices.Contains(closed, "") {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(desks), func(d string) bool { return slices.Contains(closed, d) })
}

// Unmark puts the attended or no-show booking ref back to active, with its
// audit row. Its place cannot have been taken meanwhile: the booking had
// started, and nobody books the past.
func (s *Store) Unmark(ctx context.Context, ref string, a booking.Actor) (booking.Booking, error) {
	var b booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		b, err = scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET status = 'active', updated_at = now()
			WHERE ref = $1 AND status IN ('attended', 'no_show') RETURNING `+bookingColumns, ref))
		if errors.Is(err, pgx.ErrNoRows) {
			return booking.Errorf(booking.EConflict, "booking %s is not marked", ref)
		}
		if err != nil {
			return err
		}
		return writeChange(ctx, tx, a, "unmark", b.ID, time.Time{}, map[string]any{"ref": b.Ref}, nil)
	})
	if err != nil {
		return booking.Booking{}, wrap("unmark", err)
	}
	return b, nil
}
