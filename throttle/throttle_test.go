package throttle_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

const token = "123456:test-token"

// fakeBot starts the fake Bot API with limits and a real client on it.
func fakeBot(t *testing.T, l telegramfake.Limits) (*telegramfake.Server, *bot.Bot) {
	t.Helper()
	fake := telegramfake.New(token)
	url := fake.Start()
	t.Cleanup(fake.Close)
	fake.SetLimits(l)
	b, err := bot.New(token, bot.WithServerURL(url), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return fake, b
}

func send(b *bot.Bot, chat int64, text string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: text})
		return err
	}
}

func TestSender(t *testing.T) {
	t.Run("BurstStaysUnderBothLimits", func(t *testing.T) {
		// Telegram's limits scaled ten times faster, so the test runs in
		// about a second: 300/s in all, 10/s per chat.
		fake, b := fakeBot(t, telegramfake.Limits{PerChat: 10, Global: 300})
		// The margins are wider than in production (29/s against 30/s, 1.1 s
		// against 1 s): under the race detector on a busy machine a request
		// can straggle by a hundred milliseconds, a lot at this speed.
		s := throttle.New(throttle.Config{Global: time.Second / 200, PerChat: 400 * time.Millisecond})
		defer s.Close()
		const chats, each = 60, 3
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, chats*each)
		for c := int64(1); c <= chats; c++ {
			for i := 0; i < each; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- s.Do(context.Background(), c, throttle.PriorityLow, send(b, c, fmt.Sprint("n", i)))
				}()
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
		st := fake.Stats()
		if st.Delivered != chats*each || st.TooManyRequests != 0 {
			t.Fatalf("fake saw %+v; want %d delivered and no 429", st, chats*each)
		}
		// 180 messages at 200/s (one burst of two allowed) cannot take
		// less than 0.89 s.
		if min := time.Duration(chats*each-2) * time.Second / 200; elapsed < min {
			t.Fatalf("burst took %v, faster than the global limit allows (%v)", elapsed, min)
		}
		for c := int64(1); c <= chats; c++ {
			msgs := fake.Chat(c)
			for i := 1; i < len(msgs); i++ {
				if gap := msgs[i].Date.Sub(msgs[i-1].Date); gap < 100*time.Millisecond {
					t.Fatalf("chat %d: two messages %v apart", c, gap)
				}
			}
		}
	})

	t.Run("PausesAfter429", func(t *testing.T) {
		// The fake allows 5 a second; the sender is set far faster, as two
		// replicas sharing a token would be. The first 429 must stop every
		// send for retry_after instead of hammering on.
		fake, b := fakeBot(t, telegramfake.Limits{Global: 5})
		s := throttle.New(throttle.Config{Global: 5 * time.Millisecond, PerChat: time.Millisecond})
		defer s.Close()
		start := time.Now()
		var wg sync.WaitGroup
		for c := int64(1); c <= 8; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Do(context.Background(), c, throttle.PriorityLow, send(b, c, "hi")); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		st := fake.Stats()
		if st.Delivered != 8 {
			t.Fatalf("delivered %d of 8", st.Delivered)
		}
		if st.TooManyRequests < 1 || st.TooManyRequests > 2 {
			t.Fatalf("fake answered %d 429s; want 1 or 2 (a pause, not a retry storm)", st.TooManyRequests)
		}
		if got := s.Stats().TooMany; got != int64(st.TooManyRequests) {
			t.Fatalf("sender counted %d 429s, fake sent %d", got, st.TooManyRequests)
		}
		if elapsed := time.Since(start); elapsed < time.Second {
			t.Fatalf("finished in %v: the retry_after of 1 s was not honoured", elapsed)
		}
	})

	t.Run("BlockedChatStopsAtOnce", func(t *testing.T) {
		fake, b := fakeBot(t, telegramfake.Limits{})
		var blocked []int64
		s := throttle.New(throttle.Config{Global: time.Millisecond, OnBlocked: func(c int64) { blocked = append(blocked, c) }})
		defer s.Close()
		fake.Block(77)
		err := s.Do(context.Background(), 77, throttle.PriorityLow, send(b, 77, "hi"))
		if !errors.Is(err, throttle.ErrBlocked) || !errors.Is(err, bot.ErrorForbidden) {
			t.Fatalf("err = %v; want ErrBlocked and bot.ErrorForbidden", err)
		}
		if fake.Stats().Forbidden != 1 || len(blocked) != 1 || blocked[0] != 77 {
			t.Fatalf("forbidden %d, OnBlocked %v; want one try and chat 77 reported", fake.Stats().Forbidden, blocked)
		}
	})

	t.Run("HighPriorityJumpsTheQueue", func(t *testing.T) {
		s := throttle.New(throttle.Config{Global: 20 * time.Millisecond})
		defer s.Close()
		var mu sync.Mutex
		var order []string
		job := func(name string) func(context.Context) error {
			return func(context.Context) error {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				return nil
			}
		}
		var wg sync.WaitGroup
		for c := int64(1); c <= 20; c++ {
			wg.Add(1)
			go func() { defer wg.Done(); _ = s.Do(context.Background(), c, throttle.PriorityLow, job("bulk")) }()
		}
		time.Sleep(50 * time.Millisecond) // the bulk is queued and flowing
		if err := s.Do(context.Background(), 999, throttle.PriorityHigh, job("reply")); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for i, name := range order {
			if name == "reply" {
				if i > 5 {
					t.Fatalf("reply ran %dth of %d; it should pass the waiting bulk", i+1, len(order))
				}
				return
			}
		}
		t.Fatal("reply never ran")
	})

	t.Run("RepliesSkipPerChatSpacingButDelayNotifications", func(t *testing.T) {
		const perChat = 300 * time.Millisecond
		s := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: perChat})
		defer s.Close()
		noop := func(context.Context) error { return nil }
		// A turn of a conversation: three calls to one chat in a row.
		start := time.Now()
		for range 3 {
			if err := s.Do(context.Background(), 5, throttle.PriorityReply, noop); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took >= perChat {
			t.Fatalf("three replies took %v; the per-chat spacing (%v) must not apply to them", took, perChat)
		}
		// A reminder for the same chat right after waits its turn.
		start = time.Now()
		if err := s.Do(context.Background(), 5, throttle.PriorityLow, noop); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < perChat-50*time.Millisecond {
			t.Fatalf("a notification right after a reply went out after %v; want about %v", took, perChat)
		}
	})

	t.Run("NoWindowHoldsMoreThanRatePlusOne", func(t *testing.T) {
		const every = 10 * time.Millisecond
		s := throttle.New(throttle.Config{Global: every, PerChat: time.Millisecond})
		defer s.Close()
		var mu sync.Mutex
		var at []time.Time
		var wg sync.WaitGroup
		for c := int64(1); c <= 120; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = s.Do(context.Background(), c, throttle.PriorityLow, func(context.Context) error {
					mu.Lock()
					at = append(at, time.Now())
					mu.Unlock()
					return nil
				})
			}()
		}
		wg.Wait()
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		// Times are taken inside the jobs, a little after each grant, so
		// allow one more for scheduling noise on top of the burst of one.
		for i := range at {
			n := 0
			for j := i; j < len(at) && at[j].Sub(at[i]) < 10*every; j++ {
				n++
			}
			if n > 12 {
				t.Fatalf("%d sends within %v", n, 10*every)
			}
		}
		// 119 intervals, one of them skipped by the burst; one more of
		// slack for the noise of taking times inside the jobs.
		if total := at[len(at)-1].Sub(at[0]); total < 117*every {
			t.Fatalf("120 sends took %v; the rate is above 1 per %v", total, every)
		}
	})

	t.Run("CancelledWaiterLeavesQueue", func(t *testing.T) {
		s := throttle.New(throttle.Config{Global: time.Hour})
		defer s.Close()
		// The burst of one lets two through; the third must wait an hour.
		_ = s.Do(context.Background(), 1, throttle.PriorityLow, func(context.Context) error { return nil })
		_ = s.Do(context.Background(), 3, throttle.PriorityLow, func(context.Context) error { return nil })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		ran := false
		err := s.Do(ctx, 2, throttle.PriorityLow, func(context.Context) error { ran = true; return nil })
		if !errors.Is(err, context.DeadlineExceeded) || ran {
			t.Fatalf("err %v, ran %v; want the deadline and no run", err, ran)
		}
		if w := s.Stats().Waiting; w != 0 {
			t.Fatalf("%d waiters left", w)
		}
	})
}
