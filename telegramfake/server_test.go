package telegramfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/telegramfake"
)

const token = "123456:TEST-token_abc"

// newClient starts a fake and a real go-telegram/bot client pointed at it.
func newClient(t *testing.T, opts ...tgbot.Option) (*telegramfake.Server, *tgbot.Bot) {
	t.Helper()
	fake := telegramfake.New(token)
	url := fake.Start()
	t.Cleanup(fake.Close)
	opts = append([]tgbot.Option{tgbot.WithServerURL(url)}, opts...)
	b, err := tgbot.New(token, opts...)
	if err != nil {
		t.Fatalf("client against the fake: %v", err)
	}
	return fake, b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGetMe(t *testing.T) {
	_, b := newClient(t)
	me, err := b.GetMe(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != 123456 || !me.IsBot {
		t.Fatalf("getMe = %+v, want bot 123456", me)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	fake := telegramfake.New(token)
	url := fake.Start()
	defer fake.Close()
	b, err := tgbot.New("999:other", tgbot.WithServerURL(url), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.GetMe(ctxT(t))
	if !errors.Is(err, tgbot.ErrorUnauthorized) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
}

func TestSendMessage(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	t.Run("InlineKeyboard", func(t *testing.T) {
		m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: 42, Text: "Διαλέξτε υπηρεσία",
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
				{{Text: "Ληξιαρχείο", CallbackData: "v1:d:civil"}, {Text: "Πρωτόκολλο", CallbackData: "v1:d:proto"}},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.ID == 0 || m.Date == 0 || m.Chat.ID != 42 || m.ReplyMarkup == nil {
			t.Fatalf("result = %+v", m)
		}
		last, ok := fake.Last(42)
		if !ok || last.Text != "Διαλέξτε υπηρεσία" || !last.FromBot {
			t.Fatalf("Last = %+v", last)
		}
		if b, ok := last.Button("Πρωτόκολλο"); !ok || b.Data != "v1:d:proto" {
			t.Fatalf("button = %+v, %v", b, ok)
		}
	})
	t.Run("ContactKeyboard", func(t *testing.T) {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: 43, Text: "Your phone?",
			ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "Share", RequestContact: true}}}, OneTimeKeyboard: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		kb := fake.Keyboard(43)
		if len(kb) != 1 || !kb[0][0].RequestContact {
			t.Fatalf("keyboard = %+v", kb)
		}
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 43, Text: "ok", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}}); err != nil {
			t.Fatal(err)
		}
		if kb := fake.Keyboard(43); kb != nil {
			t.Fatalf("keyboard after remove = %+v", kb)
		}
	})
	t.Run("CallbackDataOver64BytesRefused", func(t *testing.T) {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: 44, Text: "x",
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
				{{Text: "a", CallbackData: strings.Repeat("α", 33)}}, // 66 bytes
			}},
		})
		if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "BUTTON_DATA_INVALID") {
			t.Fatalf("err = %v, want BUTTON_DATA_INVALID", err)
		}
	})
	t.Run("TextOver4096CharsRefused", func(t *testing.T) {
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 44, Text: strings.Repeat("α", 4097)})
		if !errors.Is(err, tgbot.ErrorBadRequest) {
			t.Fatalf("err = %v, want bad request", err)
		}
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 44, Text: strings.Repeat("α", 4096)}); err != nil {
			t.Fatalf("4096 Greek letters refused: %v", err)
		}
	})
	t.Run("TooManyButtonsRefused", func(t *testing.T) {
		row := make([]models.InlineKeyboardButton, 9)
		for i := range row {
			row[i] = models.InlineKeyboardButton{Text: "b", CallbackData: "d"}
		}
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 44, Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}})
		if !errors.Is(err, tgbot.ErrorBadRequest) {
			t.Fatalf("err = %v, want bad request", err)
		}
	})
}

func TestEditMessage(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Back", CallbackData: "back"}}}}
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 7, Text: "one", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("TextAndKeyboard", func(t *testing.T) {
		if _, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 7, MessageID: m.ID, Text: "two", ReplyMarkup: kb}); err != nil {
			t.Fatal(err)
		}
		got := fake.Chat(7)
		if len(got) != 1 || got[0].Text != "two" || got[0].Edits != 1 || len(got[0].Inline) != 1 {
			t.Fatalf("chat = %+v", got)
		}
	})
	t.Run("IdenticalIsNotModified", func(t *testing.T) {
		_, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 7, MessageID: m.ID, Text: "two", ReplyMarkup: kb})
		if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
			t.Fatalf("err = %v, want message is not modified", err)
		}
	})
	t.Run("WithoutMarkupRemovesButtons", func(t *testing.T) {
		if _, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 7, MessageID: m.ID, Text: "three"}); err != nil {
			t.Fatal(err)
		}
		if got := fake.Chat(7)[0]; got.Inline != nil {
			t.Fatalf("buttons left after an edit without markup: %+v", got.Inline)
		}
	})
	t.Run("ReplyMarkupOnly", func(t *testing.T) {
		if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: 7, MessageID: m.ID, ReplyMarkup: kb}); err != nil {
			t.Fatal(err)
		}
		if got := fake.Chat(7)[0]; got.Text != "three" || len(got.Inline) != 1 {
			t.Fatalf("message = %+v", got)
		}
	})
	t.Run("MissingMessage", func(t *testing.T) {
		_, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: 7, MessageID: 999, Text: "x"})
		if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: 7, MessageID: m.ID}); err != nil {
			t.Fatal(err)
		}
		if _, ok := fake.Last(7); ok {
			t.Fatal("a deleted message is still the last one")
		}
	})
}

func TestSendDocument(t *testing.T) {
	fake, b := newClient(t)
	data := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	m, err := b.SendDocument(ctxT(t), &tgbot.SendDocumentParams{
		ChatID: 9, Caption: "Ημερολόγιο",
		Document: &models.InputFileUpload{Filename: "rantevou.ics", Data: bytes.NewReader(data)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Document == nil || m.Document.FileName != "rantevou.ics" {
		t.Fatalf("result = %+v", m)
	}
	last, _ := fake.Last(9)
	if last.Document == nil || !bytes.Equal(last.Document.Data, data) || last.Text != "Ημερολόγιο" {
		t.Fatalf("recorded = %+v", last)
	}
}

func TestSetMyCommands(t *testing.T) {
	fake, b := newClient(t)
	_, err := b.SetMyCommands(ctxT(t), &tgbot.SetMyCommandsParams{
		Commands:     []models.BotCommand{{Command: "start", Description: "Νέο ραντεβού"}},
		Scope:        &models.BotCommandScopeDefault{},
		LanguageCode: "el",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.Commands("el"); len(got) != 1 || got[0].Description != "Νέο ραντεβού" {
		t.Fatalf("commands = %+v", got)
	}
}

// TestLongPolling runs the library's own poller against the fake: a text, a
// press on a bot message (which must carry the message with its date), a
// contact.
func TestLongPolling(t *testing.T) {
	var mu sync.Mutex
	var got []*models.Update
	fake, b := newClient(t, tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) {
		mu.Lock()
		got = append(got, u)
		mu.Unlock()
	}), tgbot.WithNotAsyncHandlers(), tgbot.WithHTTPClient(2*time.Second, http.DefaultClient))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	fake.SetLanguage(5, "en")
	fake.SendText(5, "/start")
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 5, Text: "pick", ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.PressButton(5, m.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.PressButton(5, m.ID, "nope"); err == nil {
		t.Fatal("pressing a button the message does not show succeeded")
	}
	fake.ShareContact(5, "+306900000000", 5)

	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("poller got %d updates, want 3", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if u := got[0]; u.Message == nil || u.Message.Text != "/start" || u.Message.From.LanguageCode != "en" || u.Message.Date == 0 || len(u.Message.Entities) != 1 {
		t.Fatalf("text update = %+v", u.Message)
	}
	cq := got[1].CallbackQuery
	if cq == nil || cq.Data != "a" || cq.Message.Message == nil || cq.Message.Message.ID != m.ID || cq.Message.Message.Date == 0 {
		t.Fatalf("callback update = %+v", cq)
	}
	if c := got[2].Message.Contact; c == nil || c.UserID != 5 || c.PhoneNumber != "+306900000000" {
		t.Fatalf("contact update = %+v", got[2].Message)
	}
	if got[0].ID >= got[1].ID || got[1].ID >= got[2].ID {
		t.Fatal("update_ids do not increase")
	}
	if _, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "ok"}); err != nil {
		t.Fatal(err)
	}
	if toast, ok := fake.CallbackAnswer(got[1].ID); !ok || toast != "ok" {
		t.Fatalf("answer = %q, %v", toast, ok)
	}
	if len(fake.Unanswered()) != 0 {
		t.Fatalf("unanswered = %v", fake.Unanswered())
	}
}

func TestWebhookDelivery(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	var gotSecret string
	var gotUpdate models.Update
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotSecret = r.Header.Get(telegramfake.SecretHeader)
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &gotUpdate)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook.URL, SecretToken: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	id := fake.SendText(8, "hello")
	if gotSecret != "s3cret" || gotUpdate.ID != id || gotUpdate.Message == nil || gotUpdate.Message.Text != "hello" {
		t.Fatalf("delivered secret %q update %+v", gotSecret, gotUpdate)
	}
	d := fake.Deliveries()
	if len(d) != 1 || d[0].Status != http.StatusServiceUnavailable || d[0].UpdateID != id {
		t.Fatalf("deliveries = %+v", d)
	}
	resp, err := http.Post(fake.URL()+"/bot"+token+"/getUpdates", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("getUpdates with a webhook set: status %d, want 409", resp.StatusCode)
	}
}

func TestLimits(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	fake.SetLimits(telegramfake.Limits{PerChat: 1, Global: 3})
	t.Run("PerChat", func(t *testing.T) {
		if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 1, Text: "a"}); err != nil {
			t.Fatal(err)
		}
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 1, Text: "b"})
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter < 1 {
			t.Fatalf("second message within a second: err = %v, want 429 with retry_after", err)
		}
	})
	t.Run("Global", func(t *testing.T) {
		for chat := int64(2); chat <= 3; chat++ {
			if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "a"}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 4, Text: "a"})
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			t.Fatalf("fourth message within a second: err = %v, want 429", err)
		}
	})
	t.Run("Blocked", func(t *testing.T) {
		fake.Block(50)
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 50, Text: "a"})
		if !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "blocked") {
			t.Fatalf("err = %v, want 403 blocked", err)
		}
	})
	if s := fake.Stats(); s.Delivered != 3 || s.TooManyRequests != 2 || s.Forbidden != 1 {
		t.Fatalf("stats = %+v, want 3 delivered, 2 refused with 429, 1 forbidden", s)
	}
}

func TestOtherEncodings(t *testing.T) {
	fake := telegramfake.New(token)
	url := fake.Start()
	defer fake.Close()
	post := func(ct, body string) map[string]any {
		t.Helper()
		resp, err := http.Post(url+"/bot"+token+"/sendMessage", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Run("JSON", func(t *testing.T) {
		out := post("application/json", `{"chat_id":11,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"x","callback_data":"y"}]]}}`)
		if out["ok"] != true {
			t.Fatalf("answer = %v", out)
		}
		if m, _ := fake.Last(11); m.Text != "json" || len(m.Inline) != 1 {
			t.Fatalf("message = %+v", m)
		}
	})
	t.Run("URLEncoded", func(t *testing.T) {
		out := post("application/x-www-form-urlencoded", "chat_id=12&text=form")
		if out["ok"] != true {
			t.Fatalf("answer = %v", out)
		}
	})
	t.Run("ErrorShape", func(t *testing.T) {
		out := post("application/json", `{"chat_id":12}`)
		if out["ok"] != false || out["error_code"] != float64(400) || out["description"] != "Bad Request: message text is empty" {
			t.Fatalf("answer = %v", out)
		}
	})
}

func TestWaitForAndSubscribe(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	events, stop := fake.Subscribe(70)
	defer stop()
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 70, Text: "later"})
	}()
	msgs, err := fake.WaitFor(ctx, 70, func(m []telegramfake.Message) bool { return len(m) == 1 })
	if err != nil || msgs[0].Text != "later" {
		t.Fatalf("WaitFor = %+v, %v", msgs, err)
	}
	select {
	case e := <-events:
		if e.Kind != telegramfake.BotSend || e.Text != "later" {
			t.Fatalf("event = %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
	if fake.Version() == 0 {
		t.Fatal("version did not move")
	}
}
