package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/rantevou/rantevou/dialog"
)

// SecretHeader carries the webhook's secret_token on every delivery.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxUpdateBytes bounds a webhook body; updates are a few kilobytes.
const maxUpdateBytes = 1 << 20

// WebhookHandler serves Telegram's webhook deliveries (mount it at
// WebhookPath). A missing or wrong secret header gets 403 and nothing is
// read further. An update is handled before the answer: 200 when it is
// done (or was a duplicate), 503 when nothing could be done (Redis failed)
// or its replies could not be sent, so that Telegram delivers it again
// later (and the redelivery sends the replies parked for it).
//
// When PostgreSQL fails during a step, the dialog tells the citizen at once
// to try again (with the department's phone) and the answer is 200: the
// step changed nothing, and a redelivery minutes later, on a screen that
// has moved on, would only surprise them.
//
// A button press is answered in the 200 itself: Telegram carries out one
// Bot API call given as the body of the webhook's answer, which spares a
// round trip per tap. Its result is not returned, which answerCallbackQuery
// does not need.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get(SecretHeader)
		want := b.cfg.WebhookSecret
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			b.log.Warn("bot: webhook: bad secret", slog.String("remote", r.RemoteAddr), slog.Bool("header_present", got != ""))
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		var u wireUpdate
		if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
			b.log.Warn("bot: webhook: undecodable update")
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		in, ok := decode(&u)
		if !ok {
			w.WriteHeader(http.StatusOK)
			return
		}
		// Handled on the chat's queue so one chat's updates run in order
		// (in this goroutine when the chat has nothing else in hand);
		// detached from the request so a dropped connection does not stop
		// an update halfway.
		ctx := context.WithoutCancel(r.Context())
		type outcome struct {
			toast string
			err   error
		}
		done := make(chan outcome, 1)
		if !b.queues.Run(in.input.ChatID, func() {
			toast, err := b.process(ctx, u.ID, in, true)
			done <- outcome{toast, err}
		}) {
			// Too many updates of this chat in hand: Telegram retries later.
			http.Error(w, "too many updates in progress", http.StatusServiceUnavailable)
			return
		}
		select {
		case o := <-done:
			if o.err != nil {
				http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
				return
			}
			if in.callbackID == "" {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(callbackAnswer{Method: "answerCallbackQuery", CallbackQueryID: in.callbackID, Text: dialog.Clip(o.toast, dialog.MaxToastChars)})
		case <-r.Context().Done():
		}
	})
}

// callbackAnswer is answerCallbackQuery as a webhook's answer.
type callbackAnswer struct {
	Method          string `json:"method"`
	CallbackQueryID string `json:"callback_query_id"`
	Text            string `json:"text,omitempty"`
}
