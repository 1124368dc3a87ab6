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

// DefaultSessionTTL is how long an idle conversation is kept.
const DefaultSessionTTL = 30 * time.Minute

// Sessions stores one session per chat as a hash {v: version, d: data}
// under prefix:{chat:ID}:session.
type Sessions struct {
	client goredis.UniversalClient
	prefix string
	ttl    time.Duration
	batch  *batcher // the compare-and-sets of concurrent steps, together, and a bound Deduper's commands
}

var _ conversation.Sessions = (*Sessions)(nil)

// NewSessions returns a session store over client. prefix separates key
// spaces ("rantevou" in production, a random one per test); ttl is the idle
// lifetime of a session, DefaultSessionTTL when zero.
func NewSessions(client goredis.UniversalClient, prefix string, ttl time.Duration) *Sessions {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return &Sessions{client: client, prefix: prefix, ttl: ttl, batch: newBatcher(client)}
}

// Key returns the Redis key of a chat's session.
func (s *Sessions) Key(chatID int64) string {
	return s.prefix + ":{chat:" + strconv.FormatInt(chatID, 10) + "}:session"
}

// Load returns the session of chatID and its version, (nil, 0, nil) when
// there is none.
func (s *Sessions) Load(ctx context.Context, chatID int64) ([]byte, int64, error) {
	return session(s.load(ctx, s.client, chatID).Result())
}

// load queues or sends the read of chatID's session.
func (s *Sessions) load(ctx context.Context, c goredis.Cmdable, chatID int64) *goredis.SliceCmd {
	return c.HMGet(ctx, s.Key(chatID), "v", "d")
}

// session decodes the answer of load.
func session(vals []any, err error) ([]byte, int64, error) {
	if err != nil {
		return nil, 0, fmt.Errorf("redis: load session: %w", err)
	}
	if len(vals) != 2 || vals[0] == nil || vals[1] == nil {
		return nil, 0, nil
	}
	vs, _ := vals[0].(string)
	ds, _ := vals[1].(string)
	v, err := strconv.ParseInt(vs, 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("redis: load session: bad version %q", vs)
	}
	return []byte(ds), v, nil
}

// casScript stores the session only if its version is still the expected
// one (0: must not exist), bumps the version and renews the TTL, all in one
// atomic step on the server. It returns the new version, or -1 on conflict.
var casScript = goredis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then
  return -1
end
local nv = cur + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
`)

// Save stores data for chatID if the stored version is still expect, and
// returns the new version expect+1; conversation.ErrVersionConflict if
// another update saved first (or the session expired meanwhile).
func (s *Sessions) Save(ctx context.Context, chatID int64, expect int64, data []byte) (int64, error) {
	// One round trip: the compare-and-set, and the chat's entry in the set
	// of live sessions. The entry is written on a conflict too, which is
	// harmless: whoever won saved the same chat's session.
	var cas *goredis.Cmd
	err := s.batch.do(ctx, func(p goredis.Pipeliner) {
		cas = casScript.EvalSha(ctx, p, []string{s.Key(chatID)}, expect, data, s.ttl.Milliseconds())
		s.markActive(ctx, p, chatID)
	})
	if err != nil && ctx.Err() == nil && goredis.HasErrorPrefix(cas.Err(), "NOSCRIPT") {
		// The server does not know the script yet (first call, or after a
		// restart): send it in full once, which also loads it.
		cas = casScript.Eval(ctx, s.client, []string{s.Key(chatID)}, expect, data, s.ttl.Milliseconds())
		err = cas.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("redis: save session: %w", err)
	}
	n, err := cas.Int64()
	if err != nil {
		return 0, fmt.Errorf("redis: save session: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("redis: save session: %w", conversation.ErrVersionConflict)
	}
	return n, nil
}

// activeKey is a sorted set of chat IDs scored by the Unix time their
// session expires, so live conversations are counted without scanning the
// key space. It has a hash slot of its own, and a TTL like every key.
func (s *Sessions) activeKey() string { return s.prefix + ":{sessions}:active" }

// markActive queues the chat's entry in the set of live sessions.
func (s *Sessions) markActive(ctx context.Context, p goredis.Pipeliner, chatID int64) {
	expires := time.Now().Add(s.ttl)
	p.ZAdd(ctx, s.activeKey(), goredis.Z{Score: float64(expires.Unix()), Member: chatID})
	// The set lives as long as its longest session: NX gives a new set
	// its TTL, GT only ever extends it.
	p.ExpireNX(ctx, s.activeKey(), s.ttl)
	p.ExpireGT(ctx, s.activeKey(), s.ttl)
}

// Active returns how many chats have a live session.
func (s *Sessions) Active(ctx context.Context) (int, error) {
	var card *goredis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, s.activeKey(), "-inf", strconv.FormatInt(time.Now().Unix(), 10))
		card = p.ZCard(ctx, s.activeKey())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis: count sessions: %w", err)
	}
	return int(card.Val()), nil
}

// Delete forgets the session of chatID.
func (s *Sessions) Delete(ctx context.Context, chatID int64) error {
	if err := s.client.Del(ctx, s.Key(chatID)).Err(); err != nil {
		return fmt.Errorf("redis: delete session: %w", err)
	}
	s.client.ZRem(ctx, s.activeKey(), chatID)
	return nil
}

// IsConflict reports whether err is a lost compare-and-set.
func IsConflict(err error) bool { return errors.Is(err, conversation.ErrVersionConflict) }
