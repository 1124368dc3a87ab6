package throttle_test

import (
	"context"
	"errors"
	"fmt"
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
}
