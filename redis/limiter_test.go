package redis_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/redis"
)

func TestLimiter(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)

	t.Run("GlobalToleratesHalfAnInterval", func(t *testing.T) {
		l := redis.NewLimiter(client, prefix+":burst", 200*time.Millisecond, time.Second)
		if r, err := l.Reserve(ctx, 1); err != nil || r.Wait != 0 {
			t.Fatalf("first send: %+v, %v; want granted", r, err)
		}
		r, err := l.Reserve(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if r.Wait < 50*time.Millisecond || r.Wait > 100*time.Millisecond || r.ChatOnly {
			t.Fatalf("second send: %+v; want a global wait of about 100ms (200ms less the tolerance)", r)
		}
		time.Sleep(r.Wait)
		if r, err := l.Reserve(ctx, 2); err != nil || r.Wait != 0 {
			t.Fatalf("second send after its wait: %+v, %v; want granted", r, err)
		}
	})

	t.Run("ChatSpacingRefusesWithoutConsuming", func(t *testing.T) {
		l := redis.NewLimiter(client, prefix+":chat", time.Microsecond, 500*time.Millisecond)
		if r, err := l.Reserve(ctx, 7); err != nil || r.Wait != 0 {
			t.Fatalf("first: %+v, %v", r, err)
		}
		before := client.Get(ctx, l.GlobalKey()).Val()
		r, err := l.Reserve(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		if !r.ChatOnly || r.Wait < 400*time.Millisecond || r.Wait > 500*time.Millisecond {
			t.Fatalf("second to the same chat: %+v; want a chat-only wait of about 500ms", r)
		}
		if after := client.Get(ctx, l.GlobalKey()).Val(); after != before {
			t.Fatalf("a refused send moved the global pace from %s to %s", before, after)
		}
		if r, err := l.Reserve(ctx, 8); err != nil || r.Wait != 0 {
			t.Fatalf("another chat: %+v, %v; want granted", r, err)
		}
	})

	t.Run("PauseHoldsEveryoneAndNeverShortens", func(t *testing.T) {
		l := redis.NewLimiter(client, prefix+":pause", time.Millisecond, time.Millisecond)
		if err := l.Pause(ctx, 400*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := l.Pause(ctx, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		r, err := l.Reserve(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.ChatOnly || r.Wait < 300*time.Millisecond || r.Wait > 400*time.Millisecond {
			t.Fatalf("during a pause: %+v; want a wait of about 400ms", r)
		}
		time.Sleep(r.Wait)
		if r, err := l.Reserve(ctx, 1); err != nil || r.Wait != 0 {
			t.Fatalf("after the pause: %+v, %v; want granted", r, err)
		}
	})

	t.Run("EveryKeyExpires", func(t *testing.T) {
		l := redis.NewLimiter(client, prefix+":ttl", 10*time.Millisecond, time.Second)
		if _, err := l.Reserve(ctx, 11); err != nil {
			t.Fatal(err)
		}
		if err := l.Pause(ctx, time.Second); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{l.GlobalKey(), l.ChatKey(11), l.PauseKey()} {
			ttl := client.PTTL(ctx, k).Val()
			if ttl <= 0 || ttl > 3*time.Second {
				t.Fatalf("%s: TTL %v; want a few seconds at most", k, ttl)
			}
		}
	})

	t.Run("KeysShareOneClusterSlot", func(t *testing.T) {
		l := redis.NewLimiter(client, "rantevou", 0, 0)
		want := client.ClusterKeySlot(ctx, l.GlobalKey()).Val()
		if want != client.ClusterKeySlot(ctx, "tg").Val() {
			t.Fatalf("global key %s is not tagged {tg}", l.GlobalKey())
		}
		for _, k := range []string{l.ChatKey(42), l.ChatKey(-100123), l.PauseKey()} {
			if got := client.ClusterKeySlot(ctx, k).Val(); got != want {
				t.Fatalf("%s in slot %d, global in %d", k, got, want)
			}
		}
	})
}

// TestLimiterConcurrentGrantsKeepThePace has many goroutines (as many
// replicas would) reserve as fast as they can: the script being atomic, no
// window may hold more grants than the GCRA allows, rate·window plus the
// burst.
func TestLimiterConcurrentGrantsKeepThePace(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	const every = 10 * time.Millisecond
	l := redis.NewLimiter(client, prefix, every, time.Millisecond)

	type grant struct{ before, after time.Time }
	var mu sync.Mutex
	var grants []grant
	start := time.Now()
	deadline := start.Add(time.Second)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			chat := int64(g) * 1000
			for time.Now().Before(deadline) {
				chat++
				before := time.Now()
				r, err := l.Reserve(ctx, chat)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Wait == 0 {
					mu.Lock()
					grants = append(grants, grant{before, time.Now()})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	// In all: at most elapsed/every + 2 (the first two come together).
	if max := int(elapsed/every) + 2; len(grants) > max {
		t.Fatalf("%d grants in %v; the pace allows %d", len(grants), elapsed, max)
	}
	if min := int(time.Second/every) * 8 / 10; len(grants) < min {
		t.Fatalf("%d grants in %v; want about %d (the limiter is too strict)", len(grants), elapsed, time.Second/every)
	}
	// In any window: a grant certainly fell inside [a, a+w] when the call
	// that got it began and ended inside it; those are at most w/every + 2.
	sort.Slice(grants, func(i, j int) bool { return grants[i].before.Before(grants[j].before) })
	const w = 100 * time.Millisecond
	for i := range grants {
		end := grants[i].before.Add(w)
		n := 0
		for j := i; j < len(grants) && grants[j].before.Before(end); j++ {
			if !grants[j].after.After(end) {
				n++
			}
		}
		if n > int(w/every)+2 {
			t.Fatalf("%d grants within %v", n, w)
		}
	}
}
