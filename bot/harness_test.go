package bot

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	rstore "github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/telegramfake"
)

const testToken = "424242:AAH-secret_TOKEN-for-tests"

const testSecret = "webhook-secret_1"

// redisClient connects to the real Redis under a fresh key prefix.
func redisClient(t testing.TB) (goredis.UniversalClient, string) { return redistest.New(t) }

// lockedBuffer collects log output from concurrent goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// rig is a running adapter against the fake Telegram, real Redis.
type rig struct {
	fake   *telegramfake.Server
	bot    *Bot
	logs   *lockedBuffer
	dedupe Deduper
}

type rigOptions struct {
	webhook bool
	// maxConns is the webhook's max_connections (0: Telegram's default).
	maxConns int
	dedupe   Deduper // default: real Redis
	hooks    Hooks
	// api, if set, stands between the adapter and the fake Bot API, e.g.
	// to fail some calls as a broken network would.
	api func(next http.Handler) http.Handler
}

// startRig starts the fake and the adapter (Run in a goroutine) and waits
// until it is ready: the webhook registered, or the first poll made.
func startRig(t testing.TB, h handler, o rigOptions) *rig {
	t.Helper()
	fake := telegramfake.New(testToken)
	apiURL := fake.Start()
	t.Cleanup(fake.Close)
	if o.api != nil {
		front := httptest.NewServer(o.api(fake))
		t.Cleanup(front.Close)
		apiURL = front.URL
	}
	if o.dedupe == nil {
		client, prefix := redisClient(t)
		o.dedupe = rstore.NewDeduper(client, prefix, 0)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{Token: testToken, APIURL: apiURL, PollTimeout: 2 * time.Second}
	var hook *httptest.Server
	var b *Bot
	if o.webhook {
		hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != WebhookPath {
				http.NotFound(w, r)
				return
			}
			b.WebhookHandler().ServeHTTP(w, r)
		}))
		t.Cleanup(hook.Close)
		cfg.WebhookURL = hook.URL + WebhookPath
		cfg.WebhookSecret = testSecret
		cfg.WebhookMaxConnections = o.maxConns
	}
	b, err := newBot(cfg, h, o.dedupe, logger)
	if err != nil {
		t.Fatal(err)
	}
	b.SetHooks(o.hooks)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	ready := func() bool {
		if o.webhook {
			u, _ := fake.Webhook()
			return u != ""
		}
		return len(fake.Commands("en")) > 0
	}
	deadline := time.Now().Add(5 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			t.Fatalf("adapter did not start; log:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return &rig{fake: fake, bot: b, logs: logs, dedupe: o.dedupe}
}

// waitMessages waits until the chat holds n messages (the user's and the
// bot's), for polling mode where delivery is asynchronous.
func (r *rig) waitMessages(t testing.TB, chatID int64, cond func([]telegramfake.Message) bool) []telegramfake.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := r.fake.WaitFor(ctx, chatID, cond)
	if err != nil {
		t.Fatalf("%v; chat now: %+v", err, msgs)
	}
	return msgs
}

// lastDelivery returns the status of the last webhook POST.
func (r *rig) lastDelivery(t testing.TB) int {
	t.Helper()
	d := r.fake.Deliveries()
	if len(d) == 0 {
		t.Fatal("no webhook delivery")
	}
	return d[len(d)-1].Status
}
