package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Outbox is the queue the worker drains; *postgres.Outbox implements it.
// A claim is a lease, so a worker that dies leaves its rows to any other
// once the lease runs out; every change after the claim names the claim and
// does nothing when another worker holds the row since.
type Outbox interface {
	// Claim leases up to limit due rows for lease, oldest first, counting
	// an attempt for each.
	Claim(ctx context.Context, limit int, lease time.Duration) ([]booking.Claimed, error)
	// Confirm renews the lease of c just before its send and reports
	// whether the claim still holds. The worker asks it only of a claim
	// old enough that its lease could run out before the delivery's
	// outcome is recorded (see Worker.deliver).
	Confirm(ctx context.Context, c booking.Claimed, lease time.Duration) (bool, error)
	// Delivered records that row id reached its recipient (or needs no
	// message any more).
	Delivered(ctx context.Context, id int64) error
	// Retry releases c to be claimed again at at.
	Retry(ctx context.Context, c booking.Claimed, at time.Time, reason string) error
	// Park gives up on c for good, keeping it for inspection.
	Park(ctx context.Context, c booking.Claimed, reason string) error
}

// Deliverer sends one notification on its channel. It returns nil when the
// recipient got it, an error matching booking.ErrSkipped when it is no longer wanted,
// one matching booking.ErrPermanent when retrying cannot help, and any other error
// for a failure worth retrying.
type Deliverer interface {
	Deliver(ctx context.Context, n booking.Notification) error
}

// DelivererFunc adapts a function to Deliverer.
type DelivererFunc func(ctx context.Context, n booking.Notification) error

// Deliver calls f.
func (f DelivererFunc) Deliver(ctx context.Context, n booking.Notification) error { return f(ctx, n) }

// Config tunes the worker. Zero fields take the defaults.
type Config struct {
	Batch       int           // most rows claimed at once; default 100
	Concurrency int           // deliveries in flight at once; default 64
	Lease       time.Duration // how long a claim holds; default 2 minutes
	Poll        time.Duration // pause when nothing is due; default 1 s
	MaxAttempts int           // attempts before a row is parked; default 8
	BackoffBase time.Duration // first retry delay, doubled each attempt; default 15 s
	BackoffMax  time.Duration // default 30 minutes
	Drain       time.Duration // how long a shutdown lets the deliveries in flight finish; default 20 s

	// SendTimeout bounds one delivery, its wait for the pace included, so
	// that a chat that hangs or whose pace is pushed far back gives its
	// place back; a send that runs out of time is retried with backoff
	// (it may have gone out: see the package doc). Default 30 s.
	SendTimeout time.Duration
	// RecordTimeout bounds recording a delivery's outcome, counted from the
	// end of the send. Default 10 s.
	RecordTimeout time.Duration

	// Now is the clock of the times the worker writes: a failed row is due
	// again at Now plus its backoff. time.Now by default; whether a row is
	// due, and leases, go by the database's clock, which every replica
	// shares.
	Now func() time.Time

	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 15 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Minute
	}
	if c.Drain <= 0 {
		c.Drain = 20 * time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 30 * time.Second
	}
	if c.RecordTimeout <= 0 {
		c.RecordTimeout = 10 * time.Second
	}
	// A delivery must be over, outcome recorded, well before its lease
	// runs out (Confirm renews it just before the send, unless the claim
	// is fresh enough to hold until then: see Worker.deliver): past the
	// lease another worker may claim the row and send it again while this
	// one still waits for an answer. A short lease shortens both bounds.
	if budget := c.Lease * 3 / 4; c.SendTimeout+c.RecordTimeout > budget {
		c.RecordTimeout = min(c.RecordTimeout, budget/4)
		c.SendTimeout = budget - c.RecordTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Stats counts what a worker did since it started; the cmd exports them.
type Stats struct {
	Claimed   int64
	Delivered int64
	Skipped   int64
	Retried   int64
	Parked    int64
	LostLease int64 // rows another worker took over before this one sent them
}

// Worker delivers outbox rows. Run any number of them, in any number of
// replicas: claims never overlap (FOR UPDATE SKIP LOCKED plus a lease).
type Worker struct {
	outbox     Outbox
	deliverers map[booking.Channel]Deliverer
	cfg        Config

	claimed, delivered, skipped, retried, parked, lost atomic.Int64
}

// NewWorker returns a worker over outbox that hands each row to the
// Deliverer of its channel.
func NewWorker(outbox Outbox, deliverers map[booking.Channel]Deliverer, cfg Config) *Worker {
	cfg.defaults()
	return &Worker{outbox: outbox, deliverers: deliverers, cfg: cfg}
}

// Stats returns the worker's counters. Outbox depth, age and parked rows
// across all replicas come from (*postgres.Outbox).Stats.
func (w *Worker) Stats() Stats {
	return Stats{
		Claimed:   w.claimed.Load(),
		Delivered: w.delivered.Load(),
		Skipped:   w.skipped.Load(),
		Retried:   w.retried.Load(),
		Parked:    w.parked.Load(),
		LostLease: w.lost.Load(),
	}
}

// Run delivers until ctx is cancelled. It keeps up to Config.Concurrency
// deliveries in flight and claims more rows whenever one ends, never more
// than there is room for, so that a slow or busy chat holds up only its own
// notification and a claimed row waits for nothing but its turn in the
// pace. On cancellation it stops claiming and gives the deliveries in
// flight up to Config.Drain to finish, so a deploy does not leave rows
// waiting for their lease to run out.
func (w *Worker) Run(ctx context.Context) error {
	dctx, cancel := drainContext(ctx, w.cfg.Drain)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	free := make(chan struct{}, w.cfg.Concurrency) // one token per free place
	for range w.cfg.Concurrency {
		free <- struct{}{}
	}
	poll := time.NewTimer(w.cfg.Poll)
	poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-free:
		}
		if ctx.Err() != nil {
			return nil
		}
		room := 1
		for room < w.cfg.Batch && take(free) {
			room++
		}
		// The claim runs on dctx: rows claimed as ctx ends are delivered in
		// the drain instead of waiting for their lease.
		asked := time.Now() // before the claim: see deliver
		rows, err := w.outbox.Claim(dctx, room, w.cfg.Lease)
		for range room - len(rows) {
			free <- struct{}{}
		}
		w.claimed.Add(int64(len(rows)))
		for _, c := range rows {
			wg.Add(1)
			go func() {
				defer func() { free <- struct{}{}; wg.Done() }()
				w.deliver(dctx, c, asked)
			}()
		}
		if err != nil && dctx.Err() == nil {
			w.cfg.Logger.Error("outbox claim failed", slog.Any("err", err))
		}
		if err == nil && len(rows) == room {
			continue // more may be due right now
		}
		poll.Reset(w.cfg.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
}

// take takes a token from free if one is there.
func take(free chan struct{}) bool {
	select {
	case <-free:
		return true
	default:
		return false
	}
}

// drainContext is ctx without its cancellation, cancelled instead drain
// after ctx is.
func drainContext(ctx context.Context, drain time.Duration) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(drain, cancel)
		context.AfterFunc(dctx, func() { t.Stop() })
	})
	return dctx, func() { stop(); cancel() }
}

// RunOnce claims one batch, delivers it with ctx (Config.Concurrency at
// once) and returns how many rows it claimed once all are done. Cancelling
// ctx abandons the rows not yet sent: they come back to any worker when
// their lease runs out. Tests use it to step the worker; Run is the
// pipeline.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	asked := time.Now() // before the claim: see deliver
	rows, err := w.outbox.Claim(ctx, w.cfg.Batch, w.cfg.Lease)
	if err != nil {
		return 0, err
	}
	w.claimed.Add(int64(len(rows)))
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, c := range rows {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return len(rows), nil
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.deliver(ctx, c, asked)
		}()
	}
	return len(rows), nil
}

// deliver sends one claimed row and records the outcome. ctx ends the
// delivery only at shutdown (after the drain); a slow send ends at
// SendTimeout. asked is when the worker sent the claim that returned c.
//
// Before the send, deliver makes sure the claim holds until the outcome
// is recorded. A claim is fresh while the time since asked, plus
// SendTimeout and RecordTimeout, is less than Lease: no other worker can
// claim the row before its lease runs out, so a fresh claim holds through
// the send (at most SendTimeout) and the recording of its outcome (at most
// RecordTimeout, counted from the end of the send), and the row is sent
// without a renewal: one statement and one round trip fewer. An older
// claim (the claim itself was slow, or in RunOnce the row waited for one
// of the Config.Concurrency places) is renewed with Confirm first, and the
// row given up if another worker took it over.
//
// The lease goes by the database's clock, from the now() of the claim's
// transaction, which the server reads after asked; the worker measures
// from asked on its own monotonic clock (time.Now's, not Config.Now), so
// whatever the offset between the two clocks, the time it counts is never
// less than the time the lease has run. (A step forward of the database's
// clock would shorten any lease, renewed or not.) A crash of the server
// may lose the claim itself, a soft write (*postgres.Outbox): that is the
// at-least-once window of a crash, as for the marks it loses.
func (w *Worker) deliver(ctx context.Context, c booking.Claimed, asked time.Time) {
	log := w.cfg.Logger.With(slog.Int64("outbox_id", c.ID), slog.String("kind", string(c.Kind)))
	if ctx.Err() != nil {
		return
	}
	if time.Since(asked)+w.cfg.SendTimeout+w.cfg.RecordTimeout >= w.cfg.Lease {
		ok, err := w.outbox.Confirm(ctx, c, w.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("outbox confirm failed", slog.Any("err", err))
			}
			return
		}
		if !ok {
			w.lost.Add(1)
			return
		}
	}
	err := w.send(ctx, c)

	// The outcome has a deadline of its own that starts now, not with the
	// send: a send that took long must still be marked, or the row goes out
	// again when its lease runs out, and a failure must be rescheduled at
	// its backoff rather than left to the lease. It is recorded even when
	// ctx was cancelled during the send, for the same reason.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.RecordTimeout)
	defer cancel()
	switch {
	case err == nil:
		if err := w.outbox.Delivered(rec, c.ID); err != nil {
			log.Error("outbox mark delivered failed", slog.Any("err", err))
			return
		}
		w.delivered.Add(1)
	case errors.Is(err, booking.ErrSkipped):
		if err := w.outbox.Delivered(rec, c.ID); err != nil {
			log.Error("outbox mark skipped failed", slog.Any("err", err))
			return
		}
		w.skipped.Add(1)
		log.Info("notification skipped", slog.String("why", err.Error()))
	case ctx.Err() != nil:
		// Shut down mid-send: whether it went out is unknown. Leave the
		// row to its lease; at least once beats never.
	case errors.Is(err, booking.ErrPermanent) || c.Attempts >= w.cfg.MaxAttempts:
		if err := w.outbox.Park(rec, c, err.Error()); err != nil {
			log.Error("outbox park failed", slog.Any("err", err))
			return
		}
		w.parked.Add(1)
		log.Warn("notification parked", slog.Int("attempts", c.Attempts), slog.Any("err", err))
	default:
		at := w.cfg.Now().Add(w.backoff(c.Attempts))
		if err := w.outbox.Retry(rec, c, at, err.Error()); err != nil {
			log.Error("outbox retry failed", slog.Any("err", err))
			return
		}
		w.retried.Add(1)
		log.Info("notification will be retried", slog.Int("attempts", c.Attempts), slog.Time("at", at), slog.Any("err", err))
	}
}

// send hands c to the deliverer of its channel within SendTimeout. A send
// that runs out of time is a failure like any other, retried with backoff;
// it may have reached the recipient with only the answer lost, which is
// the at-least-once window described in the package doc.
func (w *Worker) send(ctx context.Context, c booking.Claimed) error {
	if c.Unreadable != nil {
		return booking.Permanent(c.Unreadable)
	}
	d, found := w.deliverers[c.Channel]
	if !found {
		return booking.Permanent(errors.New("notify: no deliverer for channel " + string(c.Channel)))
	}
	sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	defer cancel()
	err := d.Deliver(sctx, c.Notification)
	if err != nil && ctx.Err() == nil && sctx.Err() != nil {
		return fmt.Errorf("notify: no answer within %s: %w", w.cfg.SendTimeout, err)
	}
	return err
}

// backoff doubles from BackoffBase with each attempt, up to BackoffMax, with
// jitter so rows that failed together do not retry together.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.BackoffBase
	for i := 1; i < attempts && d < w.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, w.cfg.BackoffMax)
	return d/2 + rand.N(d/2+1)
}
