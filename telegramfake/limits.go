package telegramfake

import (
	"context"
	"math"
	"net/http"
	"time"
)

// Limits are the sending rates the fake enforces, in messages per second;
// zero means unlimited. Telegram allows about 1 per chat and 30 overall; a
// message over the limit gets 429 with parameters.retry_after.
type Limits struct {
	PerChat float64
	Global  float64
}

// Stats counts what happened to the bot's sendMessage and sendDocument calls.
type Stats struct {
	Delivered       int // messages accepted
	TooManyRequests int // refused with 429
	Forbidden       int // refused with 403 because the chat blocked the bot
}

type rateState struct {
	lastByChat  map[int64]time.Time
	recent      []time.Time // sends within the last second, oldest first
	delayByChat map[int64]time.Duration
}

// SetLimits turns rate limiting on (or off with the zero Limits). Delays set
// with SetDelay stay.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.rate = rateState{lastByChat: map[int64]time.Time{}, delayByChat: s.rate.delayByChat}
}

// SetDelay makes every sendMessage and sendDocument to chatID wait d before
// the fake handles it, as when Telegram is slow to answer for one chat; zero
// removes the delay. Sends to other chats are not held up. A client that
// gives up while its request waits gets nothing delivered: the fake lets go
// of the request at once and the message never reaches the chat, so a test
// can tell an abandoned send from one that went out.
func (s *Server) SetDelay(chatID int64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.rate.delayByChat, chatID)
		return
	}
	if s.rate.delayByChat == nil {
		s.rate.delayByChat = map[int64]time.Duration{}
	}
	s.rate.delayByChat[chatID] = d
}

// delay waits out the delay set for chatID, without holding s.mu. It
// returns an error answer when the client went away or the fake closed
// meanwhile; nobody reads it, but the send must not be delivered.
func (s *Server) delay(ctx context.Context, chatID int64) *apiError {
	s.mu.Lock()
	d := s.rate.delayByChat[chatID]
	s.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
	case <-s.closed:
	}
	return &apiError{code: http.StatusServiceUnavailable, description: "Service Unavailable: request abandoned"}
}

// Stats returns the counters of sends so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Block makes every send to chatID fail with 403 "bot was blocked by the
// user", as when a citizen blocks the bot; Unblock undoes it.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock lets the bot send to chatID again.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// rateLocked returns 0 and counts the send if it is within the limits, or
// the seconds to wait. s.mu must be held.
func (s *Server) rateLocked(chatID int64) int {
	if s.limits.PerChat <= 0 && s.limits.Global <= 0 {
		return 0
	}
	now := s.now()
	if s.limits.PerChat > 0 {
		gap := time.Duration(float64(time.Second) / s.limits.PerChat)
		if last, ok := s.rate.lastByChat[chatID]; ok && now.Sub(last) < gap {
			return retrySeconds(gap - now.Sub(last))
		}
	}
	if s.limits.Global > 0 {
		cut := 0
		for cut < len(s.rate.recent) && now.Sub(s.rate.recent[cut]) >= time.Second {
			cut++
		}
		s.rate.recent = s.rate.recent[cut:]
		if float64(len(s.rate.recent)) >= s.limits.Global {
			return retrySeconds(time.Second - now.Sub(s.rate.recent[0]))
		}
	}
	s.rate.lastByChat[chatID] = now
	s.rate.recent = append(s.rate.recent, now)
	return 0
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
