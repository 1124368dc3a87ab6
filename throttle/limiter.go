package throttle

import (
	"context"
	"time"
)

// Limiter is the bulk pace shared by every process that sends with one bot
// token (the replicas of rantevou serve), so that together they keep to
// Telegram's limits instead of each keeping to them alone. A Sender with
// Config.Limiter asks it before every bulk grant; conversation replies do
// not use it. Package redis implements it.
type Limiter interface {
	// Reserve takes one send to chatID from the shared pace if the pace
	// allows it now (the global spacing and the chat's), and returns the
	// zero Reservation. Otherwise it takes nothing and says how long to
	// wait.
	Reserve(ctx context.Context, chatID int64) (Reservation, error)
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
