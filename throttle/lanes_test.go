package throttle_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/throttle"
)

// These tests run the Sender on synctest's fake clock: time moves only when
// every goroutine of the test waits, so "at once" means no time passed at
// all and "after the pause" means exactly then, whatever the machine does.

func noop(context.Context) error { return nil }

// tooManyOnce answers 429 with retry after seconds the first time, then
// succeeds.
func tooManyOnce(after int) func(context.Context) error {
	var mu sync.Mutex
	done := false
	return func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			done = true
			return &bot.TooManyRequestsError{Message: "Too Many Requests", RetryAfter: after}
		}
		return nil
	}
}

// at runs fn in a goroutine and returns the fake time it finished at.
func at(start time.Time, fn func() error) (<-chan time.Duration, <-chan error) {
	took, errs := make(chan time.Duration, 1), make(chan error, 1)
	go func() {
		errs <- fn()
		took <- time.Since(start)
	}()
	return took, errs
}

func TestLanes(t *testing.T) {
	ctx := context.Background()

	t.Run("RepliesIgnoreTheBulkPace", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{Global: time.Hour})
			defer s.Close()
			// The burst of one spends the bulk pace for the next hour...
			for c := int64(1); c <= 2; c++ {
				if err := s.Do(ctx, c, throttle.PriorityLow, noop); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			bulk, _ := at(start, func() error { return s.Do(ctx, 3, throttle.PriorityLow, noop) })
			// ...and two hundred citizens' replies, two calls each, go at once.
			var wg sync.WaitGroup
			for c := int64(100); c < 300; c++ {
				wg.Go(func() {
					for range 2 {
						if err := s.Reply(ctx, c, noop); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			if took := time.Since(start); took != 0 {
				t.Fatalf("400 replies took %v of the fake clock; want none", took)
			}
			if took := <-bulk; took < 50*time.Minute {
				t.Fatalf("the third bulk send went after %v; the bulk pace (1 an hour, burst of one) must still hold", took)
			}
			if st := s.Stats(); st.Replies != 400 || st.Sent != 3 {
				t.Fatalf("stats %+v; want 400 replies and 3 bulk sends", st)
			}
		})
	})

	t.Run("A429ForAReplyPausesOnlyItsChat", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond})
			defer s.Close()
			start := time.Now()
			paused, perr := at(start, func() error { return s.Reply(ctx, 1, tooManyOnce(2)) })
			synctest.Wait() // chat 1 has its 429 and waits it out
			other, oerr := at(start, func() error { return s.Reply(ctx, 2, noop) })
			bulkSame, _ := at(start, func() error { return s.Do(ctx, 1, throttle.PriorityLow, noop) })
			bulkOther, _ := at(start, func() error { return s.Do(ctx, 3, throttle.PriorityLow, noop) })
			if err := <-perr; err != nil {
				t.Fatalf("the paused reply: %v; want it sent after the pause", err)
			}
			if err := <-oerr; err != nil {
				t.Fatal(err)
			}
			if took := <-paused; took != 2*time.Second {
				t.Fatalf("the reply that met a 429 (retry after 2 s) was sent after %v", took)
			}
			if took := <-other; took != 0 {
				t.Fatalf("another chat's reply waited %v behind chat 1's pause", took)
			}
			if took := <-bulkOther; took > 10*time.Millisecond {
				t.Fatalf("a notification to another chat waited %v: a reply's 429 must not pause the bulk lane", took)
			}
			if took := <-bulkSame; took < 2*time.Second {
				t.Fatalf("a notification to the paused chat went after %v, inside its 2 s pause", took)
			}
		})
	})

	t.Run("A429ForBulkPausesBulkNotReplies", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond})
			defer s.Close()
			start := time.Now()
			first, ferr := at(start, func() error { return s.Do(ctx, 1, throttle.PriorityLow, tooManyOnce(5)) })
			synctest.Wait()
			reply, rerr := at(start, func() error { return s.Reply(ctx, 2, noop) })
			bulk, _ := at(start, func() error { return s.Do(ctx, 3, throttle.PriorityLow, noop) })
			if err := <-rerr; err != nil {
				t.Fatal(err)
			}
			if took := <-reply; took != 0 {
				t.Fatalf("a reply waited %v behind the bulk lane's 429", took)
			}
			if took := <-bulk; took < 5*time.Second {
				t.Fatalf("a notification went after %v, inside the 5 s pause", took)
			}
			if err := <-ferr; err != nil {
				t.Fatal(err)
			}
			if took := <-first; took < 5*time.Second {
				t.Fatalf("the notification that met the 429 was sent again after %v", took)
			}
		})
	})

	t.Run("ReplyGivesUpOnALongPause", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{MaxReplyWait: 3 * time.Second})
			defer s.Close()
			start := time.Now()
			err := s.Reply(ctx, 1, tooManyOnce(30))
			var tm *bot.TooManyRequestsError
			if !errors.As(err, &tm) || time.Since(start) != 0 {
				t.Fatalf("err %v after %v; want the 429 at once: a citizen is not left waiting 30 s", err, time.Since(start))
			}
			// A deadline shorter than the pause gives up the same way.
			dctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if err := s.Reply(dctx, 5, tooManyOnce(2)); !errors.As(err, &tm) {
				t.Fatalf("err %v; want the 429 when the pause outlasts the deadline", err)
			}
		})
	})

	t.Run("BulkYieldsToAConversationButNotForever", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: time.Second, MaxYield: 3 * time.Second})
			defer s.Close()
			start := time.Now()
			if err := s.Reply(ctx, 5, noop); err != nil {
				t.Fatal(err)
			}
			if err := s.Do(ctx, 5, throttle.PriorityLow, noop); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took != time.Second {
				t.Fatalf("a notification right after a reply went after %v; want the chat's spacing, 1 s", took)
			}
			// A citizen who keeps tapping holds their notification back
			// for MaxYield at most.
			stop := make(chan struct{})
			tapping := make(chan struct{})
			go func() {
				defer close(tapping)
				for {
					select {
					case <-stop:
						return
					case <-time.After(300 * time.Millisecond):
						_ = s.Reply(ctx, 6, noop)
					}
				}
			}()
			time.Sleep(time.Second)
			queued := time.Now()
			if err := s.Do(ctx, 6, throttle.PriorityLow, noop); err != nil {
				t.Fatal(err)
			}
			close(stop)
			<-tapping
			if took := time.Since(queued); took != 3*time.Second {
				t.Fatalf("the notification of a busy chat went after %v; want MaxYield, 3 s", took)
			}
		})
	})

	t.Run("HighPriorityJumpsTheQueue", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
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
				wg.Go(func() { _ = s.Do(ctx, c, throttle.PriorityLow, job("bulk")) })
			}
			time.Sleep(50 * time.Millisecond) // the bulk is queued and flowing
			if err := s.Do(ctx, 999, throttle.PriorityHigh, job("high")); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			i := 0
			for i < len(order) && order[i] != "high" {
				i++
			}
			// 50 ms at one per 20 ms with a burst of one: 4 bulk sends went
			// first, then the high one at its turn.
			if i != 4 {
				t.Fatalf("order %v: the high-priority job ran %dth; want 5th, right after those already granted", order, i+1)
			}
		})
	})

	t.Run("NoWindowHoldsMoreThanRatePlusOne", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const every = 10 * time.Millisecond
			s := throttle.New(throttle.Config{Global: every, PerChat: time.Millisecond})
			defer s.Close()
			var mu sync.Mutex
			var sent []time.Time
			var wg sync.WaitGroup
			for c := int64(1); c <= 120; c++ {
				wg.Go(func() {
					_ = s.Do(ctx, c, throttle.PriorityLow, func(context.Context) error {
						mu.Lock()
						sent = append(sent, time.Now())
						mu.Unlock()
						return nil
					})
				})
			}
			wg.Wait()
			sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })
			for i := range sent {
				n := 0
				for j := i; j < len(sent) && sent[j].Sub(sent[i]) < 10*every; j++ {
					n++
				}
				if n > 11 {
					t.Fatalf("%d sends within %v; at most 10 and the burst of one", n, 10*every)
				}
			}
			// 119 intervals, one of them taken by the burst.
			if total := sent[len(sent)-1].Sub(sent[0]); total != 118*every {
				t.Fatalf("120 sends took %v; want %v", total, 118*every)
			}
		})
	})

	t.Run("CancelledWaiterLeavesQueue", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := throttle.New(throttle.Config{Global: time.Hour})
			defer s.Close()
			// The burst of one lets two through; the third must wait an hour.
			_ = s.Do(ctx, 1, throttle.PriorityLow, noop)
			_ = s.Do(ctx, 3, throttle.PriorityLow, noop)
			dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			ran := false
			err := s.Do(dctx, 2, throttle.PriorityLow, func(context.Context) error { ran = true; return nil })
			if !errors.Is(err, context.DeadlineExceeded) || ran {
				t.Fatalf("err %v, ran %v; want the deadline and no run", err, ran)
			}
			if w := s.Stats().Waiting; w != 0 {
				t.Fatalf("%d waiters left", w)
			}
		})
	})
}
