package telegramfake_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// TestWebhookReplyMethod: a webhook may answer with one Bot API call as its
// body, and Telegram carries it out; so does the fake.
func TestWebhookReplyMethod(t *testing.T) {
	fake, b := newClient(t)
	ctx := ctxT(t)
	const chat = 9
	sent, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "menu",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Go", CallbackData: "go"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	answer := `{"method":"answerCallbackQuery","callback_query_id":"%s","text":"done"}`
	var body string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	defer hook.Close()
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook.URL}); err != nil {
		t.Fatal(err)
	}

	u, err := fake.PressUpdate(chat, sent.ID, "go")
	if err != nil {
		t.Fatal(err)
	}
	body = fmt.Sprintf(answer, u.CallbackQuery.ID)
	fake.Deliver(u)
	if toast, ok := fake.CallbackAnswer(u.ID); !ok || toast != "done" {
		t.Fatalf("callback answered %v with %q; want answered with \"done\"", ok, toast)
	}
	d := fake.Deliveries()
	if len(d) != 1 || d[0].ReplyMethod != "answerCallbackQuery" || d[0].ReplyErr != nil {
		t.Fatalf("deliveries = %+v", d)
	}

	// The same answer again is refused, as Telegram refuses a second answer.
	fake.Deliver(u)
	if d := fake.Deliveries(); len(d) != 2 || d[1].ReplyErr == nil {
		t.Fatalf("a second answer to one query: deliveries = %+v", d)
	}

	// A plain answer is no call.
	body = ""
	fake.SendText(chat, "hi")
	if d := fake.Deliveries(); len(d) != 3 || d[2].ReplyMethod != "" || d[2].ReplyErr != nil {
		t.Fatalf("plain answer: deliveries = %+v", d)
	}

	// A message sent in the answer is a new message of the chat, with its
	// id, its inline keyboard or its reply keyboard, as if the bot had
	// called sendMessage.
	body = fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":"Page 1","reply_markup":{"inline_keyboard":[[{"text":"Next","callback_data":"next"}]]}}`, chat)
	fake.SendText(chat, "menu")
	if d := fake.Deliveries(); len(d) != 4 || d[3].ReplyMethod != "sendMessage" || d[3].ReplyErr != nil {
		t.Fatalf("sendMessage answer: deliveries = %+v", d)
	}
	m, _ := fake.Last(chat)
	if !m.FromBot || m.Text != "Page 1" || m.ID <= sent.ID {
		t.Fatalf("last message %+v; want the bot's new message", m)
	}
	if _, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: m.ID, Text: "Page 2"}); err != nil {
		t.Fatalf("the message sent in the answer cannot be edited by its id: %v", err)
	}
	if m, _ := fake.Last(chat); m.Text != "Page 2" || m.Edits != 1 {
		t.Fatalf("last message %+v; want it edited", m)
	}
	body = fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":"Your phone?","reply_markup":{"keyboard":[[{"text":"Share","request_contact":true}]],"resize_keyboard":true,"one_time_keyboard":true}}`, chat)
	fake.SendText(chat, "book")
	if m, _ := fake.Last(chat); m.Text != "Your phone?" || len(m.Keyboard) != 1 || !m.Keyboard[0][0].RequestContact {
		t.Fatalf("last message %+v; want the share-contact key", m)
	}
	// Refused as the Bot API refuses it: the delivery says so.
	body = fmt.Sprintf(`{"method":"sendMessage","chat_id":%d,"text":""}`, chat)
	fake.SendText(chat, "empty")
	if d := fake.Deliveries(); d[len(d)-1].ReplyMethod != "sendMessage" || d[len(d)-1].ReplyErr == nil {
		t.Fatalf("an empty message in the answer: deliveries = %+v", d[len(d)-1])
	}
}

// TestWebhookTargets: with several targets the fake delivers in turn, as a
// load balancer in front of replicas.
func TestWebhookTargets(t *testing.T) {
	fake, _ := newClient(t)
	hits := make([]int, 3)
	var urls []string
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits[i]++ }))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	fake.SetWebhookTargets(urls...)
	for range 6 {
		fake.SendText(5, "x")
	}
	for i, n := range hits {
		if n != 2 {
			t.Fatalf("target %d got %d deliveries, want 2 each: %v", i, n, hits)
		}
	}
	for i, d := range fake.Deliveries() {
		if d.Target != urls[i%3] || d.Status != http.StatusOK {
			t.Fatalf("delivery %d = %+v, want target %s", i, d, urls[i%3])
		}
	}

}
