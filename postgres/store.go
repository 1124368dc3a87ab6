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
	"strconv"
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
// (fn must only assign what it returns, as every caller does): two
// transactions moving bookings into the same slot can deadlock, since an
// UPDATE checks the exclusion constraint by waiting for a conflicting row
// still in flight, and each may wait for the other. The retry then sees
// the winner and gets the friendly "slot just taken" instead of an
// internal error. The pipelined Cancel and Move retry their attempts the
// same way (retryDeadlocked).
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

// changesWithin counts, for the changes limit, the changes (the audit
// actions of booking, cancelling and moving, through migration 007's
// index) of the actor of kind and id since since, when max is positive
// and the actor is a citizen; otherwise it is 0, and nothing is read. All
// four are SQL expressions (parameters), so that one statement counts and
// acts on the count.
func changesWithin(max, kind, id, since string) string {
	return `CASE WHEN ` + max + `::int > 0 AND ` + kind + `::text = 'citizen' THEN (SELECT count(*) FROM audit_log
		WHERE actor_kind = 'citizen' AND actor_id = ` + id + ` AND action IN ('book', 'cancel', 'reschedule')
			AND at > ` + since + `::timestamptz) ELSE 0 END`
}

// changesSince is where the changes window before now starts; a zero now
// is the present.
func changesSince(now time.Time) time.Time {
	if now.IsZero() {
		now = time.Now()
	}
	return now.Add(-booking.ChangeWindow)
}

// tooOften is the refusal of a's change when a, a citizen, made n changes
// within the window already (max of them allowed).
func tooOften(a booking.Actor, n, max int) error {
	return booking.Errorf(booking.ETooOften, "citizen %s made %d changes within %s (max %d)", a.ID, n, booking.ChangeWindow, max)
}

// limited says a change by a is subject to the changes limit max.
func limited(a booking.Actor, max int) bool {
	return max > 0 && a.Kind == booking.ActorCitizen
}

// changeColumns are a change's notifications as the arrays changeOutbox
// unnests, meaning what writeChange gives them: a zero DueAt is the
// database's now(), and a notification shown in the chat (InChat) is
// delivered then.
type changeColumns struct {
	kinds, channels, recipients []string
	payloads                    []*string
	dues                        []*time.Time
	inChat                      []bool
}

func changeColumnsOf(ns []booking.Notification) changeColumns {
	c := changeColumns{kinds: []string{}, channels: []string{}, recipients: []string{}, payloads: []*string{}, dues: []*time.Time{}, inChat: []bool{}}
	for _, n := range ns {
		c.kinds = append(c.kinds, string(n.Kind))
		c.channels = append(c.channels, string(n.Channel))
		c.recipients = append(c.recipients, n.Recipient)
		c.payloads = append(c.payloads, payloadText(n.Payload))
		var due *time.Time
		if !n.DueAt.IsZero() {
			due = &n.DueAt
		}
		c.dues = append(c.dues, due)
		c.inChat = append(c.inChat, n.InChat)
	}
	return c
}

// args are c's arrays, the six parameters from the first of changeOutbox.
func (c changeColumns) args() []any {
	return []any{c.kinds, c.channels, c.recipients, c.payloads, c.dues, c.inChat}
}

// changeOutbox inserts the notifications of a change (changeColumns, in
// the six parameters from $first) for each booking u, a CTE of changed
// bookings rows: writeChange's outbox rows, in a statement of their change.
func changeOutbox(u string, first int) string {
	p := func(i int) string { return "$" + strconv.Itoa(first+i) }
	return `INSERT INTO outbox (kind, channel, recipient, booking_id, payload, due_at, delivered_at)
		SELECT n.kind, n.channel, n.recipient, ` + u + `.id, n.payload::jsonb, coalesce(n.due_at, now()), CASE WHEN n.in_chat THEN now() END
		FROM ` + u + `, unnest(` + p(0) + `::text[], ` + p(1) + `::text[], ` + p(2) + `::text[], ` + p(3) + `::text[], ` +
		p(4) + `::timestamptz[], ` + p(5) + `::bool[]) WITH ORDINALITY AS n(kind, channel, recipient, payload, due_at, in_chat, i)
		ORDER BY n.i`
}

// dropRemindersOf deletes the reminders not sent yet of the bookings of u,
// a CTE of changed bookings rows (dropReminders in a statement of the
// change); reminder is the SQL text of booking.NotifyReminder.
func dropRemindersOf(u, reminder string) string {
	return `DELETE FROM outbox WHERE booking_id IN (SELECT id FROM ` + u + `) AND kind = ` + reminder + `
		AND delivered_at IS NULL AND parked_at IS NULL`
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
	_, err := tx.Exec(ctx, `WITH b AS (SELECT $1::bigint AS id) `+dropRemindersOf("b", "$2::text"), bookingID, string(booking.NotifyReminder))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
