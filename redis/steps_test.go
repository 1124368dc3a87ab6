package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/rantevou/rantevou/redis"
)

// TestStepsCountedWithTheSession: reading an update's mark and its chat's
// session also counts the chat's step, in the same round trip, in a
// window of an hour from the chat's first step that later steps do not
// push on; chats are counted apart.
func TestStepsCountedWithTheSession(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	sessions := redis.NewSessions(client, prefix, 0)
	d := redis.NewDeduper(client, prefix, 0).WithSessions(sessions)
	for i := int64(1); i <= 3; i++ {
		first, _, snap, err := d.SeenAndLoad(ctx, 500+i, 42)
		if err != nil || !first || snap == nil {
			t.Fatalf("update %d: %v %v %v", i, first, snap, err)
		}
		if snap.Steps != i {
			t.Fatalf("step %d counted as %d", i, snap.Steps)
		}
	}
	if _, _, snap, err := d.SeenAndLoad(ctx, 600, 43); err != nil || snap.Steps != 1 {
		t.Fatalf("another chat's first step counted as %+v (%v)", snap, err)
	}
	key := sessions.StepsKey(42)
	if err := client.PExpire(ctx, key, 10*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := d.SeenAndLoad(ctx, 504, 42); err != nil {
		t.Fatal(err)
	}
	ttl, err := client.PTTL(ctx, key).Result()
	if err != nil || ttl > 10*time.Minute || ttl <= 0 {
		t.Fatalf("the window's TTL is %v (%v) after a later step; want it left to run out", ttl, err)
	}
	if err := client.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, snap, err := d.SeenAndLoad(ctx, 505, 42); err != nil || snap.Steps != 1 {
		t.Fatalf("a new window starts at %+v (%v)", snap, err)
	}
	if ttl, err := client.PTTL(ctx, key).Result(); err != nil || ttl <= 59*time.Minute || ttl > redis.StepWindow {
		t.Fatalf("a new window's TTL is %v (%v), want an hour", ttl, err)
	}
}
