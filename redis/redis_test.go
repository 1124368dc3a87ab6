package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/redis"
)

// testClient connects to the real Redis (REDIS_URL, default localhost) and
// returns a unique key prefix whose keys are deleted after the test.
func testClient(t testing.TB) (goredis.UniversalClient, string) {
	t.Helper()
	client, err := redis.Open(os.Getenv("REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis is required for this test: %v", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "rantevou-test-" + hex.EncodeToString(b[:])
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

func TestOpen(t *testing.T) {
	t.Run("InvalidURLDoesNotEchoPassword", func(t *testing.T) {
		_, err := redis.Open("http://user:s3cret@host:1/0")
		if err == nil {
			t.Fatal("want an error for a non-redis URL")
		}
		if got := err.Error(); strings.Contains(got, "s3cret") {
			t.Fatalf("error leaks the password: %q", got)
		}
	})
	t.Run("DefaultURL", func(t *testing.T) {
		c, err := redis.Open("")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Ping(context.Background()).Err(); err != nil {
			t.Fatalf("default URL should reach the local redis: %v", err)
		}
	})
}
