package bot

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	json "github.com/goccy/go-json"

	"github.com/rantevou/rantevou/dialog"
)

// SecretHeader carries the webhook's secret_token on every delivery.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxUpdateBytes bounds a webhook body; updates are a few kilobytes.
const maxUpdateBytes = 1 << 20

// WebhookHandler serves Telegram's webhook deliveries (mount it at
// WebhookPath). A missing or wrong secret header gets 403 and nothing is
// read further. An update is handled before the answer: 200 when its step
// is done and its replies sent (or it was a duplicate; the update is marked
// done right after the answer), 503 when nothing could be done (Redis failed)
// or its replies could not be sent, so that Telegram delivers it again
// later (and the redelivery sends the replies parked for it).
//
// When PostgreSQL fails during a step, the dialog tells the citizen at once
// to try again (with the department's phone) and the answer is 200: the
// step changed nothing, and a redelivery minutes later, on a screen that
// has moved on, would only surprise them.
//
// Telegram carries out one Bot API call given as the body of a webhook's
// 200 answer, which spares a round trip and its CPU on both ends. Its
// result is not returned. A button press is answered in it
// (answerCallbackQuery). For a message or a shared contact, whose answer is
// otherwise empty, it carries the step's last reply when that is a new
// text message that needs nothing back (carriable: not one whose inline
// keyboard is then added by editing it, whose id would be needed), and
// every reply before it was sent.
//
// The answer is written, and flushed, as soon as the replies are sent, and
// the update is marked done after it, still on the chat's queue (process):
// the citizen does not wait for the mark's round trip, and the chat's next
// update still runs after the mark. Should the answer fail to be written
// (the connection broke), a reply it carried is parked for Telegram's
// redelivery, as an unsent reply is.
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
		// an update halfway. The job writes the answer itself, through
		// ans, before it marks the update done.
		ctx := context.WithoutCancel(r.Context())
		ans := &webhookAnswer{w: w, callbackID: in.callbackID}
		defer ans.close()
		chat, pr := in.input.ChatID, press{messageID: in.messageID, data: in.input.Event.Data}
		if in.callbackID != "" && !b.presses.take(chat, pr, u.ID) {
			// The same button pressed again while its first press is in
			// hand here (a double tap): the first does what it asked, so
			// this one is only answered, at once. (On another replica a
			// second press runs, and finds its screen gone.)
			b.log.Debug("bot: button pressed again while in hand, answered", slog.Int64("update_id", u.ID), slog.Int64("chat_id", chat))
			b.observeUpdate(in.input.Event, true)
			ans.ok("", nil)
			return
		}
		done := make(chan error, 1)
		if !b.queues.Run(chat, func() {
			if in.callbackID != "" {
				defer b.presses.done(chat, pr)
			}
			done <- b.process(ctx, u.ID, in, ans.ok)
		}) {
			if in.callbackID != "" {
				b.presses.done(chat, pr)
			}
			// Too many updates of this chat in hand: Telegram retries later.
			ans.unavailable("too many updates in progress")
			return
		}
		select {
		case err := <-done:
			// Unless the job answered already: a duplicate, the resent
			// replies of a parked update, or a failure.
			if err != nil {
				ans.unavailable("temporarily unavailable")
				return
			}
			ans.ok("", nil)
		case <-r.Context().Done():
			// The connection is gone: the job finds ans closed.
		}
	})
}

// webhookAnswer is a delivery's answer, written once, by whichever
// goroutine runs the update's job (the request's own, or a chat queue's
// while the request's waits); the mutex orders the writes before the
// handler's return, after which (close) w is not to be touched.
type webhookAnswer struct {
	w          http.ResponseWriter
	callbackID string

	mu      sync.Mutex
	written bool
	closed  bool
}

// errAnswerGone reports an answer the handler can no longer write.
var errAnswerGone = errors.New("bot: webhook: the request is gone")

// ok answers 200, with the callback query's answer, or the carried reply
// as a sendMessage, or nothing (an answerFunc).
func (a *webhookAnswer) ok(toast string, carried *sendMessageBody) error {
	var body []byte
	var err error
	switch {
	case a.callbackID != "":
		body, err = json.Marshal(callbackAnswer{Method: "answerCallbackQuery", CallbackQueryID: a.callbackID, Text: dialog.Clip(toast, dialog.MaxToastChars)})
	case carried != nil:
		body, err = json.Marshal(messageAnswer{Method: "sendMessage", sendMessageBody: *carried})
	}
	if err != nil {
		return err
	}
	return a.write(http.StatusOK, "application/json", body)
}

func (a *webhookAnswer) unavailable(text string) {
	a.write(http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte(text+"\n"))
}

// write writes the answer once and flushes it, so that it leaves now and
// not when the handler returns (after the update is marked done). Its
// error is a broken connection; nil says only that the bytes left for the
// kernel, not that Telegram read them.
func (a *webhookAnswer) write(status int, contentType string, body []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return errAnswerGone
	}
	if a.written {
		return nil
	}
	a.written = true
	h := a.w.Header()
	if len(body) > 0 {
		h.Set("Content-Type", contentType)
		h.Set("X-Content-Type-Options", "nosniff")
	}
	// A length, so that the flushed answer is whole and Telegram need not
	// wait for the end of a chunked one.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	a.w.WriteHeader(status)
	if _, err := a.w.Write(body); err != nil {
		return err
	}
	if err := http.NewResponseController(a.w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// close ends the writes: the handler returns.
func (a *webhookAnswer) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
}

// callbackAnswer is answerCallbackQuery as a webhook's answer.
type callbackAnswer struct {
	Method          string `json:"method"`
	CallbackQueryID string `json:"callback_query_id"`
	Text            string `json:"text,omitempty"`
}

// messageAnswer is sendMessage as a webhook's answer: the body the Bot API
// call would have, and the method.
type messageAnswer struct {
	Method string `json:"method"`
	sendMessageBody
}
