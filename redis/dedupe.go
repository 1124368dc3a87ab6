package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/conversation"
)

// DefaultDedupeTTL is how long an update_id is remembered: Telegram keeps an
// undelivered update for at most 24 hours.
const DefaultDedupeTTL = 24 * time.Hour

// Deduper remembers which Telegram update_ids were already taken on.
type Deduper struct {
	client   goredis.UniversalClient
	prefix   string
	ttl      time.Duration
	sessions *Sessions // WithSessions: read with the mark
	batch    *batcher  // the marks and reads of concurrent steps, together; the sessions' once bound (WithSessions)
}

// NewDeduper returns a Deduper over client; ttl is DefaultDedupeTTL when zero.
func NewDeduper(client goredis.UniversalClient, prefix string, ttl time.Duration) *Deduper {
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	return &Deduper{client: client, prefix: prefix, ttl: ttl, batch: newBatcher(client)}
}

// Key returns the Redis key that marks updateID as seen.
func (d *Deduper) Key(updateID int64) string {
	return d.prefix + ":{update:" + strconv.FormatInt(updateID, 10) + "}:seen"
}

// The value of an update's key: done once it was handled, inHand while a
// process handles it, anything else the replies of an update whose step was
// done but whose replies could not all be sent (Park).
const (
	done   = "1"
	inHand = "h"
)

// DefaultInHandTTL bounds how long an update stays in hand: longer than a
// step may take (the bot gives one 20 s), so that a redelivery meanwhile is
// told to come back later, and short, so that the redelivery of an update
// whose process died is handled after it instead of dropped.
const DefaultInHandTTL = 30 * time.Second

// InHandError is Seen's answer for an update another delivery is handling
// now, or was when its process died: Telegram should deliver it again
// later.
type InHandError struct{ UpdateID int64 }

func (e *InHandError) Error() string {
	return fmt.Sprintf("redis: update %d is in hand", e.UpdateID)
}

// InHand marks the error for the transport, which cannot import this
// package.
func (e *InHandError) InHand() bool { return true }

// Seen marks updateID as in hand and reports whether this is the first
// time; for a repeated update it returns the replies parked for it, if any,
// or an *InHandError while the first delivery is (or was, when its process
// died) being handled. One command (SET NX GET): exactly one of any number
// of concurrent callers gets firstTime. Settle marks the update done.
func (d *Deduper) Seen(ctx context.Context, updateID int64) (firstTime bool, parked []byte, err error) {
	old, err := d.client.SetArgs(ctx, d.Key(updateID), inHand, d.mark()).Result()
	return seen(updateID, old, err)
}

func (d *Deduper) mark() goredis.SetArgs {
	return goredis.SetArgs{Mode: "NX", TTL: DefaultInHandTTL, Get: true}
}

// seen decodes the answer of the mark's SET NX GET.
func seen(updateID int64, old string, err error) (firstTime bool, parked []byte, _ error) {
	switch {
	case errors.Is(err, goredis.Nil):
		return true, nil, nil
	case err != nil:
		return false, nil, fmt.Errorf("redis: dedupe update: %w", err)
	case old == done:
		return false, nil, nil
	case old == inHand:
		return false, nil, &InHandError{UpdateID: updateID}
	}
	return false, []byte(old), nil
}

// WithSessions returns d reading, in SeenAndLoad, the chat's session in the
// same round trip as the update's mark, and sending its commands in the
// sessions' pipelines (their batcher): a step's marks, reads and
// compare-and-sets, and those of every concurrent step, then travel in one
// pipeline at a time, where each of two batchers could have one on its way (see
// BENCHMARKS.md, tenth pass).
func (d *Deduper) WithSessions(s *Sessions) *Deduper {
	c := *d
	c.sessions = s
	c.batch = s.batch
	return &c
}

// SeenAndLoad is Seen and, pipelined with it, the chat's session as Load
// returns it (nil without WithSessions) with the chat's steps in the
// current StepWindow, this one counted. A conversation step then costs two
// Redis round trips, this one and the compare-and-set, instead of three
// (and Settle's), each shared with the concurrent steps' (batcher).
func (d *Deduper) SeenAndLoad(ctx context.Context, updateID, chatID int64) (firstTime bool, parked []byte, snap *conversation.Snapshot, err error) {
	if d.sessions == nil {
		firstTime, parked, err = d.Seen(ctx, updateID)
		return firstTime, parked, nil, err
	}
	var mark *goredis.StatusCmd
	var load *goredis.SliceCmd
	var steps *goredis.IntCmd
	// The update's key and the chat's have hash tags of their own: a
	// Cluster client splits the pipeline by node, a single server answers
	// it in one trip. The chat's step is counted in the same trip, for the
	// conversation's per-hour limit (a redelivery counts too: rare).
	perr := d.batch.do(ctx, func(p goredis.Pipeliner) {
		mark = p.SetArgs(ctx, d.Key(updateID), inHand, d.mark())
		load = d.sessions.load(ctx, p, chatID)
		steps = d.sessions.countStep(ctx, p, chatID)
	})
	if perr != nil && !errors.Is(perr, goredis.Nil) {
		// A failed command, or ctx ended before the answers came (they
		// must not be read then).
		return false, nil, nil, fmt.Errorf("redis: dedupe update: %w", perr)
	}
	old, merr := mark.Result()
	firstTime, parked, err = seen(updateID, old, merr)
	if err != nil || !firstTime {
		return firstTime, parked, nil, err
	}
	data, version, err := session(load.Result())
	if err != nil {
		return false, nil, nil, err
	}
	return true, nil, &conversation.Snapshot{Data: data, Version: version, Steps: steps.Val()}, nil
}

// Park keeps replies (the transport's encoding of what it still has to
// send) with updateID, for Telegram's redelivery of the update to send; the
// update is remembered for the whole TTL from now on.
func (d *Deduper) Park(ctx context.Context, updateID int64, replies []byte) error {
	if err := d.client.SetArgs(ctx, d.Key(updateID), replies, goredis.SetArgs{Mode: "XX", TTL: d.ttl}).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis: park replies: %w", err)
	}
	return nil
}

// Settle marks updateID done, remembered for the whole TTL (24 h: as long
// as Telegram keeps an update).
func (d *Deduper) Settle(ctx context.Context, updateID int64) error {
	err := d.batch.do(ctx, func(p goredis.Pipeliner) {
		p.SetArgs(ctx, d.Key(updateID), done, goredis.SetArgs{Mode: "XX", TTL: d.ttl})
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis: settle update: %w", err)
	}
	return nil
}

// Forget unmarks updateID, so that Telegram's redelivery of an update whose
// handling failed is handled again instead of being dropped.
func (d *Deduper) Forget(ctx context.Context, updateID int64) error {
	if err := d.client.Del(ctx, d.Key(updateID)).Err(); err != nil {
		return fmt.Errorf("redis: forget update: %w", err)
	}
	return nil
}
