package sandbox

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/slackfake"
	"github.com/rantevou/rantevou/telegramfake"
)

const testToken = "777000:AAH-sandbox_test_token-xyz"

// scriptBot is a tiny bot, written with the same Telegram client as package
// bot and running against the same fake, that walks a booking-shaped
// conversation: a greeting in the user's language with inline buttons, a
// choice edited in place, the share-contact key, a confirmation with a
// reference and a calendar file. It lets the sandbox's pages be tested on
// their own, whatever state the real conversation is in.
func scriptBot(ctx context.Context, b *tgbot.Bot, u *models.Update) {
	switch {
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		msg := cq.Message.Message
		toast := ""
		if cq.Data == "old" {
			toast = "This button is from an older screen"
		}
		_, _ = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: toast})
		switch cq.Data {
		case "book":
			_, _ = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{
				ChatID: msg.Chat.ID, MessageID: msg.ID, Text: "Choose a time on Monday 7 December:",
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
					{{Text: "09:00", CallbackData: "t0900"}, {Text: "09:15", CallbackData: "t0915"}},
					{{Text: "« Back", CallbackData: "old"}},
				}},
			})
		case "t0900", "t0915":
			_, _ = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{
				ChatID: msg.Chat.ID, MessageID: msg.ID, Text: "Time: " + cq.Data[1:3] + ":" + cq.Data[3:] + " ✓",
			})
			_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{
				ChatID: msg.Chat.ID, Text: "Please share your phone number so the office can reach you.",
				ReplyMarkup: &models.ReplyKeyboardMarkup{
					Keyboard:        [][]models.KeyboardButton{{{Text: "Share my phone", RequestContact: true}}},
					ResizeKeyboard:  true,
					OneTimeKeyboard: true,
				},
			})
		}
	case u.Message != nil && u.Message.Contact != nil:
		m := u.Message
		_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: m.Chat.ID, Text: "Booked! Reference: TH-7K2Q\nCivil Registry, Monday 7 December, 09:00 <bring your ID>",
			ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true},
		})
		_, _ = b.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:   m.Chat.ID,
			Document: &models.InputFileUpload{Filename: "rantevou.ics", Data: bytes.NewReader([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))},
			Caption:  "Add it to your calendar",
		})
	case u.Message != nil && u.Message.Text == "/start":
		m := u.Message
		text, book := "Welcome to the City of Thessaloniki! What would you like to do?", "Book an appointment"
		if m.From.LanguageCode == "el" {
			text, book = "Καλώς ήρθατε στον Δήμο Θεσσαλονίκης! Τι θέλετε να κάνετε;", "Κλείστε ραντεβού"
		}
		_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: m.Chat.ID, Text: text,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
				{{Text: book, CallbackData: "book"}},
			}},
		})
	case u.Message != nil:
		_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "You wrote: " + u.Message.Text})
	}
}

// rig is the sandbox served over HTTP, with the fake Telegram, the script
// bot polling it, and the Slack stand-in.
type rig struct {
	tg    *telegramfake.Server
	slack *slackfake.Server
	h     *handler
	srv   *httptest.Server
}

func newRig(t *testing.T, slackHandler http.Handler, opts ...func(*Config)) *rig {
	t.Helper()
	tg := telegramfake.New(testToken)
	base := tg.Start()
	t.Cleanup(tg.Close)
	sl := slackfake.New()
	t.Cleanup(sl.Close)

	ctx, cancel := context.WithCancel(context.Background())
	b, err := tgbot.New(testToken, tgbot.WithServerURL(base), tgbot.WithSkipGetMe(),
		tgbot.WithDefaultHandler(scriptBot), tgbot.WithNotAsyncHandlers())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); b.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	cfg := Config{
		Telegram:      tg,
		Catalog:       booking.DefaultCatalog(),
		Slack:         sl,
		SlackHandler:  slackHandler,
		SigningSecret: testSigningSecret,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h := newHandler(cfg)
	h.pollWait = 2 * time.Second
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &rig{tg: tg, slack: sl, h: h, srv: srv}
}

const testSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// waitChat polls the chat API until cond holds for the view.
func (r *rig) waitChat(t *testing.T, user string, cond func(chatView) bool) chatView {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var v chatView
	var after uint64
	for time.Now().Before(deadline) {
		if err := getJSON(r.srv.URL+"/sandbox/api/chat?user="+user+"&after="+uitoa(after), &v); err != nil {
			t.Fatal(err)
		}
		if cond(v) {
			return v
		}
		after = v.Version
	}
	t.Fatalf("chat of %s never reached the expected state; last view: %+v", user, v)
	return v
}

func lastBot(v chatView) messageView {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if v.Messages[i].FromBot {
			return v.Messages[i]
		}
	}
	return messageView{}
}

func hasText(v chatView, s string) bool {
	for _, m := range v.Messages {
		if strings.Contains(m.HTML, s) {
			return true
		}
	}
	return false
}
