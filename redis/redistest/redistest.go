// Package redistest connects tests to the real Redis, each under a key
// prefix of its own that is deleted when the test ends, so test packages
// can run in parallel against one server without seeing each other.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/redis"
)

// URL is the server tests use: REDIS_URL, or the local default.
func URL() string { return os.Getenv("REDIS_URL") }

// New returns a client on the test server and a fresh key prefix; the
// prefix's keys are deleted and the client closed in t.Cleanup. It fails the
// test, never skips it, when Redis does not answer.
func New(t testing.TB) (goredis.UniversalClient, string) {
	t.Helper()
	client, err := redis.Open(URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("Redis is required for this test and did not answer (%v); start it: make services", err)
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
