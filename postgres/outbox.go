package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
)

// Outbox is the delivery side of the transactional outbox: the booking
// store writes rows in the same transaction as each change, and any number
// of workers, in any number of replicas, claim and deliver them.
//
// A claim is a lease, not a lock held across the delivery: the claiming
// statement commits at once, so no transaction stays open while a message
// waits for Telegram's rate limits, and a worker that dies leaves rows that
// any worker may claim again when their lease runs out.
//
// Every write of the delivery side (the claim, its renewal, and the marks
// Delivered, Retry and Park) is a soft write (softTx): its commit does not
// wait for the WAL to reach the disk. It is atomic and visible to every
// other session at once all the same (only its durability waits, for the
// WAL writer, a few hundred milliseconds), so while the server runs, two
// claims never overlap and a mark is seen by the next claim. What a crash
// of the server can lose is the last moments' writes, and none of them is
// worth a flush of its own: a lost Delivered mark sends the notification
// once more (at least once, as for a worker that dies between the send and
// its mark); a lost claim, renewal, Retry or Park leaves the row claimable
// again (after a lost claim, at once, though a worker may still be sending
// it: one more duplicate of the same kind). A lost claim also loses the
// attempt it counted; only a row that crashed the server itself each time
// could repeat that forever. The rows themselves are written durably, with
// the booking change they tell of.
type Outbox struct {
	pool *pgxpool.Pool
}

// NewOutbox returns the outbox over pool.
func NewOutbox(pool *pgxpool.Pool) *Outbox { return &Outbox{pool: pool} }

// Claim leases up to limit due rows for lease and returns them oldest first.
// Each claim counts as an attempt, so a row that kills its worker every time
// is parked in the end instead of looping forever.
func (o *Outbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]booking.Claimed, error) {
	token := newToken()
	var out []booking.Claimed
	err := softTx(ctx, o.pool, func(b *pgx.Batch) {
		b.Queue(`
			WITH due AS (
				SELECT id FROM outbox
				WHERE delivered_at IS NULL AND parked_at IS NULL AND due_at <= now()
				  AND (lease_until IS NULL OR lease_until <= now())
				ORDER BY due_at, id
				LIMIT $1
				FOR UPDATE SKIP LOCKED
			)
			UPDATE outbox o
			SET lease_until = now() + $2 * interval '1 millisecond',
			    lease_token = $3,
			    attempts = o.attempts + 1
			FROM due WHERE o.id = due.id
			RETURNING o.id, o.kind, o.channel, o.recipient, coalesce(o.booking_id, 0),
			          o.due_at, o.payload, o.attempts`,
			limit, lease.Milliseconds(), token)
	}, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (booking.Claimed, error) {
			var c booking.Claimed
			var payload []byte
			if err := r.Scan(&c.ID, &c.Kind, &c.Channel, &c.Recipient, &c.BookingID, &c.DueAt, &payload, &c.Attempts); err != nil {
				return c, err
			}
			if payload != nil {
				// One row that cannot be read must not stop the others: it
				// is handed over as it is, to be parked.
				c.Unreadable = json.Unmarshal(payload, &c.Payload)
			}
			c.Token = token
			return c, nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim outbox: %w", err)
	}
	// UPDATE … RETURNING does not keep the CTE's order.
	slices.SortFunc(out, func(a, b booking.Claimed) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Confirm renews the lease of c just before it is sent and reports whether
// the claim still holds. A worker that stalled past its lease (a long 429
// pause) finds the row claimed by another worker, or already delivered, and
// must not send it: this narrows the window for a duplicate to the send itself.
// The worker skips it for a claim so fresh that its lease outlasts the send
// and the recording of its outcome (notify.Worker).
func (o *Outbox) Confirm(ctx context.Context, c booking.Claimed, lease time.Duration) (bool, error) {
	tag, err := softExec(ctx, o.pool, `
		UPDATE outbox SET lease_until = now() + $3 * interval '1 millisecond'
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND parked_at IS NULL`,
		c.ID, c.Token, lease.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("postgres: confirm outbox %d: %w", c.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Delivered records that row id reached its recipient. It is idempotent:
// the first delivery time is kept.
func (o *Outbox) Delivered(ctx context.Context, id int64) error {
	_, err := softExec(ctx, o.pool, `
		UPDATE outbox SET delivered_at = now(), lease_until = NULL, last_error = ''
		WHERE id = $1 AND delivered_at IS NULL`, id)
	if err != nil {
		return fmt.Errorf("postgres: outbox %d delivered: %w", id, err)
	}
	return nil
}

// Retry releases the row of c to be claimed again at at, recording why it
// failed. It clears the lease, so the row waits for its backoff and not for
// the lease to run out. It changes nothing when the claim no longer holds:
// a worker that stalled past its lease must not release a row that another
// worker has claimed since, or the row could go out twice.
func (o *Outbox) Retry(ctx context.Context, c booking.Claimed, at time.Time, reason string) error {
	_, err := softExec(ctx, o.pool, `
		UPDATE outbox SET due_at = $3, lease_until = NULL, last_error = $4
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND parked_at IS NULL`,
		c.ID, c.Token, at, truncate(reason, 500))
	if err != nil {
		return fmt.Errorf("postgres: outbox %d retry: %w", c.ID, err)
	}
	return nil
}

// Park gives up on the row of c: it is kept, with its reason, for
// inspection and counted in Stats, but never claimed again. Like Retry, it
// changes nothing when the claim no longer holds.
func (o *Outbox) Park(ctx context.Context, c booking.Claimed, reason string) error {
	_, err := softExec(ctx, o.pool, `
		UPDATE outbox SET parked_at = now(), lease_until = NULL, last_error = $3
		WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND parked_at IS NULL`,
		c.ID, c.Token, truncate(reason, 500))
	if err != nil {
		return fmt.Errorf("postgres: outbox %d park: %w", c.ID, err)
	}
	return nil
}

// Enqueue writes notifications outside any booking change (tests, staff
// messages). Changes to bookings write theirs through the Store instead.
func (o *Outbox) Enqueue(ctx context.Context, ns ...booking.Notification) ([]int64, error) {
	tx, err := o.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: enqueue: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	ids, err := enqueue(ctx, tx, ns)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: enqueue: %w", err)
	}
	return ids, nil
}

// enqueue inserts ns in tx in one round trip; a zero DueAt means now.
func enqueue(ctx context.Context, tx pgx.Tx, ns []booking.Notification) ([]int64, error) {
	b := &pgx.Batch{}
	for _, n := range ns {
		var bookingID, due any
		if n.BookingID != 0 {
			bookingID = n.BookingID
		}
		if !n.DueAt.IsZero() {
			due = n.DueAt
		}
		b.Queue(`
			INSERT INTO outbox (kind, channel, recipient, booking_id, due_at, payload)
			VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), $6::jsonb)
			RETURNING id`,
			string(n.Kind), string(n.Channel), n.Recipient, bookingID, due, payloadText(n.Payload))
	}
	br := tx.SendBatch(ctx, b)
	ids := make([]int64, 0, len(ns))
	for _, n := range ns {
		var id int64
		if err := br.QueryRow().Scan(&id); err != nil {
			br.Close()
			return nil, fmt.Errorf("postgres: enqueue %s: %w", n.Kind, err)
		}
		ids = append(ids, id)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: enqueue: %w", err)
	}
	return ids, nil
}

// OutboxStats is what an operator watches: how much waits, for how long,
// and how much was given up on.
type OutboxStats struct {
	Pending   int           // not delivered, not parked
	Due       int           // pending and due now
	OldestDue time.Duration // age of the oldest due row; 0 when none
	Parked    int
}

// Stats counts the outbox.
func (o *Outbox) Stats(ctx context.Context) (OutboxStats, error) {
	var s OutboxStats
	var oldest float64
	err := o.pool.QueryRow(ctx, `
		SELECT
		  count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL),
		  count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL AND due_at <= now()),
		  coalesce(extract(epoch FROM now() - min(due_at) FILTER (
		      WHERE delivered_at IS NULL AND parked_at IS NULL AND due_at <= now())), 0)::float8,
		  count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM outbox`).Scan(&s.Pending, &s.Due, &oldest, &s.Parked)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("postgres: outbox stats: %w", err)
	}
	s.OldestDue = time.Duration(oldest * float64(time.Second))
	return s, nil
}

// payloadText is p as the outbox's jsonb column keeps it, NULL when p
// carries nothing. Encoding cannot fail: a payload holds strings, numbers
// and a booking's times, which are all within the years JSON times allow.
func payloadText(p booking.Payload) *string {
	if p.IsZero() {
		return nil
	}
	b, _ := json.Marshal(p)
	s := string(b)
	return &s
}

func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
