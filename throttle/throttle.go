// Package throttle owns the pace of what the bot sends to Telegram. It has
// two lanes, because Telegram limits them differently:
//
//   - Bulk notifications (reminders, confirmations, closures) go through Do:
//     at most about 30 messages a second in all, one a second per chat, and a
//     pause for everyone when Telegram answers 429. The ~30/s is Telegram's
//     ceiling for sending to many chats at once.
//   - The turns of a conversation go through Reply: a citizen is waiting, and
//     answers inside a conversation are bounded per chat, not by the bulk
//     ceiling (answerCallbackQuery is not a message at all). A reply is sent
//     at once; it waits only while its own chat is paused by a 429 for that
//     chat, and it never waits for a notification. A reply moves the chat's
//     next notification back by Config.PerChat, so a reminder does not land
//     on top of a conversation — but at most by Config.MaxYield, so a citizen
//     who keeps tapping cannot hold their own notification forever.
//
// Bulk jobs are granted by a dispatcher one at a time: evenly spaced
// Config.Global apart, never two for one chat within Config.PerChat, high
// priority first, and none while a 429 pause lasts. The global spacing is a
// GCRA with a burst of one: a grant that came late (the process was starved
// of CPU for a moment) lets the next one follow at once instead of pushing
// every later grant back, so the rate holds under load, while no one-second
// window ever holds more than 1s/Global + 1 sends.
//
// A 429 names what it limits. One that answers a notification pauses the
// bulk lane (and the chat); one that answers a reply pauses that chat only:
// the other citizens' conversations go on.
//
// Several processes sharing one bot token share the bulk pace through
// Config.Limiter (a GCRA in Redis, see package redis): the dispatcher still
// orders the jobs by priority and keeps the per-chat spacing it knows of,
// and asks the Limiter before each grant. A bulk 429 seen by one process
// pauses them all. If the Limiter fails, the Sender paces alone for a moment
// and says so in the log: sending never stops because Redis did. Replies
// cost no Redis round trip: a per-chat 429 is rare, and each replica learns
// of it from Telegram itself.
package throttle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot"
)

// Priority orders jobs waiting for their turn.
type Priority int

const (
	// PriorityLow is for bulk notifications (reminders, closures).
	PriorityLow Priority = iota
	// PriorityHigh is for notifications that must not wait behind bulk ones
	// (a notification retried after a 429 keeps its place with it).
	PriorityHigh
)

// ErrBlocked reports that the citizen blocked the bot (Telegram answered
// 403): retrying is pointless until they write again.
var ErrBlocked = errors.New("throttle: chat blocked the bot")

// Config sets the pace. Zero fields take the defaults.
type Config struct {
	// Global is the interval between sends, on average; after an idle
	// moment two may go together. The default, 1/29 s, keeps a margin
	// under Telegram's 30 a second for the burst and for network jitter.
	Global time.Duration
	// PerChat is the least time between two sends to one chat; default 1.1 s.
	PerChat time.Duration
	// Retries429 is how many times a job is run again after a 429; default 3.
	Retries429 int
	// MaxYield bounds how long a notification waits behind its chat's
	// conversation (replies push it back by PerChat each); default 5 s.
	MaxYield time.Duration
	// MaxReplyWait bounds how long a reply waits out its chat's 429 pause
	// before giving up with the 429; default 10 s. A citizen who is told
	// nothing for longer is better told to try again.
	MaxReplyWait time.Duration
	// OnBlocked, if set, is called when a job for chatID gets a 403, so the
	// citizen can be marked unreachable whoever sent the message.
	OnBlocked func(chatID int64)
	// Limiter, if set, is the pace shared with the other processes sending
	// with the same token; it is asked before every grant, in place of the
	// local global spacing while it answers.
	Limiter Limiter
	// LimiterTimeout bounds each call to the Limiter; default 250 ms.
	LimiterTimeout time.Duration
	// Logger receives the warning that the Limiter failed (at most once a
	// minute); slog.Default() when nil.
	Logger *slog.Logger
}

const (
	defaultGlobal       = time.Second / 29
	defaultPerChat      = 1100 * time.Millisecond
	defaultRetries429   = 3
	defaultMaxYield     = 5 * time.Second
	defaultMaxReplyWait = 10 * time.Second
)

// Stats counts what a Sender did since it started.
type Stats struct {
	Sent      int64 // bulk jobs run (each attempt counts)
	Replies   int64 // conversation calls run (each attempt counts)
	TooMany   int64 // 429 answers, both lanes
	Blocked   int64 // 403 answers
	Waiting   int   // jobs waiting for their turn now
	PausedFor time.Duration
	// Local counts grants made without the Limiter because it failed.
	Local int64
}

type waiter struct {
	chat  int64
	since time.Time // when it was queued, for MaxYield
	ready chan struct{}
}

// Sender paces jobs. It is safe for concurrent use; Close stops it.
type Sender struct {
	cfg Config

	mu          sync.Mutex
	queues      [PriorityHigh + 1][]*waiter // by Priority
	chatNext    map[int64]time.Time         // bulk spacing per chat
	replyNext   map[int64]time.Time         // a reply pushed the chat's next notification to
	chatPause   map[int64]time.Time         // a 429 for the chat lasts until
	globalNext  time.Time
	pausedUntil time.Time // a bulk 429 lasts until

	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup

	// Owned by the dispatcher goroutine alone.
	limiterDownUntil time.Time // pace locally until then
	limiterLogged    time.Time // last warning about the Limiter

	sent, replies, tooMany, blocked, local atomic.Int64
}

// New starts a Sender.
func New(cfg Config) *Sender {
	if cfg.Global <= 0 {
		cfg.Global = defaultGlobal
	}
	if cfg.PerChat <= 0 {
		cfg.PerChat = defaultPerChat
	}
	if cfg.Retries429 <= 0 {
		cfg.Retries429 = defaultRetries429
	}
	if cfg.MaxYield <= 0 {
		cfg.MaxYield = defaultMaxYield
	}
	if cfg.MaxReplyWait <= 0 {
		cfg.MaxReplyWait = defaultMaxReplyWait
	}
	if cfg.LimiterTimeout <= 0 {
		cfg.LimiterTimeout = defaultLimiterTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Sender{
		cfg:       cfg,
		chatNext:  make(map[int64]time.Time),
		replyNext: make(map[int64]time.Time),
		chatPause: make(map[int64]time.Time),
		kick:      make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	s.wg.Add(1)
	go s.dispatch()
	return s
}

// Close stops the dispatcher. Jobs still waiting get context.Canceled
// from their own ctx only; call Close after the callers have stopped.
func (s *Sender) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.wg.Wait()
}

// Do runs the bulk job fn for chatID when its turn comes. A 429 pauses
// every bulk job for the retry_after it carries and runs fn again (up to
// Config.Retries429 times); a 403 returns an error matching ErrBlocked (and
// the original error). Any other error of fn is returned as is.
func (s *Sender) Do(ctx context.Context, chatID int64, p Priority, fn func(ctx context.Context) error) error {
	if p > PriorityHigh {
		p = PriorityHigh
	}
	for attempt := 0; ; attempt++ {
		if err := s.wait(ctx, chatID, p); err != nil {
			return err
		}
		s.sent.Add(1)
		err := fn(ctx)
		var tm *bot.TooManyRequestsError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &tm):
			s.tooMany.Add(1)
			d := retryAfter(tm)
			s.pause(d)
			s.pauseChat(chatID, d)
			s.pauseShared(ctx, d)
			if attempt >= s.cfg.Retries429 {
				return err
			}
			// The job already had its turn: after the pause it goes first,
			// so a 429 does not reorder what citizens receive.
			p = PriorityHigh
		case errors.Is(err, bot.ErrorForbidden):
			return s.blockedBy(chatID, err)
		default:
			return err
		}
	}
}

// Reply runs fn, one Bot API call of a conversation turn for chatID, at
// once: it waits only while the chat is paused by a 429 for it, and never
// for the bulk pace. A 429 pauses the chat (this lane and its
// notifications) for its retry_after and runs fn again when that fits in
// Config.MaxReplyWait and ctx; otherwise the 429 is returned. A 403 is
// ErrBlocked, as in Do.
func (s *Sender) Reply(ctx context.Context, chatID int64, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := s.waitChat(ctx, chatID); err != nil {
			return err
		}
		s.replies.Add(1)
		err := fn(ctx)
		var tm *bot.TooManyRequestsError
		switch {
		case err == nil:
			s.replied(chatID)
			return nil
		case errors.As(err, &tm):
			s.tooMany.Add(1)
			d := retryAfter(tm)
			s.pauseChat(chatID, d)
			if attempt >= s.cfg.Retries429 || d > s.cfg.MaxReplyWait || !fits(ctx, d) {
				return err
			}
		case errors.Is(err, bot.ErrorForbidden):
			return s.blockedBy(chatID, err)
		default:
			return err
		}
	}
}

func retryAfter(tm *bot.TooManyRequestsError) time.Duration {
	return time.Duration(max(tm.RetryAfter, 1)) * time.Second
}

// fits reports whether ctx leaves time to wait d.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

func (s *Sender) blockedBy(chatID int64, err error) error {
	s.blocked.Add(1)
	if s.cfg.OnBlocked != nil {
		s.cfg.OnBlocked(chatID)
	}
	return errors.Join(ErrBlocked, err)
}

// waitChat returns when chatID is not paused by a 429.
func (s *Sender) waitChat(ctx context.Context, chatID int64) error {
	s.mu.Lock()
	until := s.chatPause[chatID]
	s.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errors.New("throttle: sender closed")
	}
}

// replied moves chatID's next notification back by PerChat.
func (s *Sender) replied(chatID int64) {
	now := time.Now()
	s.mu.Lock()
	s.replyNext[chatID] = now.Add(s.cfg.PerChat)
	s.prune(now)
	s.mu.Unlock()
}

// pauseChat stops both lanes for chatID for d from now.
func (s *Sender) pauseChat(chatID int64, d time.Duration) {
	until := time.Now().Add(d)
	s.mu.Lock()
	if until.After(s.chatPause[chatID]) {
		s.chatPause[chatID] = until
	}
	s.mu.Unlock()
	s.poke()
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	waiting := 0
	for _, q := range s.queues {
		waiting += len(q)
	}
	paused := time.Until(s.pausedUntil)
	s.mu.Unlock()
	return Stats{
		Sent:      s.sent.Load(),
		Replies:   s.replies.Load(),
		TooMany:   s.tooMany.Load(),
		Blocked:   s.blocked.Load(),
		Waiting:   waiting,
		PausedFor: max(paused, 0),
		Local:     s.local.Load(),
	}
}

// pause stops all bulk sending for d from now (never shortening a longer pause).
func (s *Sender) pause(d time.Duration) {
	s.mu.Lock()
	if until := time.Now().Add(d); until.After(s.pausedUntil) {
		s.pausedUntil = until
	}
	s.mu.Unlock()
	s.poke()
}

func (s *Sender) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// wait queues the caller and returns when it may send.
func (s *Sender) wait(ctx context.Context, chat int64, p Priority) error {
	w := &waiter{chat: chat, since: time.Now(), ready: make(chan struct{})}
	s.mu.Lock()
	s.queues[p] = append(s.queues[p], w)
	s.mu.Unlock()
	s.poke()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case <-w.ready:
			// Granted meanwhile: the slot is spent either way.
		default:
			q := s.queues[p]
			for i, x := range q {
				if x == w {
					s.queues[p] = append(q[:i:i], q[i+1:]...)
					break
				}
			}
		}
		return ctx.Err()
	case <-s.done:
		return errors.New("throttle: sender closed")
	}
}

func (s *Sender) dispatch() {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d := s.step()
		if d == 0 {
			continue
		}
		timer.Reset(d)
		select {
		case <-s.done:
			return
		case <-s.kick:
			// Since Go 1.23 Reset needs no drained channel.
		case <-timer.C:
		}
	}
}

// step lets at most one waiter go and returns how long to sleep before the
// next grant could happen (0: try again at once).
func (s *Sender) step() time.Duration {
	shared := s.cfg.Limiter != nil && !time.Now().Before(s.limiterDownUntil)
	s.mu.Lock()
	w, p, d := s.pick(time.Now(), !shared)
	if w == nil || !shared {
		if w != nil {
			s.grantLocked(w, p, time.Now())
			if s.cfg.Limiter != nil {
				s.local.Add(1)
			}
		}
		s.mu.Unlock()
		return d
	}
	s.mu.Unlock()

	// Ask the shared pace without holding the lock: callers keep queueing
	// and leaving meanwhile.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LimiterTimeout)
	r, err := s.cfg.Limiter.Reserve(ctx, w.chat)
	cancel()
	if err != nil {
		s.limiterFailed(err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	switch {
	case err != nil:
		// Pace alone, as if there were no Limiter.
		if earliest := s.globalNext.Add(-s.cfg.Global); now.Before(earliest) {
			return earliest.Sub(now)
		}
		s.local.Add(1)
	case r.Wait > 0 && r.ChatOnly:
		// Another process wrote to this chat: skip it until then and let
		// the next waiter try.
		if t := now.Add(r.Wait); t.After(s.chatNext[w.chat]) {
			s.chatNext[w.chat] = t
		}
		return 0
	case r.Wait > 0:
		return r.Wait
	}
	if !s.remove(w, p) {
		// Its context ended while we asked: the reserved send is lost,
		// which only slows the pace by one interval.
		return 0
	}
	s.grantLocked(w, p, now)
	return 0
}

// pick returns the waiter whose turn it is, leaving it queued, or nil and
// how long to sleep. With local, the local global spacing applies too.
// s.mu must be held.
func (s *Sender) pick(now time.Time, local bool) (*waiter, Priority, time.Duration) {
	if now.Before(s.pausedUntil) {
		return nil, 0, s.pausedUntil.Sub(now)
	}
	// globalNext is the theoretical time of the next send; one interval
	// early is tolerated (the burst of one).
	if earliest := s.globalNext.Add(-s.cfg.Global); local && now.Before(earliest) {
		return nil, 0, earliest.Sub(now)
	}
	var soonest time.Time
	for p := PriorityHigh; p >= PriorityLow; p-- {
		for _, w := range s.queues[p] {
			next := s.nextFor(w, now)
			if !now.Before(next) {
				return w, p, 0
			}
			if soonest.IsZero() || next.Before(soonest) {
				soonest = next
			}
		}
	}
	if soonest.IsZero() {
		return nil, 0, time.Hour // nothing waits; a new waiter kicks
	}
	return nil, 0, soonest.Sub(now)
}

// nextFor is the earliest time w may go as far as its chat is concerned:
// the chat's bulk spacing, its 429 pause, and the push-back of its
// conversation, which counts only until w has waited MaxYield. s.mu must
// be held.
func (s *Sender) nextFor(w *waiter, now time.Time) time.Time {
	next := s.chatNext[w.chat]
	if p := s.chatPause[w.chat]; p.After(next) {
		next = p
	}
	if r := s.replyNext[w.chat]; r.After(next) && now.Sub(w.since) < s.cfg.MaxYield {
		next = r
		if limit := w.since.Add(s.cfg.MaxYield); limit.Before(next) {
			next = limit
		}
	}
	return next
}

// remove takes w out of its queue and reports whether it was still there.
// s.mu must be held.
func (s *Sender) remove(w *waiter, p Priority) bool {
	q := s.queues[p]
	for i, x := range q {
		if x == w {
			s.queues[p] = append(q[:i:i], q[i+1:]...)
			return true
		}
	}
	return false
}

// grantLocked lets w go and records the send in the local pace. s.mu must
// be held and w still queued at p.
func (s *Sender) grantLocked(w *waiter, p Priority, now time.Time) {
	s.remove(w, p)
	s.chatNext[w.chat] = now.Add(s.cfg.PerChat)
	if now.After(s.globalNext) {
		s.globalNext = now
	}
	s.globalNext = s.globalNext.Add(s.cfg.Global)
	close(w.ready)
	s.prune(now)
}

// limiterFailed switches to the local pace for a moment and warns, at most
// once a minute. Only the dispatcher calls it.
func (s *Sender) limiterFailed(err error) {
	now := time.Now()
	s.limiterDownUntil = now.Add(limiterBackoff)
	if now.Sub(s.limiterLogged) >= limiterLogEvery {
		s.limiterLogged = now
		s.cfg.Logger.Warn("throttle: shared pace unavailable, pacing this process alone", "err", err)
	}
}

// pauseShared tells the other processes about a 429, so they stop too.
func (s *Sender) pauseShared(ctx context.Context, d time.Duration) {
	if s.cfg.Limiter == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.LimiterTimeout)
	defer cancel()
	if err := s.cfg.Limiter.Pause(ctx, d); err != nil {
		s.cfg.Logger.Warn("throttle: could not share a 429 pause", "err", err)
	}
}

// prune forgets chats whose spacing or pause is over, so the maps stay as
// small as the set of chats written to in the last PerChat. s.mu must be
// held.
func (s *Sender) prune(now time.Time) {
	for _, m := range []map[int64]time.Time{s.chatNext, s.replyNext, s.chatPause} {
		if len(m) < 4096 {
			continue
		}
		for c, t := range m {
			if t.Before(now) {
				delete(m, c)
			}
		}
	}
}
