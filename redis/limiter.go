package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/throttle"
)

// Limiter is the Telegram bulk pace shared by every replica using one bot
// token: a GCRA (generic cell rate algorithm) for the whole bot and one per
// chat, kept in Redis and updated by one Lua script per send, and the
// pause after a 429. It implements throttle.Limiter.
//
// Keys: prefix:{tg}:global and prefix:{tg}:pause (the theoretical arrival
// time of the next send, and the end of a pause, in microseconds of the
// Redis server's clock) and prefix:{tg}:chat:ID. They share one hash tag
// because a script may only touch keys of one Cluster slot; putting one
// bot's whole pace in one slot is what the pace is anyway, one counter.
// Every key expires once it no longer holds anything back.
type Limiter struct {
	client  goredis.UniversalClient
	prefix  string
	global  time.Duration
	perChat time.Duration
}

var _ throttle.Limiter = (*Limiter)(nil)

// NewLimiter returns the shared pace over client: one send per global on
// average and one per perChat to a chat. A send may come half an interval
// early, so one that was granted late (its replica waited for a CPU) lets
// the next follow sooner and the rate holds; throttle.Sender tolerates a
// whole interval, but here the grants of several processes meet at
// Telegram with more jitter, and at 29/s against 30/s the whole interval
// left no room for it (a 429 per run of BenchmarkNotify1000TwoReplicas). Zero durations take throttle.DefaultGlobal and
// throttle.DefaultPerChat; they should equal the Sender's Config.
func NewLimiter(client goredis.UniversalClient, prefix string, global, perChat time.Duration) *Limiter {
	if global <= 0 {
		global = throttle.DefaultGlobal
	}
	if perChat <= 0 {
		perChat = throttle.DefaultPerChat
	}
	return &Limiter{client: client, prefix: prefix, global: global, perChat: perChat}
}

// GlobalKey returns the key of the bot's global pace.
func (l *Limiter) GlobalKey() string { return l.prefix + ":{tg}:global" }

// ChatKey returns the key of chatID's spacing.
func (l *Limiter) ChatKey(chatID int64) string {
	return l.prefix + ":{tg}:chat:" + strconv.FormatInt(chatID, 10)
}

// PauseKey returns the key holding the end of the shared 429 pause.
func (l *Limiter) PauseKey() string { return l.prefix + ":{tg}:pause" }

// reserveScript is the GCRA. Times are microseconds of the server clock
// (TIME), so the replicas' own clocks do not matter; Lua numbers are
// doubles, exact for integers up to 2^53, far beyond microseconds since
// 1970, and string.format('%.0f') keeps them whole when stored.
//
// KEYS: global, chat, pause. ARGV: global interval, chat interval, burst
// tolerance of the global pace.
// Returns {0, 0} when granted, {1, wait} when the pause or the global pace
// holds it back, {2, wait} when only the chat's spacing does. Nothing is
// written unless it is granted.
var reserveScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gi = tonumber(ARGV[1])
local ci = tonumber(ARGV[2])

local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if now < pause then
  return {1, pause - now}
end

-- Global: a send may come up to tol early (the burst tolerance).
local tol = tonumber(ARGV[3])
local gtat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if now < gtat - tol then
  return {1, gtat - tol - now}
end

local cnext = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < cnext then
  return {2, cnext - now}
end

local ngtat = gtat + gi
redis.call('SET', KEYS[1], string.format('%.0f', ngtat), 'PX', math.ceil((ngtat - now) / 1000) + 1000)
local ncnext = now + ci
redis.call('SET', KEYS[2], string.format('%.0f', ncnext), 'PX', math.ceil((ncnext - now) / 1000) + 1000)
return {0, 0}
`)

// pauseScript moves the end of the pause to now+ARGV[1] microseconds of
// the server clock, never earlier than it was.
var pauseScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur > untl then
  return 0
end
redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', math.ceil((untl - now) / 1000) + 1000)
return 1
`)

// Reserve takes one send to chatID from the shared pace if it is free now;
// otherwise it takes nothing and says how long to wait.
func (l *Limiter) Reserve(ctx context.Context, chatID int64) (throttle.Reservation, error) {
	res, err := reserveScript.Run(ctx, l.client,
		[]string{l.GlobalKey(), l.ChatKey(chatID), l.PauseKey()},
		l.global.Microseconds(), l.perChat.Microseconds(), (l.global / 2).Microseconds()).Int64Slice()
	if err != nil {
		return throttle.Reservation{}, fmt.Errorf("redis: reserve send: %w", err)
	}
	if len(res) != 2 {
		return throttle.Reservation{}, fmt.Errorf("redis: reserve send: unexpected reply %v", res)
	}
	if res[0] == 0 {
		return throttle.Reservation{}, nil
	}
	// Round up: waking a microsecond early only costs another round trip.
	wait := time.Duration(res[1])*time.Microsecond + time.Microsecond
	return throttle.Reservation{Wait: wait, ChatOnly: res[0] == 2}, nil
}

// Pause stops every replica's sends for d from now, by the server's clock
// (never shortening a longer pause).
func (l *Limiter) Pause(ctx context.Context, d time.Duration) error {
	if err := pauseScript.Run(ctx, l.client, []string{l.PauseKey()}, d.Microseconds()).Err(); err != nil {
		return fmt.Errorf("redis: pause sends: %w", err)
	}
	return nil
}
