// Package postgres implements booking.Store on PostgreSQL with pgx: the
// bookings (whose exclusion constraint is the one guarantee against
// overbooking), closures, citizens, the audit log and the transactional
// outbox, plus the migration runner.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
)

// Store is the PostgreSQL booking.Store. It knows no time zone: the
// office's days come with each request (see booking.NewBooking.Day).
type Store struct {
	pool *pgxpool.Pool
}

var _ booking.Store = (*Store)(nil)

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// inTx runs fn in a transaction, committing if it returns nil and rolling
// back otherwise (a failed statement poisons the transaction: 25P02).
//
// A transaction that PostgreSQL aborted to break a deadlock is run again
// (fn must only assign what it returns, as every caller does): two moves
// into the same slot can deadlock, since an UPDATE checks the exclusion
// constraint by waiting for a conflicting row still in flight, and each may
// wait for the other. The retry then sees the winner and gets the friendly
// "slot just taken" instead of an internal error.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tx(ctx, fn)
		if !deadlocked(err) || attempt == maxDeadlockRetries || ctx.Err() != nil {
			return err
		}
	}
}

// maxDeadlockRetries bounds the runs of one transaction that keeps being
// chosen as a deadlock's victim.
const maxDeadlockRetries = 5

func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// wrap prefixes err with the operation unless it is a domain error, which
// callers switch on and which already says what went wrong.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var be *booking.Error
	if errors.As(err, &be) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// writeChange writes the audit row of a change and its notifications in
// one round trip. bookingID 0 means not about one booking; otherwise it is
// the BookingID of every notification. The audit row is dated at, the
// Office's clock (the changes limit counts by it), or the database's when
// at is zero.
func writeChange(ctx context.Context, tx pgx.Tx, a booking.Actor, action string, bookingID int64, at time.Time, details map[string]any, ns []booking.Notification) error {
	d, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var when any
	if !at.IsZero() {
		when = at
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO audit_log (at, actor_kind, actor_id, action, booking_id, details)
		VALUES (coalesce($6::timestamptz, now()), $1, $2, $3, $4, $5)`, string(actorKind(a)), a.ID, action, nullID(bookingID), d, when)
	for _, n := range ns {
		id := n.BookingID
		if bookingID != 0 {
			id = bookingID
		}
		var due any
		if !n.DueAt.IsZero() {
			due = n.DueAt
		}
		b.Queue(`INSERT INTO outbox (kind, channel, recipient, booking_id, payload, due_at, delivered_at)
			VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), CASE WHEN $7 THEN now() END)`,
			string(n.Kind), string(n.Channel), n.Recipient, nullID(id), payloadText(n.Payload), due, n.InChat)
	}
	return tx.SendBatch(ctx, b).Close()
}

// countChanges counts a citizen's changes (the audit actions of booking,
// cancelling and moving) since $2, through migration 007's index.
const countChanges = `SELECT count(*) FROM audit_log
	WHERE actor_kind = 'citizen' AND actor_id = $1 AND action IN ('book', 'cancel', 'reschedule') AND at > $2`

// checkChanges refuses a's change with ETooOften when a is a citizen who
// made max changes within the window before now already (max 0: no
// limit). Called in the change's transaction, after the booking's row lock.
func checkChanges(ctx context.Context, tx pgx.Tx, a booking.Actor, max int, now time.Time) error {
	if max <= 0 || a.Kind != booking.ActorCitizen {
		return nil
	}
	if now.IsZero() {
		now = time.Now()
	}
	var n int
	if err := tx.QueryRow(ctx, countChanges, a.ID, now.Add(-booking.ChangeWindow)).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return booking.Errorf(booking.ETooOften, "citizen %s made %d changes within %s (max %d)", a.ID, n, booking.ChangeWindow, max)
	}
	return nil
}

// actorKind is a's kind, the system when unset.
func actorKind(a booking.Actor) booking.ActorKind {
	if a.Kind == "" {
		return booking.ActorSystem
	}
	return a.Kind
}

// dropReminders deletes the booking's reminders that have not gone out yet:
// a cancelled or moved booking must not be reminded of its old time.
func dropReminders(ctx context.Context, tx pgx.Tx, bookingID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM outbox WHERE booking_id = $1 AND kind = $2
		AND delivered_at IS NULL AND parked_at IS NULL`, bookingID, string(booking.NotifyReminder))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
