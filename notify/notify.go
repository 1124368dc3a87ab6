// Package notify owns the delivery of outbox rows: a Worker that claims due
// rows from the PostgreSQL outbox (safely from any number of replicas),
// hands each to the Deliverer of its channel, and records the outcome with
// retries, backoff and parking; and the Telegram side of delivery: each
// citizen notification rendered in the citizen's language, with its buttons
// and its .ics calendar file, sent through the throttled sender.
//
// Delivery is a pipeline: each worker keeps a bounded number of deliveries
// in flight and claims more rows as soon as one ends, so a chat that is
// slow to answer, or whose own pace is pushed back, holds up only its own
// notification, never the others.
//
// Delivery is at least once. Telegram offers no idempotency key, so a
// message that went out but whose "delivered" mark never reached the
// database is sent again. The worker keeps that window to the send itself:
// it renews the row's lease right before sending and gives the row up if
// another worker took it over, and it records every outcome with a deadline
// of its own that starts after the send and survives shutdown. What is left
// of the window: a crash between the send and its mark (the row goes out
// again when its lease runs out), and a send that exceeds the worker's send
// timeout, which is abandoned and retried after its backoff although
// Telegram may have delivered it and only the answer was lost. The timeout
// is what keeps a hanging chat from holding a place in the pipeline for
// good. The other choice, at most once, would lose a reminder to a crash or
// a slow answer; a rare doubled reminder costs the citizen far less than a
// missed appointment.
package notify

import (
	"errors"
	"fmt"
)

// ErrPermanent marks a failure that retrying cannot fix (the citizen blocked
// the bot, the booking is gone, the kind is unknown): the row is parked.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so the worker parks the row instead of retrying it.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// ErrSkipped marks a row that needs no message any more (a reminder of a
// booking that was cancelled or moved): it counts as handled.
var ErrSkipped = errors.New("skipped")

// Skip returns an error matching ErrSkipped that says why.
func Skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkipped, reason) }
