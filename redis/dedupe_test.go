package redis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rantevou/rantevou/redis"
)

func TestDeduper(t *testing.T) {
	ctx := context.Background()
	client, prefix := testClient(t)
	d := redis.NewDeduper(client, prefix, 0)

	t.Run("FirstThenInHandThenDone", func(t *testing.T) {
		first, _, err := d.Seen(ctx, 100)
		if err != nil || !first {
			t.Fatalf("first Seen = %v, %v; want true", first, err)
		}
		// While the first delivery handles it, a repeat is told so.
		var inHand *redis.InHandError
		if first, _, err = d.Seen(ctx, 100); first || !errors.As(err, &inHand) {
			t.Fatalf("repeated Seen while in hand = %v, %v; want an InHandError", first, err)
		}
		if err := d.Settle(ctx, 100); err != nil {
			t.Fatal(err)
		}
		if first, _, err = d.Seen(ctx, 100); err != nil || first {
			t.Fatalf("repeated Seen once done = %v, %v; want a plain duplicate", first, err)
		}
	})
	t.Run("InHandBriefDoneADay", func(t *testing.T) {
		if _, _, err := d.Seen(ctx, 101); err != nil {
			t.Fatal(err)
		}
		// An update whose process died comes free soon, to be handled on
		// Telegram's next delivery.
		if ttl := client.TTL(ctx, d.Key(101)).Val(); ttl <= 0 || ttl > redis.DefaultInHandTTL {
			t.Fatalf("TTL in hand = %v, want at most %v", ttl, redis.DefaultInHandTTL)
		}
		if err := d.Settle(ctx, 101); err != nil {
			t.Fatal(err)
		}
		if ttl := client.TTL(ctx, d.Key(101)).Val(); ttl < 23*time.Hour || ttl > 24*time.Hour {
			t.Fatalf("TTL once done = %v, want 24h", ttl)
		}
	})
	t.Run("ForgetAllowsRetry", func(t *testing.T) {
		if _, _, err := d.Seen(ctx, 102); err != nil {
			t.Fatal(err)
		}
		if err := d.Forget(ctx, 102); err != nil {
			t.Fatal(err)
		}
		if first, _, err := d.Seen(ctx, 102); err != nil || !first {
			t.Fatalf("Seen after Forget = %v, %v; want true", first, err)
		}
	})
	t.Run("ParkedRepliesComeBackOnce", func(t *testing.T) {
		if first, _, err := d.Seen(ctx, 104); err != nil || !first {
			t.Fatalf("first Seen = %v, %v", first, err)
		}
		if err := d.Park(ctx, 104, []byte(`[{"Text":"booked"}]`)); err != nil {
			t.Fatal(err)
		}
		first, parked, err := d.Seen(ctx, 104)
		if err != nil || first || string(parked) != `[{"Text":"booked"}]` {
			t.Fatalf("redelivery: Seen = %v, %q, %v; want the parked replies", first, parked, err)
		}
		if ttl := client.TTL(ctx, d.Key(104)).Val(); ttl < 23*time.Hour {
			t.Fatalf("TTL after Park = %v; Park must keep the day", ttl)
		}
		if err := d.Settle(ctx, 104); err != nil {
			t.Fatal(err)
		}
		if first, parked, err := d.Seen(ctx, 104); err != nil || first || parked != nil {
			t.Fatalf("after Settle: Seen = %v, %q, %v; want a plain duplicate", first, parked, err)
		}
		// Parking an update that was never seen (its key expired) writes
		// nothing.
		if err := d.Park(ctx, 105, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if n := client.Exists(ctx, d.Key(105)).Val(); n != 0 {
			t.Fatalf("Park created a key for an unseen update")
		}
	})
	t.Run("SeenAndLoadReadsTheSessionInTheSameTrip", func(t *testing.T) {
		sessions := redis.NewSessions(client, prefix, 0)
		dl := d.WithSessions(sessions)
		const chat = 7001
		first, _, snap, err := dl.SeenAndLoad(ctx, 200, chat)
		if err != nil || !first || snap == nil || snap.Data != nil || snap.Version != 0 {
			t.Fatalf("no session yet: %v %+v %v; want first and an empty snapshot", first, snap, err)
		}
		v, err := sessions.Save(ctx, chat, 0, []byte(`{"screen":1}`))
		if err != nil {
			t.Fatal(err)
		}
		first, _, snap, err = dl.SeenAndLoad(ctx, 201, chat)
		if err != nil || !first || snap == nil || string(snap.Data) != `{"screen":1}` || snap.Version != v {
			t.Fatalf("SeenAndLoad = %v %+v %v; want the saved session at version %d", first, snap, err, v)
		}
		if err := dl.Settle(ctx, 201); err != nil {
			t.Fatal(err)
		}
		first, _, snap, err = dl.SeenAndLoad(ctx, 201, chat)
		if err != nil || first || snap != nil {
			t.Fatalf("repeat: %v %+v %v; want a duplicate and no session", first, snap, err)
		}
		if err := dl.Park(ctx, 201, []byte("[]")); err != nil {
			t.Fatal(err)
		}
		if _, parked, _, err := dl.SeenAndLoad(ctx, 201, chat); err != nil || string(parked) != "[]" {
			t.Fatalf("parked replies %q, %v", parked, err)
		}
		// Without sessions bound it is Seen.
		if first, _, snap, err := d.SeenAndLoad(ctx, 202, chat); err != nil || !first || snap != nil {
			t.Fatalf("unbound: %v %+v %v", first, snap, err)
		}
	})
	t.Run("ConcurrentOneWinner", func(t *testing.T) {
		var winners atomic.Int32
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				first, _, err := d.Seen(ctx, 103)
				var inHand *redis.InHandError
				if err != nil && !errors.As(err, &inHand) {
					t.Error(err)
				}
				if first {
					winners.Add(1)
				}
			})
		}
		wg.Wait()
		if n := winners.Load(); n != 1 {
			t.Fatalf("%d callers saw update 103 first, want exactly 1", n)
		}
	})
}
