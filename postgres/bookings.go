package postgres

import (
	"context"
	"errors"
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

// lockActive locks the booking ref for the rest of tx and checks that it is
// still active.
func lockActive(ctx context.Context, tx pgx.Tx, ref string) (booking.Booking, error) {
	b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE ref = $1 FOR UPDATE`, ref))
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

// Move moves the booking to the first free desk of m.Desks at the new time
// by updating its row in place: the exclusion constraint judges the new
// range against every other active booking, and if every desk is refused the
// transaction rolls back and the old slot stays the citizen's.
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
	var b booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// As in Insert: order the move against closures. The closure lock
		// comes before the booking's row lock, the order CloseAndCancel
		// takes them in; the other way round the two would deadlock.
		//
		// Then one move at a time per department. An UPDATE checks the
		// exclusion constraint by waiting for any conflicting row still in
		// flight, so two moves into the same place could each wait for
		// the other; under load PostgreSQL then kept aborting one and the
		// retries deadlocked again. (Insert is immune: ON CONFLICT never
		// holds its row while it waits.) Moves are short and rare, so
		// queueing them per department costs nothing a citizen notices.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, hashtext(department)),
			pg_advisory_xact_lock($3, hashtext(department))
			FROM bookings WHERE ref = $2`, closureLockClass, m.Ref, moveLockClass); err != nil {
			return err
		}
		old, err := lockActive(ctx, tx, m.Ref)
		if err != nil {
			return err
		}
		if err := checkChanges(ctx, tx, m.Actor, m.MaxChanges, m.Now); err != nil {
			return err
		}
		if m.Desks, err = openDesks(ctx, tx, old.Department, m.Day, m.Desks); err != nil {
			return err
		}
		if m.IdempotencyKey != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO request_keys (key, booking_id) VALUES ($1, $2)`, m.IdempotencyKey, old.ID); err != nil {
				return err
			}
		}
		b, err = moveToFirstFreeDesk(ctx, tx, old.ID, old.Citizen.ID, old.Department, m)
		if err != nil {
			return err
		}
		if err := dropReminders(ctx, tx, b.ID); err != nil {
			return err
		}
		return writeChange(ctx, tx, m.Actor, "reschedule", b.ID, m.Now, map[string]any{
			"ref": b.Ref, "from_desk": old.Desk, "from_start": old.Start, "desk": b.Desk, "start": b.Start, "end": b.End,
		}, m.Notify)
	})
	if m.IdempotencyKey != "" && uniqueOn(err, constraintRequestKey) {
		if got, ok, kerr := s.byRequestKey(ctx, m.IdempotencyKey); kerr == nil && ok {
			return got, nil
		}
	}
	if err != nil {
		return booking.Booking{}, wrap("move", err)
	}
	return b, nil
}

// moveToFirstFreeDesk moves booking id, of citizen, to the first desk of
// m.Desks where the exclusion constraint lets it, after releasing the holds
// there that ran out or are the citizen's own.
func moveToFirstFreeDesk(ctx context.Context, tx pgx.Tx, id, citizen int64, department string, m booking.Move) (booking.Booking, error) {
	for _, desk := range m.Desks {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return booking.Booking{}, err
		}
		if _, err := sp.Exec(ctx, releaseHolds, department, desk, m.Start, m.End, m.Now, citizen); err != nil {
			_ = sp.Rollback(ctx)
			return booking.Booking{}, err
		}
		b, err := scanBooking(sp.QueryRow(ctx, `UPDATE bookings SET desk = $2, during = tstzrange($3, $4, '[)'), updated_at = now()
			WHERE id = $1 RETURNING `+bookingColumns, id, desk, m.Start, m.End))
		if err == nil {
			if err := sp.Commit(ctx); err != nil {
				return booking.Booking{}, err
			}
			return b, nil
		}
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return booking.Booking{}, rbErr
		}
		if !overlaps(err) {
			return booking.Booking{}, err
		}
	}
	return booking.Booking{}, booking.Errorf(booking.ESlotTaken, "no free desk at %s", m.Start.UTC().Format(time.RFC3339))
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
func (s *Store) Cancel(ctx context.Context, c booking.Cancel) (booking.Booking, error) {
	var b booking.Booking
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := lockActive(ctx, tx, c.Ref)
		if err != nil {
			return err
		}
		if err := checkChanges(ctx, tx, c.Actor, c.MaxChanges, c.Now); err != nil {
			return err
		}
		var hold any
		if !c.HoldUntil.IsZero() {
			hold = c.HoldUntil
		}
		b, err = scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET status = 'cancelled', cancel_reason = $2, held_until = $3, updated_at = now()
			WHERE id = $1 RETURNING `+bookingColumns, old.ID, c.Reason, hold))
		if err != nil {
			return err
		}
		if err := dropReminders(ctx, tx, b.ID); err != nil {
			return err
		}
		return writeChange(ctx, tx, c.Actor, "cancel", b.ID, c.Now, map[string]any{"ref": b.Ref, "reason": c.Reason}, c.Notify)
	})
	if err != nil {
		return booking.Booking{}, wrap("cancel", err)
	}
	return b, nil
}

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
