package redis

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// batchClient is redistest.New, which this package's own tests cannot
// import (it imports the package).
func batchClient(t *testing.T) (goredis.UniversalClient, string) {
	client, err := Open(os.Getenv("REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis is required for this test and did not answer (%v)", err)
	}
	prefix := "rantevou-test-batch-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+":*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		client.Close()
	})
	return client, prefix
}

func TestBatcher(t *testing.T) {
	client, prefix := batchClient(t)
	b := newBatcher(client)
	ctx := context.Background()

	t.Run("EachCallerGetsItsOwnAnswers", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 200 {
			wg.Go(func() {
				key := prefix + ":b:" + strconv.Itoa(i)
				var set *goredis.StatusCmd
				var get *goredis.StringCmd
				if err := b.do(ctx, func(p goredis.Pipeliner) {
					set = p.Set(ctx, key, i, time.Minute)
					get = p.Get(ctx, key)
				}); err != nil {
					errs <- err
					return
				}
				if set.Err() != nil || get.Val() != strconv.Itoa(i) {
					errs <- errors.New("caller " + strconv.Itoa(i) + " read " + get.Val())
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("OneCallersErrorIsItsOwn", func(t *testing.T) {
		var wg sync.WaitGroup
		var failing, others error
		var mu sync.Mutex
		for i := range 50 {
			wg.Go(func() {
				err := b.do(ctx, func(p goredis.Pipeliner) {
					if i == 0 {
						p.Do(ctx, "NOSUCHCOMMAND")
						return
					}
					p.Ping(ctx)
				})
				mu.Lock()
				defer mu.Unlock()
				if i == 0 {
					failing = err
				} else if err != nil {
					others = err
				}
			})
		}
		wg.Wait()
		if failing == nil {
			t.Error("the failing caller got no error")
		}
		if others != nil {
			t.Errorf("another caller got %v", others)
		}
	})
	t.Run("MissingKeyIsNil", func(t *testing.T) {
		var get *goredis.StringCmd
		err := b.do(ctx, func(p goredis.Pipeliner) { get = p.Get(ctx, prefix+":none") })
		if !errors.Is(err, goredis.Nil) || !errors.Is(get.Err(), goredis.Nil) {
			t.Fatalf("err %v, get %v; want redis.Nil", err, get.Err())
		}
	})
	t.Run("GivingUpReturnsAtOnce", func(t *testing.T) {
		// A slow batch on its way (a blocking pop that waits a second);
		// the next caller's batch waits behind it, and the caller, whose
		// ctx has ended, must stop waiting at once. A batcher of its own,
		// so that what is on its way can only be the slow batch.
		b := newBatcher(client)
		slow := make(chan error, 1)
		go func() {
			slow <- b.do(ctx, func(p goredis.Pipeliner) { p.BLPop(ctx, time.Second, prefix+":empty") })
		}()
		for deadline := time.Now().Add(time.Second); ; {
			b.mu.Lock()
			onItsWay := b.flushing && b.open == nil
			b.mu.Unlock()
			if onItsWay {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the slow batch was never seen on its way")
			}
			time.Sleep(time.Millisecond)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		start := time.Now()
		if err := b.do(cctx, func(p goredis.Pipeliner) { p.Ping(ctx) }); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("gave up after %v, behind the slow batch", d)
		}
		if err := <-slow; !errors.Is(err, goredis.Nil) {
			t.Fatalf("slow batch: %v, want redis.Nil (nothing to pop)", err)
		}
	})
}
