package slack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

// TestReplayedRequestRefused: a signed request sent again within its five
// minutes, to the same replica or another, is refused with 401 and does
// nothing; of identical requests arriving at once one is let through; the
// same command signed anew is a new request.
func TestReplayedRequestRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	client, prefix := redistest.New(t)
	replica := func() string {
		a := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: e.fake.APIURL(),
			Replays: redis.NewSignatures(client, prefix)}, e.office, e.store, nil)
		srv := httptest.NewServer(a.Routes())
		t.Cleanup(srv.Close)
		return srv.URL
	}
	one, two := replica(), replica()
	d := e.workday(t, 0)
	bs := e.book(t, "birth-certificate", d, 1600, 0)
	form := func(text string) url.Values {
		return url.Values{"command": {"/rantevou"}, "text": {text}, "user_id": {clerk}, "user_name": {"clerk"},
			"team_id": {"T1"}, "channel_id": {channel}, "response_url": {e.fake.ResponseURL()}, "trigger_id": {"1.2.3"}}
	}
	send := func(t *testing.T, base string, f url.Values, at time.Time) int {
		t.Helper()
		req, err := slackfake.SignedRequest(ctx, base+"/slack/commands", secret, f, at)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	cancels := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'cancel'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("ToTheSameAndAnotherReplica", func(t *testing.T) {
		f := form("cancel " + bs[0].Ref + " ασθένεια υπαλλήλου")
		at := time.Now()
		if code := send(t, one, f, at); code != http.StatusOK {
			t.Fatalf("first request answered %d", code)
		}
		for _, base := range []string{one, two} {
			if code := send(t, base, f, at); code != http.StatusUnauthorized {
				t.Fatalf("replayed request answered %d, want 401", code)
			}
		}
		if n := cancels(t); n != 1 {
			t.Fatalf("%d cancellations, want 1", n)
		}
		b, err := e.office.Booking(ctx, booking.Actor{Kind: booking.ActorSystem}, bs[0].Ref)
		if err != nil || b.Status != booking.Cancelled {
			t.Fatalf("booking %+v (%v)", b, err)
		}
	})

	t.Run("IdenticalAtOnceOneThrough", func(t *testing.T) {
		f := form("find " + bs[0].Ref)
		at := time.Now()
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for i := range 8 {
			base := one
			if i%2 == 1 {
				base = two
			}
			wg.Go(func() {
				code := send(t, base, f, at)
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[http.StatusOK] != 1 || codes[http.StatusUnauthorized] != 7 {
			t.Fatalf("answers %v; want one 200 and seven 401", codes)
		}
	})

	t.Run("SignedAnewIsANewRequest", func(t *testing.T) {
		f := form("find " + bs[0].Ref)
		for i := range 2 {
			if code := send(t, one, f, time.Now().Add(time.Duration(i+1)*time.Second)); code != http.StatusOK {
				t.Fatalf("request %d signed at its own time answered %d", i, code)
			}
		}
	})

	t.Run("RememberedOnlyWhileItCouldPass", func(t *testing.T) {
		sigs := redis.NewSignatures(client, prefix)
		f := form("find anything")
		at := time.Now()
		if code := send(t, one, f, at); code != http.StatusOK {
			t.Fatalf("answered %d", code)
		}
		req, _ := slackfake.SignedRequest(ctx, one, secret, f, at)
		ttl, err := client.PTTL(ctx, sigs.Key(req.Header.Get("X-Slack-Signature"))).Result()
		if err != nil || ttl <= 5*time.Minute || ttl > 6*time.Minute {
			t.Fatalf("signature kept for %v (%v); want its five minutes and one of clock skew", ttl, err)
		}
	})

	t.Run("LetThroughWhenRedisIsDown", func(t *testing.T) {
		down, err := redis.Open("redis://127.0.0.1:1/0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { down.Close() })
		a := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: e.fake.APIURL(),
			Replays: redis.NewSignatures(down, prefix)}, e.office, e.store, nil)
		srv := httptest.NewServer(a.Routes())
		t.Cleanup(srv.Close)
		if code := send(t, srv.URL, form("find "+bs[0].Ref), time.Now()); code != http.StatusOK {
			t.Fatalf("with Redis down a signed request answered %d; want it let through", code)
		}
	})
}
