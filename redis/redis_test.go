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
	t.Run("Deployments", func(t *testing.T) {
		for _, tt := range []struct {
			url     string
			cluster bool
		}{
			{"redis://localhost:6379/0", false},
			{"redis+sentinel://:pw@sentinel1:26379?master_name=rantevou&addr=sentinel2:26379", false},
			{"redis+cluster://node1:6379?addr=node2:6379&addr=node3:6379", true},
		} {
			c, err := redis.Open(tt.url)
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			_, isCluster := c.(*goredis.ClusterClient)
			c.Close()
			if isCluster != tt.cluster {
				t.Errorf("Open(%q) gave a %T", tt.url, c)
			}
		}
	})
	t.Run("BadDeploymentURLsDoNotEchoPassword", func(t *testing.T) {
		for _, url := range []string{
			"redis+sentinel://:s3cret@sentinel1:26379", // no master_name
			"redis+cluster://:s3cret@node1:6379?bogus_option=1",
			"memcached://:s3cret@host:1",
		} {
			_, err := redis.Open(url)
			if err == nil {
				t.Errorf("Open(%q) should fail", url)
				continue
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %q", err)
			}
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
