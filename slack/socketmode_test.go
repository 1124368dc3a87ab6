package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/slack"
)

func TestSocketModeRoutesToSameHandlers(t *testing.T) {
	e := newEnvClock(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: e.fake.APIURL()}, e.office, e.store, nil)
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	go func() { done <- a.RunSocketMode(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("RunSocketMode: %v", err)
		}
	}()

	t.Run("SlashCommandAnsweredInTheAck", func(t *testing.T) {
		ack, err := e.fake.SocketEnvelope(ctx, "slash_commands", map[string]any{
			"command": "/rantevou", "text": "help", "user_id": clerk, "response_url": e.fake.ResponseURL()})
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Text string }
		if err := json.Unmarshal(ack, &out); err != nil || !strings.Contains(out.Text, "/rantevou roster") {
			t.Fatalf("ack %s (%v); want the help text", ack, err)
		}
	})

	t.Run("ButtonPressActs", func(t *testing.T) {
		b := e.book(t, "birth-certificate", e.workday(t, 0), 1100, 0)[0]
		e.clock.Set(b.Start.Add(time.Minute)) // marked from its start on
		url := e.fake.ResponseURL()
		if _, err := e.fake.SocketEnvelope(ctx, "interactive", map[string]any{
			"type": "block_actions", "user": map[string]any{"id": clerk}, "response_url": url,
			"actions": []map[string]any{{"action_id": "rantevou_no_show", "block_id": "a_" + b.Ref, "value": b.Ref, "type": "button"}},
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := e.store.Booking(ctx, b.Ref)
		if got.Status != booking.NoShow {
			t.Fatalf("status %s, want no_show", got.Status)
		}
		a.Wait()
		if r := e.fake.Responses(url); len(r) != 1 {
			t.Fatalf("responses %+v", r)
		}
	})

	t.Run("OtherDepartmentRefusedToo", func(t *testing.T) {
		ack, err := e.fake.SocketEnvelope(ctx, "slash_commands", map[string]any{
			"command": "/rantevou", "text": "close registry-office 2030-01-07 strike", "user_id": clerk})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(ack), "⛔") {
			t.Fatalf("ack %s; want a refusal", ack)
		}
	})
}
