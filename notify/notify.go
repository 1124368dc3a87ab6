// Package notify owns the delivery of outbox rows: a Worker that claims due
// rows from an Outbox (the PostgreSQL one in production, safely from any
// number of replicas), hands each to the Deliverer of its channel, and
// records the outcome with retries, backoff and parking; and the Telegram
// side of delivery: each citizen notification rendered in the citizen's
// language, with its buttons and its .ics calendar file, sent through the
// throttled sender. What each notification kind carries, and the outcomes a
// Deliverer reports, are booking's (booking/notification.go).
//
// Delivery is a pipeline: each worker keeps a bounded number of deliveries
// in flight and claims more rows as soon as one ends, so a chat that is
// slow to answer, or whose own pace is pushed back, holds up only its own
// notification, never the others.
//
// Delivery is at least once. Telegram offers no idempotency key, so a
// message that went out but whose "delivered" mark never reached the
// database is sent again. The worker keeps that window to the send itself:
// a row that waited in the worker long enough for its lease to run out
// before its send is over is confirmed first (its lease renewed, given up
// if another worker took it over; a fresh claim holds by construction),
// and every outcome is recorded with a deadline of its own that starts
// after the send and survives shutdown. What is left of the window: a
// crash between the send and its mark (the row goes out again when its
// lease runs out), a crash of the PostgreSQL server within the few hundred
// milliseconds before its WAL writer flushed a mark (the outbox's claims
// and marks are soft writes, see postgres.Outbox), and a send that exceeds the worker's send
// timeout, which is abandoned and retried after its backoff although
// Telegram may have delivered it and only the answer was lost. The timeout
// is what keeps a hanging chat from holding a place in the pipeline for
// good. The other choice, at most once, would lose a reminder to a crash or
// a slow answer; a rare doubled reminder costs the citizen far less than a
// missed appointment.
package notify
