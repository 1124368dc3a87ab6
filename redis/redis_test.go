package redis_test

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
)

// testClient connects to the real Redis under a fresh key prefix.
func testClient(t testing.TB) (goredis.UniversalClient, string) { return redistest.New(t) }

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
