// Package redis keeps the soft state of rantevou in Redis: one versioned
// conversation session per chat, updated by an optimistic compare-and-set so
// that concurrent updates of one chat never overwrite each other, and the
// update_ids already handled, so that a redelivered Telegram update has no
// second effect. Nothing here is the truth about bookings (PostgreSQL is):
// losing Redis loses at most a half-finished conversation.
//
// It also keeps the Telegram send pace that the replicas share (Limiter):
// losing Redis then only means each replica paces alone for a while.
//
// Every key carries a Cluster hash tag ({chat:42}) and a TTL, so the store
// works on a single server, Sentinel or a Cluster, and never fills a
// noeviction Redis with forgotten keys.
package redis

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultURL is used when REDIS_URL is empty.
const DefaultURL = "redis://localhost:6379/0"

// Open returns a client for a redis:// or rediss:// URL (DefaultURL when
// url is empty). It does not dial: the first command does, and callers
// decide how to treat an unreachable Redis.
func Open(url string) (goredis.UniversalClient, error) {
	if url == "" {
		url = DefaultURL
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		// The URL may hold a password; never echo it.
		return nil, fmt.Errorf("redis: open: invalid REDIS_URL")
	}
	return goredis.NewClient(opts), nil
}
