package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// TestJSONAPIErrors checks that a refusal comes back as go-telegram/bot's
// own error, which the retry loop, notModified and editImpossible test for.
func TestJSONAPIErrors(t *testing.T) {
	answer := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/bot"+testToken+"/sendMessage" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(<-answer))
	}))
	t.Cleanup(srv.Close)
	api := newJSONAPI(Config{Token: testToken, APIURL: srv.URL}, srv.Client(), time.Minute)
	send := func(body string) (int, error) {
		answer <- body
		return api.sendMessage(context.Background(), sendMessageBody{ChatID: 1, Text: "x"})
	}

	t.Run("SentReturnsTheMessageID", func(t *testing.T) {
		id, err := send(`{"ok":true,"result":{"message_id":77,"chat":{"id":1}}}`)
		if err != nil || id != 77 {
			t.Fatalf("id %d, err %v", id, err)
		}
	})
	t.Run("TooManyRequestsCarriesRetryAfter", func(t *testing.T) {
		_, err := send(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`)
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("NotModifiedIsABadRequest", func(t *testing.T) {
		_, err := send(`{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`)
		if !notModified(err) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("MigratedChatCarriesTheNewID", func(t *testing.T) {
		_, err := send(`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded","parameters":{"migrate_to_chat_id":-100}}`)
		var migrate *tgbot.MigrateError
		if !errors.As(err, &migrate) || migrate.MigrateToChatID != -100 {
			t.Fatalf("err %v", err)
		}
	})
	for name, c := range map[string]struct {
		code int
		want error
	}{
		"Forbidden":    {403, tgbot.ErrorForbidden},
		"Unauthorized": {401, tgbot.ErrorUnauthorized},
		"NotFound":     {404, tgbot.ErrorNotFound},
		"Conflict":     {409, tgbot.ErrorConflict},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := send(`{"ok":false,"error_code":` + strconv.Itoa(c.code) + `,"description":"refused"}`)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), "refused") {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
	t.Run("NotTheBotAPIQuotesTheBody", func(t *testing.T) {
		_, err := send(`<html>bad gateway</html>`)
		if err == nil || !strings.Contains(err.Error(), "bad gateway") {
			t.Fatalf("err %v", err)
		}
	})
}

// TestJSONAPIBoundsACallWithoutDeadline: the conversation's client has no
// Timeout of its own, so a call whose context carries no deadline gets the
// API's bound instead of waiting for ever on a Bot API that does not answer.
func TestJSONAPIBoundsACallWithoutDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(5 * time.Second):
			// Unbounded, the call gets this answer and the test fails.
			w.Write([]byte(`{"ok":true,"result":{"message_id":1,"chat":{"id":1}}}`))
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	api := newJSONAPI(Config{Token: testToken, APIURL: srv.URL}, &http.Client{Transport: srv.Client().Transport}, 50*time.Millisecond)
	_, err := api.sendMessage(context.Background(), sendMessageBody{ChatID: 1, Text: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the call's deadline", err)
	}
	// A context that ends first ends the call, as before.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := api.sendMessage(ctx, sendMessageBody{ChatID: 1, Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want the context's cancellation", err)
	}
}
