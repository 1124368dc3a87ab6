package redis

import (
	"context"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// StepWindow is the window over which a chat's conversation steps are
// counted: a fixed hour from its first step, after which the count starts
// again.
const StepWindow = time.Hour

// StepsKey returns the key counting chatID's steps in the current window,
// prefix:{chat:ID}:steps: the session's hash tag, so it is read in the same
// Cluster slot and round trip as the session.
func (s *Sessions) StepsKey(chatID int64) string {
	return s.prefix + ":{chat:" + strconv.FormatInt(chatID, 10) + "}:steps"
}

// countStep queues one more step of chatID: INCR, and the window as TTL if
// the key is new (EXPIRE NX, so the window is not pushed on by every
// step). The answer is the chat's steps in the window, this one included.
func (s *Sessions) countStep(ctx context.Context, p goredis.Pipeliner, chatID int64) *goredis.IntCmd {
	n := p.Incr(ctx, s.StepsKey(chatID))
	p.ExpireNX(ctx, s.StepsKey(chatID), StepWindow)
	return n
}
