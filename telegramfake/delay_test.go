package telegramfake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/telegramfake"
)

func TestDelay(t *testing.T) {
	// The fake behind a handler that reports each finished request, to see
	// that an abandoned one is let go rather than left waiting.
	fake := telegramfake.New(token)
	t.Cleanup(fake.Close)
	started, finished := make(chan struct{}, 16), make(chan struct{}, 16)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		fake.ServeHTTP(w, r)
		finished <- struct{}{}
	}))
	t.Cleanup(front.Close)
	b, err := tgbot.New(token, tgbot.WithServerURL(front.URL), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	const slow, other = 70, 71

	// A delay far longer than the test waits, yet short enough that a fake
	// which held on to abandoned requests fails the test rather than hangs it.
	const long = 5 * time.Second

	t.Run("AbandonedSendIsFreedAndNotDelivered", func(t *testing.T) {
		fake.SetDelay(slow, long)
		sctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := b.SendMessage(sctx, &tgbot.SendMessageParams{ChatID: slow, Text: "late"})
			errc <- err
		}()
		<-started
		// While that send hangs, other chats are answered at once.
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: other, Text: "now"}); err != nil {
			t.Fatal(err)
		}
		<-started
		<-finished // the send to the other chat
		select {
		case err := <-errc:
			t.Fatalf("send to the delayed chat returned before its delay: %v", err)
		default:
		}
		cancel()
		if err := <-errc; err == nil {
			t.Fatal("abandoned send succeeded")
		}
		select {
		case <-finished:
		case <-time.After(long / 2):
			t.Fatal("the fake still holds the abandoned request")
		}
		if got := fake.Chat(slow); len(got) != 0 {
			t.Fatalf("abandoned send delivered %d messages", len(got))
		}
	})

	t.Run("SendWaitsItsDelay", func(t *testing.T) {
		const d = 200 * time.Millisecond
		fake.SetDelay(slow, d)
		start := time.Now()
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: slow, Text: "slow"}); err != nil {
			t.Fatal(err)
		}
		<-started
		<-finished
		if took := time.Since(start); took < d {
			t.Fatalf("send took %v, less than its delay %v", took, d)
		}
		if got := fake.Chat(slow); len(got) != 1 || got[0].Text != "slow" {
			t.Fatalf("chat has %+v, want the one message", got)
		}
	})

	t.Run("SetLimitsKeepsItAndZeroRemovesIt", func(t *testing.T) {
		fake.SetDelay(slow, long)
		fake.SetLimits(telegramfake.Limits{})
		sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := b.SendMessage(sctx, &tgbot.SendMessageParams{ChatID: slow, Text: "held"}); err == nil {
			t.Fatal("SetLimits removed the delay")
		}
		fake.SetDelay(slow, 0)
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: slow, Text: "again"}); err != nil {
			t.Fatal(err)
		}
		if got := fake.Chat(slow); len(got) != 2 || got[1].Text != "again" {
			t.Fatalf("chat has %+v, want the earlier message and %q only", got, "again")
		}
	})
}
