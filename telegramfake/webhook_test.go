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
