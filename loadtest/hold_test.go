package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// TestRedisHeldByAnotherRun: a run refuses the Redis database another run
// holds, before it flushes anything, and leaves that run's keys alone.
func TestRedisHeldByAnotherRun(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Set(ctx, redisHold, "rantevou_load_other", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "other:{chat:1}:session", "theirs", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	defer rdb.Del(context.Background(), redisHold, "other:{chat:1}:session")

	_, err = Run(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), "in use by another load test (rantevou_load_other") {
		t.Fatalf("run on a held Redis database: %v, want it refused", err)
	}
	if n, err := rdb.Exists(ctx, redisHold, "other:{chat:1}:session").Result(); err != nil || n != 2 {
		t.Fatalf("the other run's keys: %d of 2 left (%v)", n, err)
	}
}
