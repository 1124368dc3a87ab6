package slackfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

// TestSign checks the signature against the test vector Slack publishes.
func TestSign(t *testing.T) {
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := slackfake.Sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(body))
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// TestSignedRequestPassesTheAdaptersCheck: the sandbox's staff page sends
// its commands through the real handler, so they must verify.
func TestSignedRequestPassesTheAdaptersCheck(t *testing.T) {
	now := time.Now()
	form := url.Values{"command": {"/rantevou"}, "text": {"roster αύριο"}}
	req, err := slackfake.SignedRequest(context.Background(), "http://localhost/slack/commands", "s3cret", form, now)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || string(body) != form.Encode() {
		t.Fatalf("request %v %q", req.Header, body)
	}
	if err := slack.Verify(req.Header, body, "s3cret", now); err != nil {
		t.Fatalf("the adapter refuses it: %v", err)
	}
	if err := slack.Verify(req.Header, body, "other", now); err == nil {
		t.Fatal("verified with the wrong secret")
	}
}

// TestWebAPI drives the stand-in with slack-go, as the adapter does.
func TestWebAPI(t *testing.T) {
	s := slackfake.New()
	t.Cleanup(s.Close)
	api := slackapi.New("xoxb-test", slackapi.OptionAPIURL(s.APIURL()))
	ctx := context.Background()

	t.Run("PostMessageIsRecordedWithItsBlocks", func(t *testing.T) {
		block := slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, "*09:30* · Ελένη", false, false), nil, nil)
		ch, ts, err := api.PostMessageContext(ctx, "C0CIVILREG", slackapi.MsgOptionText("Ραντεβού", false), slackapi.MsgOptionBlocks(block))
		if err != nil || ch != "C0CIVILREG" || ts == "" {
			t.Fatalf("post: %q %q %v", ch, ts, err)
		}
		got := s.Channel("C0CIVILREG")
		if len(got) != 1 || got[0].Text != "Ραντεβού" || got[0].TS != ts || !strings.Contains(string(got[0].Blocks), "*09:30* · Ελένη") {
			t.Fatalf("recorded %+v", got)
		}
		var blocks []map[string]any
		if err := json.Unmarshal(got[0].Blocks, &blocks); err != nil || len(blocks) != 1 || blocks[0]["type"] != "section" {
			t.Fatalf("blocks %s (%v); want the Block Kit JSON as posted", got[0].Blocks, err)
		}
		if other := s.Channel("C0ELSEWHERE"); len(other) != 0 {
			t.Fatalf("another channel got %+v", other)
		}
	})

	t.Run("PostWithoutChannelFailsAsSlackDoes", func(t *testing.T) {
		_, _, err := api.PostMessageContext(ctx, "", slackapi.MsgOptionText("x", false))
		var se slackapi.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "channel_not_found" {
			t.Fatalf("err %v; want Slack's channel_not_found", err)
		}
	})

	t.Run("ViewsOpenIsRecorded", func(t *testing.T) {
		view := slackapi.ModalViewRequest{Type: slackapi.VTModal, CallbackID: "rantevou_cancel_reason",
			Title: slackapi.NewTextBlockObject(slackapi.PlainTextType, "Ακύρωση", false, false)}
		if _, err := api.OpenViewContext(ctx, "trigger-1", view); err != nil {
			t.Fatal(err)
		}
		vs := s.Views()
		if len(vs) != 1 || vs[0].TriggerID != "trigger-1" || !strings.Contains(string(vs[0].View), "rantevou_cancel_reason") {
			t.Fatalf("views %+v", vs)
		}
	})
}

// TestResponseURL: later answers to a command are recorded per URL, and
// WaitFor wakes up when one arrives.
func TestResponseURL(t *testing.T) {
	s := slackfake.New()
	t.Cleanup(s.Close)
	u1, u2 := s.ResponseURL(), s.ResponseURL()
	if u1 == u2 {
		t.Fatalf("two commands got the same response_url %s", u1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan []slackfake.Post, 1)
	go func() {
		posts, err := s.WaitFor(ctx, func(ps []slackfake.Post) bool { return len(ps) > 0 })
		if err != nil {
			t.Error(err)
		}
		done <- posts
	}()
	res, err := http.Post(u2, "application/json", bytes.NewBufferString(`{"response_type":"in_channel","text":"🔒 κλειστά"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if posts := <-done; len(posts) != 1 {
		t.Fatalf("WaitFor returned %+v", posts)
	}
	if got := s.Responses(u2); len(got) != 1 || got[0].Text != "🔒 κλειστά" || got[0].Response != "in_channel" {
		t.Fatalf("responses %+v", got)
	}
	if got := s.Responses(u1); len(got) != 0 {
		t.Fatalf("the other command's URL got %+v", got)
	}
	res, err = http.Post(u1, "application/json", strings.NewReader("not json"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed answer got %d; Slack refuses it", res.StatusCode)
	}
}

// TestWaitForGivesUp: a condition never met ends with the context.
func TestWaitForGivesUp(t *testing.T) {
	s := slackfake.New()
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitFor(ctx, func([]slackfake.Post) bool { return false }); err == nil {
		t.Fatal("WaitFor returned without the condition or an error")
	}
}
