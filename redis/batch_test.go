package redis

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
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
		waitFor(t, b, "the slow batch on its way", func() bool { return b.flushing && b.open == nil })
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

// pipelineCounter counts the pipelines a client sends.
type pipelineCounter struct{ n atomic.Int64 }

func (*pipelineCounter) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (*pipelineCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }
func (c *pipelineCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// A Deduper bound to the sessions (WithSessions) sends its commands in the
// sessions' pipelines: while one is on its way, an update's mark (Settle)
// and a session's compare-and-set wait for the next, together, instead of
// each leaving in a pipeline of its own.
func TestDeduperSharesSessionsPipelines(t *testing.T) {
	client, prefix := batchClient(t)
	count := &pipelineCounter{}
	client.AddHook(count)
	ctx := context.Background()
	sessions := NewSessions(client, prefix, time.Minute)
	dedupe := NewDeduper(client, prefix, time.Minute).WithSessions(sessions)
	// Known to the server first, so that the compare-and-set below is one
	// command (no NOSCRIPT and its retry of its own).
	if _, err := sessions.Save(ctx, 7, 0, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	b := sessions.batch
	// Its flush ends just after its answer: only then is what is seen on
	// its way below the slow pipeline.
	waitFor(t, b, "the first save's flush ended", func() bool { return !b.flushing })
	before := count.n.Load()
	slow := make(chan error, 1)
	go func() {
		slow <- b.do(ctx, func(p goredis.Pipeliner) { p.BLPop(ctx, time.Second, prefix+":empty") })
	}()
	waitFor(t, b, "the slow pipeline on its way", func() bool { return b.flushing && b.open == nil })

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- dedupe.Settle(ctx, 42) })
	wg.Go(func() {
		_, err := sessions.Save(ctx, 7, 1, []byte(`{"s":"x"}`))
		errs <- err
	})
	// The mark (one command) and the compare-and-set with the chat's
	// entry in the live set (four: markActive) wait in the same open
	// pipeline.
	waitFor(t, b, "the mark and the compare-and-set queued together", func() bool { return b.open != nil && b.open.p.Len() == 5 })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := <-slow; !errors.Is(err, goredis.Nil) {
		t.Fatalf("slow pipeline: %v, want redis.Nil (nothing to pop)", err)
	}
	if n := count.n.Load() - before; n != 2 {
		t.Errorf("%d pipelines from the slow one on, want 2: the slow one and the one the mark and the compare-and-set shared", n)
	}
}

// waitFor polls cond, which reads what b's mutex guards, under that
// mutex, for up to two seconds.
func waitFor(t *testing.T, b *batcher, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
