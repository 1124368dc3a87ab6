package conversation_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
)

// TestStepLimit runs the real transport's read (the update's mark, the
// session and the chat's step count in one round trip) in front of an
// engine limited to 3 steps: the fourth update of the chat is not stepped
// and is told so politely in the chat's language, once; later ones get a
// toast at most; the session stays as the third step left it; another chat
// is not affected.
func TestStepLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client, prefix := redistest.New(t)
	sessions := redis.NewSessions(client, prefix, 30*time.Minute)
	dedupe := redis.NewDeduper(client, prefix, 0).WithSessions(sessions)
	engine := conversation.NewEngine(f.office, sessions, func() time.Time { return now },
		conversation.WithLogger(slog.New(slog.NewTextHandler(f.logs, nil))), conversation.WithStepLimit(3))
	update := int64(0)
	send := func(chat int64, e dialog.Event) []dialog.Reply {
		t.Helper()
		update++
		_, _, snap, err := dedupe.SeenAndLoad(ctx, update, chat)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := engine.Handle(ctx, conversation.Input{ChatID: chat, UserID: chat, LangCode: "en", Event: e, Session: snap})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	start := dialog.Event{Kind: dialog.KindCommand, Command: "start"}
	for i := range 3 {
		if rs := send(7, start); len(rs) == 0 || strings.Contains(rs[0].Text, "pausing") {
			t.Fatalf("step %d refused: %+v", i+1, rs)
		}
	}
	_, version, err := sessions.Load(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	rs := send(7, start)
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "great many messages") || rs[0].Toast != rs[0].Text {
		t.Fatalf("the fourth step: %+v; want the polite refusal once, as text and toast", rs)
	}
	for range 3 {
		rs = send(7, dialog.Event{Kind: dialog.KindButton, Data: "x"})
		if len(rs) != 1 || rs[0].Text != "" || !strings.Contains(rs[0].Toast, "great many messages") {
			t.Fatalf("a later step: %+v; want only a toast", rs)
		}
	}
	if _, v, err := sessions.Load(ctx, 7); err != nil || v != version {
		t.Fatalf("session at version %d (%v) after refused steps, want %d: they were stepped", v, err, version)
	}
	if rs := send(8, start); len(rs) == 0 || strings.Contains(rs[0].Text, "great many messages") {
		t.Fatalf("another chat refused: %+v", rs)
	}
}
