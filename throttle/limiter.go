package throttle

import (
	"context"
	"time"
)

// Limiter is a pace shared by every process that sends with one bot token
// (the replicas of rantevou serve), so that together they keep to
// Telegram's limits instead of each keeping to them alone. A Sender with
// Config.Limiter asks it before every grant; package redis implements it.
type Limiter interface {
	// Reserve takes one send to chatID from the shared pace if the pace
	// allows it now, and returns the zero Reservation. Otherwise it takes
	// nothing and says how long to wait. perChat is false for conversation
	// replies: they keep to the global pace only, though an implementation
	// should still push the chat's next send back, as the Sender does.
	Reserve(ctx context.Context, chatID int64, perChat bool) (Reservation, error)
	// Pause stops every sender sharing the pace for d from now (never
	// shortening a longer pause): Telegram answered 429 to one of them.
	Pause(ctx context.Context, d time.Duration) error
}

// Reservation is the answer of Limiter.Reserve.
type Reservation struct {
	// Wait is zero when the send was granted, or how long until it could
	// be.
	Wait time.Duration
	// ChatOnly reports that only the chat's own spacing stands in the way:
	// sends to other chats may go meanwhile.
	ChatOnly bool
}

// Defaults of the pace, exported so that a shared Limiter can keep the same
// one as the Sender's local pace.
const (
	// DefaultGlobal is the default Config.Global: 1/29 s.
	DefaultGlobal = defaultGlobal
	// DefaultPerChat is the default Config.PerChat: 1.1 s.
	DefaultPerChat = defaultPerChat
)

const (
	defaultLimiterTimeout = 250 * time.Millisecond
	// limiterBackoff is how long the Sender paces alone after the Limiter
	// failed, so an unreachable Redis costs one timeout every few seconds
	// rather than one per send.
	limiterBackoff = 2 * time.Second
	// limiterLogEvery bounds the warnings about an unreachable Limiter.
	limiterLogEvery = time.Minute
)
