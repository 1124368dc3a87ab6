package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultDedupeTTL is how long an update_id is remembered: Telegram keeps an
// undelivered update for at most 24 hours.
const DefaultDedupeTTL = 24 * time.Hour

// Deduper remembers which Telegram update_ids were already taken on.
type Deduper struct {
	client goredis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewDeduper returns a Deduper over client; ttl is DefaultDedupeTTL when zero.
func NewDeduper(client goredis.UniversalClient, prefix string, ttl time.Duration) *Deduper {
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	return &Deduper{client: client, prefix: prefix, ttl: ttl}
}

// Key returns the Redis key that marks updateID as seen.
func (d *Deduper) Key(updateID int64) string {
	return d.prefix + ":{update:" + strconv.FormatInt(updateID, 10) + "}:seen"
}

// Seen marks updateID as taken on and reports whether this is the first
// time (SET NX EX: exactly one of any number of concurrent callers wins).
func (d *Deduper) Seen(ctx context.Context, updateID int64) (bool, error) {
	ok, err := d.client.SetNX(ctx, d.Key(updateID), 1, d.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis: dedupe update: %w", err)
	}
	return ok, nil
}

// Forget unmarks updateID, so that Telegram's redelivery of an update whose
// handling failed is handled again instead of being dropped.
func (d *Deduper) Forget(ctx context.Context, updateID int64) error {
	if err := d.client.Del(ctx, d.Key(updateID)).Err(); err != nil {
		return fmt.Errorf("redis: forget update: %w", err)
	}
	return nil
}
