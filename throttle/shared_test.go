package throttle_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

// replica is one process's sender on the shared pace, with a Redis client
// of its own as a separate process would have.
func replica(t *testing.T, prefix string, cfg throttle.Config) *throttle.Sender {
	t.Helper()
	client, err := redis.Open(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	cfg.Limiter = redis.NewLimiter(client, prefix, cfg.Global, cfg.PerChat)
	s := throttle.New(cfg)
	t.Cleanup(s.Close)
	return s
}

func TestSharedPace(t *testing.T) {
	_, prefix := redistest.New(t) // the prefix's keys are deleted at the end

	t.Run("TwoReplicasTogetherStayUnderBothLimits", func(t *testing.T) {
		// As in TestSender, Telegram's limits ten times faster. Each
		// replica alone would pace at 200/s: two of them without a shared
		// pace send 400/s and meet 429s.
		fake, b := fakeBot(t, telegramfake.Limits{PerChat: 10, Global: 300})
		cfg := throttle.Config{Global: time.Second / 200, PerChat: 400 * time.Millisecond}
		replicas := []*throttle.Sender{replica(t, prefix+":two", cfg), replica(t, prefix+":two", cfg)}
		// Both replicas write to the same 60 chats, so the per-chat spacing
		// must be shared too.
		const chats, each = 60, 2
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 2*chats*each)
		for r, s := range replicas {
			for c := int64(1); c <= chats; c++ {
				for i := range each {
					wg.Go(func() {
						errs <- s.Do(context.Background(), c, throttle.PriorityLow, send(b, c, fmt.Sprint("r", r, "n", i)))
					})
				}
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		const total = 2 * chats * each
		st := fake.Stats()
		if st.Delivered != total || st.TooManyRequests != 0 {
			t.Fatalf("fake saw %+v; want %d delivered and no 429", st, total)
		}
		if min := time.Duration(total-2) * time.Second / 200; elapsed < min {
			t.Fatalf("%d sends took %v, faster than the shared pace allows (%v)", total, elapsed, min)
		}
		for _, s := range replicas {
			if st := s.Stats(); st.Local != 0 || st.Sent == 0 {
				t.Fatalf("replica stats %+v; want sends, all on the shared pace", st)
			}
		}
	})

	t.Run("A429OnOneReplicaPausesTheOther", func(t *testing.T) {
		cfg := throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond}
		a, b := replica(t, prefix+":pause", cfg), replica(t, prefix+":pause", cfg)
		// a meets a 429 with retry_after 1 s; b, which saw none, must
		// still hold its send until the pause is over.
		start := time.Now()
		first := true
		go func() {
			_ = a.Do(context.Background(), 2, throttle.PriorityLow, func(context.Context) error {
				if first {
					first = false
					return &bot.TooManyRequestsError{Message: "Too Many Requests", RetryAfter: 1}
				}
				return nil
			})
		}()
		time.Sleep(100 * time.Millisecond) // a got its 429 and shared it
		if err := b.Do(context.Background(), 3, throttle.PriorityLow, func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 900*time.Millisecond {
			t.Fatalf("the other replica sent %v after the 429; want about 1s (retry_after)", took)
		}
	})

	t.Run("RedisDownFallsBackToLocalPace", func(t *testing.T) {
		// Nothing listens on port 1: every call fails at once.
		client, err := redis.Open("redis://127.0.0.1:1/0")
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		var logs bytes.Buffer
		var logMu sync.Mutex
		log := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))
		const every = 10 * time.Millisecond
		s := throttle.New(throttle.Config{Global: every, PerChat: time.Millisecond, Logger: log,
			Limiter: redis.NewLimiter(client, "rantevou-test-down", every, time.Millisecond)})
		defer s.Close()
		const n = 40
		start := time.Now()
		var wg sync.WaitGroup
		for c := int64(1); c <= n; c++ {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := s.Do(ctx, c, throttle.PriorityLow, func(context.Context) error { return nil }); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		if min := (n - 2) * every; elapsed < min {
			t.Fatalf("%d sends took %v; the local pace allows no less than %v", n, elapsed, min)
		}
		if got := s.Stats().Local; got != n {
			t.Fatalf("%d sends paced locally; want all %d", got, n)
		}
		logMu.Lock()
		defer logMu.Unlock()
		if got := strings.Count(logs.String(), "shared pace unavailable"); got != 1 {
			t.Fatalf("%d warnings about Redis; want one a minute:\n%s", got, logs.String())
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
