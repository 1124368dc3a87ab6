package redis_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/redis"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	s := redis.NewSessions(client, prefix, time.Minute)

	t.Run("NoneIsNilZero", func(t *testing.T) {
		data, v, err := s.Load(ctx, 1)
		if err != nil || data != nil || v != 0 {
			t.Fatalf("Load of a missing session = %q, %d, %v; want nil, 0, nil", data, v, err)
		}
	})
	t.Run("SaveThenLoad", func(t *testing.T) {
		v, err := s.Save(ctx, 2, 0, []byte(`{"a":1}`))
		if err != nil || v != 1 {
			t.Fatalf("first Save = %d, %v; want 1, nil", v, err)
		}
		v, err = s.Save(ctx, 2, 1, []byte(`{"a":2}`))
		if err != nil || v != 2 {
			t.Fatalf("second Save = %d, %v; want 2, nil", v, err)
		}
		data, v, err := s.Load(ctx, 2)
		if err != nil || string(data) != `{"a":2}` || v != 2 {
			t.Fatalf("Load = %q, %d, %v", data, v, err)
		}
	})
	t.Run("StaleVersionConflicts", func(t *testing.T) {
		if _, err := s.Save(ctx, 3, 0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		_, err := s.Save(ctx, 3, 0, []byte("y"))
		if !errors.Is(err, conversation.ErrVersionConflict) {
			t.Fatalf("Save with a stale version: err = %v, want ErrVersionConflict", err)
		}
		data, _, _ := s.Load(ctx, 3)
		if string(data) != "x" {
			t.Fatalf("a lost compare-and-set changed the session to %q", data)
		}
	})
	t.Run("ExpiredSessionConflicts", func(t *testing.T) {
		if _, err := s.Save(ctx, 4, 0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, 4); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Save(ctx, 4, 1, []byte("y")); !errors.Is(err, conversation.ErrVersionConflict) {
			t.Fatalf("Save over a vanished session: err = %v, want ErrVersionConflict", err)
		}
	})
	t.Run("KeyHasHashTagAndTTL", func(t *testing.T) {
		if got, want := s.Key(42), prefix+":{chat:42}:session"; got != want {
			t.Fatalf("Key = %q, want %q", got, want)
		}
		if _, err := s.Save(ctx, 42, 0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		ttl := client.PTTL(ctx, s.Key(42)).Val()
		if ttl <= 50*time.Second || ttl > time.Minute {
			t.Fatalf("TTL after Save = %v, want about 1m", ttl)
		}
	})
	t.Run("TTLRunsOut", func(t *testing.T) {
		short := redis.NewSessions(client, prefix, 100*time.Millisecond)
		if _, err := short.Save(ctx, 5, 0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
		data, v, err := short.Load(ctx, 5)
		if err != nil || data != nil || v != 0 {
			t.Fatalf("Load after the TTL = %q, %d, %v; want nothing", data, v, err)
		}
	})
}

// TestSessionsConcurrentIncrement has N goroutines each add one to a counter
// kept in one session, retrying on conflict as the engine does. Without the
// compare-and-set some increments would be lost.
func TestSessionsConcurrentIncrement(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	s := redis.NewSessions(client, prefix, time.Minute)
	const workers, each = 16, 25
	var wg sync.WaitGroup
	var conflicts sync.Map
	for w := range workers {
		wg.Go(func() {
			for range each {
				for attempt := 0; ; attempt++ {
					data, v, err := s.Load(ctx, 7)
					if err != nil {
						t.Error(err)
						return
					}
					n := 0
					if data != nil {
						n, _ = strconv.Atoi(string(data))
					}
					_, err = s.Save(ctx, 7, v, []byte(strconv.Itoa(n+1)))
					if err == nil {
						break
					}
					if !redis.IsConflict(err) {
						t.Error(err)
						return
					}
					conflicts.Store(w, attempt+1)
				}
			}
		})
	}
	wg.Wait()
	data, v, err := s.Load(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d: an update was lost", got, workers*each)
	}
	if v != workers*each {
		t.Fatalf("version = %d, want %d", v, workers*each)
	}
	n := 0
	conflicts.Range(func(any, any) bool { n++; return true })
	t.Logf("%d of %d workers hit at least one conflict", n, workers)
}

func TestSessionsRedisDown(t *testing.T) {
	// Nothing listens on port 1; no retries, so the failure comes at once.
	client, err := redis.Open("redis://127.0.0.1:1/0?max_retries=-1")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s := redis.NewSessions(client, "down", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := s.Load(ctx, 1); err == nil {
		t.Fatal("Load against an unreachable redis returned no error")
	}
	if _, err := s.Save(ctx, 1, 0, []byte("x")); err == nil || redis.IsConflict(err) {
		t.Fatalf("Save against an unreachable redis: err = %v, want a non-conflict error", err)
	}
}

func TestSessionsActive(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	s := redis.NewSessions(client, prefix, time.Minute)
	for chat := int64(1); chat <= 3; chat++ {
		if _, err := s.Save(ctx, chat, 0, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Save(ctx, 1, 1, []byte("{}")); err != nil { // a second turn is not a second session
		t.Fatal(err)
	}
	waitActive := func(want int) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			n, err := s.Active(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Active = %d, want %d", n, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitActive(3)
	if err := s.Delete(ctx, 2); err != nil {
		t.Fatal(err)
	}
	waitActive(2)

	// An entry whose session has expired no longer counts.
	expired := redis.NewSessions(client, prefix, time.Second)
	if _, err := expired.Save(ctx, 9, 0, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	waitActive(3)
	time.Sleep(2100 * time.Millisecond)
	waitActive(2)
}

// TestSessionsSaveAfterScriptFlush covers a Redis that has forgotten the
// compare-and-set script (a restart, or SCRIPT FLUSH): the save sends it in
// full and goes on.
func TestSessionsSaveAfterScriptFlush(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	s := redis.NewSessions(client, prefix, time.Minute)
	if _, err := s.Save(ctx, 1, 0, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Save(ctx, 1, 1, []byte("b")); err != nil || v != 2 {
		t.Fatalf("Save after SCRIPT FLUSH = %d, %v; want 2, nil", v, err)
	}
	if _, err := s.Save(ctx, 1, 1, []byte("c")); !errors.Is(err, conversation.ErrVersionConflict) {
		t.Fatalf("a stale save after the reload = %v, want a conflict", err)
	}
	if data, v, err := s.Load(ctx, 1); err != nil || string(data) != "b" || v != 2 {
		t.Fatalf("Load = %q, %d, %v", data, v, err)
	}
}
