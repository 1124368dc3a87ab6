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
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultURL is used when REDIS_URL is empty.
const DefaultURL = "redis://localhost:6379/0"

// Prefix namespaces the keys of the bot whose token is given by its id,
// the number before the token's colon: "rantevou:7000000001". Telegram
// numbers updates per bot and a citizen's chat with each bot has the same
// id, so two offices' bots sharing one Redis (a Cluster has only database
// 0) would otherwise take each other's updates for repeats and share each
// citizen's session. The replicas of one bot share its keys, as they
// must. Without a token (the sandbox), or with one of another form, it is
// "rantevou".
func Prefix(token string) string {
	id, _, ok := strings.Cut(token, ":")
	if !ok || id == "" || strings.Trim(id, "0123456789") != "" {
		return "rantevou"
	}
	return "rantevou:" + id
}

// Open returns a client for url (DefaultURL when empty). The scheme picks
// the deployment, with go-redis's URL options in the query:
//
//	redis://[user:pass@]host:6379/0             one server (rediss:// for TLS)
//	redis+sentinel://host:26379?master_name=m&addr=host2:26379
//	                                            Sentinel: the master named m, found through the sentinels
//	redis+cluster://host:6379?addr=host2:6379   a Cluster, from its seed nodes
//
// Every key the program writes carries a hash tag, so keys used together
// share a Cluster slot. Open does not dial: the first command does, and
// callers decide how to treat an unreachable Redis.
func Open(url string) (goredis.UniversalClient, error) {
	if url == "" {
		url = DefaultURL
	}
	// The URL may hold a password: no error below echoes it.
	scheme, rest, _ := strings.Cut(url, "://")
	switch scheme {
	case "redis", "rediss", "unix":
		opts, err := goredis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("redis: open: invalid REDIS_URL")
		}
		return goredis.NewClient(opts), nil
	case "redis+sentinel", "rediss+sentinel":
		opts, err := goredis.ParseFailoverURL(strings.TrimSuffix(scheme, "+sentinel") + "://" + rest)
		if err != nil || opts.MasterName == "" {
			return nil, fmt.Errorf("redis: open: invalid Sentinel REDIS_URL (it needs master_name=…)")
		}
		return goredis.NewFailoverClient(opts), nil
	case "redis+cluster", "rediss+cluster":
		opts, err := goredis.ParseClusterURL(strings.TrimSuffix(scheme, "+cluster") + "://" + rest)
		if err != nil {
			return nil, fmt.Errorf("redis: open: invalid Cluster REDIS_URL")
		}
		return goredis.NewClusterClient(opts), nil
	default:
		return nil, fmt.Errorf("redis: open: REDIS_URL: want redis://, rediss://, redis+sentinel:// or redis+cluster://")
	}
}
