package loadtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const testToken = "123456:test-token-of-the-fake-api"

// startFake serves one bot and returns it with a go-telegram/bot client,
// the library the real bot uses, pointed at it.
func startFake(t *testing.T) (*FakeBot, *tgbot.Bot) {
	t.Helper()
	fb := NewFakeBot(testToken, "s3cret")
	f := NewFakeAPI(fb)
	url, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	api, err := tgbot.New(testToken, tgbot.WithServerURL(url), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return fb, api
}

func inline(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func TestFakeMultipart(t *testing.T) {
	fb, api := startFake(t)
	ctx := context.Background()
	const chat = 42

	t.Run("SendMessageWithKeyboard", func(t *testing.T) {
		m, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "Τι θέλετε;",
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "📅 Κλείσιμο", CallbackData: "1.a|bk"}})})
		if err != nil {
			t.Fatal(err)
		}
		v := fb.View(chat)
		if v.KeyboardID != m.ID || v.Text != "Τι θέλετε;" || len(v.Buttons) != 1 || v.Buttons[0][0].Data != "1.a|bk" {
			t.Fatalf("view %+v after message %d", v, m.ID)
		}
		if m.Chat.ID != chat || m.Date == 0 {
			t.Fatalf("result %+v: want chat and date", m)
		}
	})
	t.Run("EditInPlace", func(t *testing.T) {
		v0 := fb.View(chat)
		_, err := api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: v0.KeyboardID, Text: "Ποια υπηρεσία;",
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "A", CallbackData: "2.a|d|0"}}, []models.InlineKeyboardButton{{Text: "B", CallbackData: "2.a|d|1"}})})
		if err != nil {
			t.Fatal(err)
		}
		v := fb.View(chat)
		if v.KeyboardID != v0.KeyboardID || v.Rev == v0.Rev || v.Text != "Ποια υπηρεσία;" || len(v.Buttons) != 2 || v.Edits != v0.Edits+1 {
			t.Fatalf("view after edit %+v, before %+v", v, v0)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		v := fb.View(chat)
		_, err := api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: v.KeyboardID, Text: "Ποια υπηρεσία;",
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "A", CallbackData: "2.a|d|0"}}, []models.InlineKeyboardButton{{Text: "B", CallbackData: "2.a|d|1"}})})
		if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
			t.Fatalf("err = %v, want message is not modified", err)
		}
	})
	t.Run("EditMissing", func(t *testing.T) {
		_, err := api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: 999, Text: "x"})
		if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
			t.Fatalf("err = %v, want message to edit not found", err)
		}
	})
	t.Run("ContactKeyboard", func(t *testing.T) {
		_, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "📱 Το τηλέφωνό σας;",
			ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "📱", RequestContact: true}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if !fb.View(chat).ContactKeyboard {
			t.Fatal("contact keyboard not shown")
		}
		_, err = api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "👌", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}})
		if err != nil {
			t.Fatal(err)
		}
		if fb.View(chat).ContactKeyboard {
			t.Fatal("contact keyboard still shown")
		}
	})
	t.Run("AddKeyboardByMarkupEdit", func(t *testing.T) {
		m, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "Για να αλλάξετε κάτι:"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: m.ID,
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "◀", CallbackData: "3.a|b"}, {Text: "✖", CallbackData: "3.a|x"}})})
		if err != nil {
			t.Fatal(err)
		}
		if v := fb.View(chat); v.KeyboardID != m.ID || v.Text != "Για να αλλάξετε κάτι:" || len(v.Buttons[0]) != 2 {
			t.Fatalf("view %+v, want the keyboard on message %d", v, m.ID)
		}
	})
	t.Run("DocumentWithGlobalButtons", func(t *testing.T) {
		v0 := fb.View(chat)
		_, err := api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chat, Caption: "✅ Κλείστηκε: ABC234",
			Document:    &models.InputFileUpload{Filename: "rantevou.ics", Data: strings.NewReader("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")},
			ReplyMarkup: inline([]models.InlineKeyboardButton{{Text: "❌", CallbackData: "g|c|ABC234"}})})
		if err != nil {
			t.Fatal(err)
		}
		v := fb.View(chat)
		if v.Documents != v0.Documents+1 || v.KeyboardID != v0.KeyboardID || v.Rev != v0.Rev {
			t.Fatalf("a notification's buttons took the conversation's place: %+v, before %+v", v, v0)
		}
		if texts := fb.Texts(chat); texts[len(texts)-1] != "✅ Κλείστηκε: ABC234" {
			t.Fatalf("texts %q", texts)
		}
	})
	t.Run("AnswerCallback", func(t *testing.T) {
		fb.NoteCallback(chat)
		if _, err := api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: CallbackID(chat, 7), Text: "Παλιό κουμπί"}); err != nil {
			t.Fatal(err)
		}
		v := fb.View(chat)
		if v.CallbacksAnswered != 1 || v.CallbacksSent != 1 || v.Toast != "Παλιό κουμπί" {
			t.Fatalf("view %+v", v)
		}
		_, err := api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: CallbackID(chat, 7)})
		if !errors.Is(err, tgbot.ErrorBadRequest) || fb.View(chat).AnsweredTwice != 1 {
			t.Fatalf("second answer: err %v, view %+v", err, fb.View(chat))
		}
	})
	t.Run("Commands", func(t *testing.T) {
		if _, err := api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "Αρχή"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: "https://example.invalid/telegram/webhook", SecretToken: "x"}); err != nil {
			t.Fatal(err)
		}
		if fb.Webhook() != "https://example.invalid/telegram/webhook" {
			t.Fatalf("webhook %q", fb.Webhook())
		}
		me, err := api.GetMe(ctx)
		if err != nil || me.ID != 123456 {
			t.Fatalf("getMe: %+v, %v", me, err)
		}
	})
	c := fb.Counters()
	for method, want := range map[string]int64{"sendMessage": 4, "editMessageText": 3, "editMessageReplyMarkup": 1,
		"sendDocument": 1, "answerCallbackQuery": 2, "setMyCommands": 1, "setWebhook": 1, "getMe": 1} {
		if c.Calls[method] != want {
			t.Errorf("%s counted %d times, want %d (all: %v)", method, c.Calls[method], want, c.Calls)
		}
	}
	if c.APIErrors["400 message is not modified"] != 1 || c.APIErrors["400 message to edit not found"] != 1 {
		t.Errorf("api errors %v", c.APIErrors)
	}
}

func TestFakeUnknownTokenAndMethod(t *testing.T) {
	fb, _ := startFake(t)
	f := NewFakeAPI(fb)
	for path, want := range map[string]int{
		"/bot" + testToken + "/sendSticker": http.StatusNotFound,
		"/bot999:nope/sendMessage":          http.StatusUnauthorized,
		"/favicon.ico":                      http.StatusUnauthorized,
	} {
		w := httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
		if w.Code != want || !strings.Contains(w.Body.String(), `"ok":false`) {
			t.Errorf("%s: %d %s, want %d", path, w.Code, w.Body, want)
		}
	}
}

func TestParseParams(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("chat_id", "42")
	mw.WriteField("reply_markup", `{"inline_keyboard":[[{"text":"ok","callback_data":"1.1|ok"}]]}`)
	fw, _ := mw.CreateFormFile("document", "rantevou.ics")
	fw.Write([]byte("BEGIN:VCALENDAR"))
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/bot1:x/sendDocument?caption=ics&disable_notification=true", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	p, err := parseParams(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.ChatID != "42" || p.Document != "attach://rantevou.ics" || p.Caption != "ics" {
		t.Fatalf("params %+v", p)
	}
	mk, err := p.markup()
	if err != nil || len(mk.Inline) != 1 || mk.Inline[0][0].Data != "1.1|ok" {
		t.Fatalf("markup %+v, %v", mk, err)
	}

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"chat_id":42,"text":"γεια \"σου\"","reply_markup":{"remove_keyboard":true}}`))
	r.Header.Set("Content-Type", "application/json")
	if p, err = parseParams(r); err != nil {
		t.Fatal(err)
	}
	if p.ChatID != "42" || p.Text != `γεια "σου"` {
		t.Fatalf("json params %+v", p)
	}
	if mk, err := p.markup(); err != nil || !mk.Remove {
		t.Fatalf("json markup %+v, %v", mk, err)
	}

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("chat_id=42&text=a+b"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p, err = parseParams(r); err != nil || p.ChatID != "42" || p.Text != "a b" {
		t.Fatalf("form params %+v, %v", p, err)
	}

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	r.Header.Set("Content-Type", "multipart/form-data")
	if _, err := parseParams(r); err == nil {
		t.Fatal("multipart without boundary accepted")
	}
}

// TestWebhookReply checks that a Bot API call in a webhook's 200 answer is
// carried out as if the bot had made it, and counted.
func TestWebhookReply(t *testing.T) {
	fb, _ := startFake(t)
	var answer string
	status := http.StatusOK
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(SecretHeader) != "s3cret" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		io.Copy(io.Discard, r.Body)
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer hook.Close()
	fb.SetTargets(hook.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const chat = 77
	u := user{ID: chat, FirstName: "Μαρία", Lang: "el"}

	fb.NoteCallback(chat)
	update := pressUpdate(fb.NextUpdateID(), u, 1, "1.1|bk")
	answer = `{"method":"answerCallbackQuery","callback_query_id":"` + CallbackID(chat, 1) + `","text":"Εντάξει"}`
	d := fb.Deliver(ctx, update)
	if d.Err != nil || d.Status != 200 || d.ReplyMethod != "answerCallbackQuery" {
		t.Fatalf("delivery %+v", d)
	}
	if v := fb.View(chat); v.CallbacksAnswered != 1 || v.Toast != "Εντάξει" {
		t.Fatalf("callback not answered from the webhook's answer: %+v", v)
	}

	answer = `{"method":"sendMessage","chat_id":77,"text":"Τι θέλετε;","reply_markup":{"inline_keyboard":[[{"text":"📅","callback_data":"2.1|bk"}]]}}`
	if d := fb.Deliver(ctx, textUpdate(fb.NextUpdateID(), u, fb.UserMessageID(chat), "/start")); d.ReplyMethod != "sendMessage" {
		t.Fatalf("delivery %+v", d)
	}
	if v := fb.View(chat); v.Text != "Τι θέλετε;" || v.Buttons[0][0].Data != "2.1|bk" {
		t.Fatalf("message from the webhook's answer not shown: %+v", v)
	}
	// The carried message has an id like any sent one: the bot edits it
	// on the next press.
	menu := fb.View(chat).KeyboardID
	if _, err := fb.call("editMessageText", params{ChatID: "77", MessageID: param(strconv.Itoa(menu)), Text: "Υπηρεσία;"}, false); err != nil {
		t.Fatalf("the carried message cannot be edited by its id %d: %v", menu, err)
	}

	// A reply keyboard travels with it: the share-contact key.
	answer = `{"method":"sendMessage","chat_id":77,"text":"Το τηλέφωνό σας;","reply_markup":{"keyboard":[[{"text":"📱 Κοινοποίηση","request_contact":true}]],"resize_keyboard":true,"one_time_keyboard":true}}`
	if d := fb.Deliver(ctx, textUpdate(fb.NextUpdateID(), u, fb.UserMessageID(chat), "Μαρία")); d.ReplyMethod != "sendMessage" {
		t.Fatalf("delivery %+v", d)
	}
	if v := fb.View(chat); !v.ContactKeyboard || v.Messages != 2 {
		t.Fatalf("the contact key from the webhook's answer not shown: %+v", v)
	}

	answer = ""
	if d := fb.Deliver(ctx, textUpdate(fb.NextUpdateID(), u, fb.UserMessageID(chat), "hi")); d.Status != 200 || d.ReplyMethod != "" {
		t.Fatalf("plain answer: %+v", d)
	}

	// A failed delivery carries no call, even one in its body.
	status = http.StatusServiceUnavailable
	if d := fb.Deliver(ctx, textUpdate(fb.NextUpdateID(), u, fb.UserMessageID(chat), "hi")); d.Status != 503 || d.ReplyMethod != "" {
		t.Fatalf("503 answer: %+v", d)
	}

	c := fb.Counters()
	if c.InReply["answerCallbackQuery"] != 1 || c.InReply["sendMessage"] != 2 || c.Calls["answerCallbackQuery"] != 1 || c.Calls["sendMessage"] != 2 {
		t.Fatalf("calls in webhook answers not counted: %+v", c)
	}
	if c.Webhook["200"] != 4 || c.Webhook["5xx"] != 1 {
		t.Fatalf("webhook answers %v", c.Webhook)
	}
}

// TestMaxConnections holds a webhook that answers only when told to: the
// fake keeps no more deliveries in flight than it was allowed, and the
// others wait, as at Telegram, until one is answered.
func TestMaxConnections(t *testing.T) {
	fb, _ := startFake(t)
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		io.Copy(io.Discard, r.Body)
		<-release
	}))
	defer hook.Close()
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free() // before hook.Close, which waits for the deliveries held
	fb.SetTargets(hook.URL)
	fb.SetMaxConnections(3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const deliveries = 8
	done := make(chan Delivery, deliveries)
	for i := range deliveries {
		u := user{ID: int64(100 + i), FirstName: "Νίκος", Lang: "el"}
		go func() { done <- fb.Deliver(ctx, textUpdate(fb.NextUpdateID(), u, 1, "/start")) }()
	}
	for inFlight.Load() < 3 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d deliveries reached the webhook; want 3", inFlight.Load())
		case <-time.After(time.Millisecond):
		}
	}
	time.Sleep(50 * time.Millisecond) // time for a fourth to arrive, were it let through
	if n := inFlight.Load(); n != 3 {
		t.Fatalf("%d deliveries in flight with 3 connections allowed", n)
	}
	free()
	for range deliveries {
		if d := <-done; d.Err != nil || d.Status != http.StatusOK {
			t.Fatalf("delivery %+v", d)
		}
	}
	if m := most.Load(); m != 3 {
		t.Fatalf("at most %d deliveries were in flight; want 3", m)
	}
}

func TestClassify(t *testing.T) {
	kb := func(contact bool, data ...string) View {
		var row []Button
		for _, d := range data {
			row = append(row, Button{Text: d, Data: d})
		}
		return View{KeyboardID: 1, Buttons: [][]Button{row}, ContactKeyboard: contact}
	}
	for _, tc := range []struct {
		v    View
		want screen
	}{
		{kb(false, "1.a|bk", "1.a|my", "1.a|i", "1.a|h", "1.a|l|en"), scrMenu},
		{kb(false, "2.a|d|0", "2.a|d|1", "2.a|b", "2.a|x"), scrDept},
		{kb(false, "3.a|s|4", "3.a|b", "3.a|x"), scrService},
		{kb(false, "4.a|fa", "4.a|w|1", "4.a|b", "4.a|x"), scrDate},
		{kb(false, "5.a|t|0930", "5.a|b", "5.a|x"), scrTime},
		{kb(true, "6.a|b", "6.a|x"), scrPhone},
		{kb(false, "7.a|b", "7.a|x"), scrName},
		{kb(false, "7.a|nm", "7.a|b", "7.a|x"), scrName},
		{kb(false, "8.a|ok", "8.a|b", "8.a|x"), scrConfirm},
		{kb(false, "9.a|my", "9.a|bk"), scrDone},
		{kb(false, "9.a|cx|ABC234", "9.a|rs|ABC234", "9.a|m"), scrMine},
		{kb(false, "9.a|bk", "9.a|m"), scrMineNone},
		{kb(false, "9.a|cy|ABC234", "9.a|b"), scrCancelAsk},
		{kb(false, "9.a|l|el", "9.a|l|en", "9.a|b"), scrLang},
		{View{}, scrNone},
	} {
		if got := classify(tc.v); got != tc.want {
			t.Errorf("classify(%v) = %s, want %s", tc.v.Buttons, got, tc.want)
		}
	}
}

func TestRefIn(t *testing.T) {
	for text, want := range map[string]string{
		"✅ Your appointment is booked!\n\n🔖 Reference: K7M2QX\n🏛 Civil Registry": "K7M2QX",
		"✅ Το ραντεβού σας κλείστηκε!\n\n🔖 Κωδικός: 23ABCZ\n📞 231 331 7777":      "23ABCZ",
		"✅ Appointment HJ8K9M has been cancelled.\n\nWhat would you like to do?": "HJ8K9M",
		"Call 2313317777 or write to INFO":    "",
		"ABCDEFG is too long, ABC1EF has a 1": "",
	} {
		if got := refIn(text); got != want {
			t.Errorf("refIn(%q) = %q, want %q", text, got, want)
		}
	}
}

func FuzzParseMarkup(f *testing.F) {
	f.Add(`{"inline_keyboard":[[{"text":"a","callback_data":"1.1|ok"}]]}`)
	f.Add(`{"keyboard":[[{"text":"📱","request_contact":true}]],"resize_keyboard":true}`)
	f.Add(`{"remove_keyboard":true}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMarkup(s)
		if err != nil {
			return
		}
		for _, row := range m.Inline {
			for _, b := range row {
				action(b.Data) // must not panic on any callback data
			}
		}
		var p params
		p.readJSON([]byte(s))
	})
}

// TestRedeliveryAfter5xx answers an update 503 once: the citizen counts the
// error and delivers the same update again, as Telegram does, and the step
// is done when the second delivery is answered.
func TestRedeliveryAfter5xx(t *testing.T) {
	fb, _ := startFake(t)
	var mu sync.Mutex
	seen := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[string(body)]++
		n := seen[string(body)]
		mu.Unlock()
		if n == 1 {
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		}
	}))
	defer hook.Close()
	fb.SetTargets(hook.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w := &window{}
	w.on.Store(true)
	cr := &crowd{cfg: &Config{StepTimeout: 5 * time.Second}, bot: fb, w: w, g: newGate(true), ctx: ctx, stop: make(chan struct{})}
	tl := newTally(w)
	c := &citizen{crowd: cr, t: tl, u: user{ID: 4242, FirstName: "Ελένη", Lang: "el"}}
	update := textUpdate(fb.NextUpdateID(), c.u, 1, "/start")
	if !c.deliver(update, "/start", "") {
		t.Fatalf("the step failed; errors %v", tl.errors)
	}
	if n := seen[string(update)]; n != 2 {
		t.Fatalf("the update was delivered %d times; want 2 (the 503, then again)", n)
	}
	if tl.errors["status 503"] != 1 || len(tl.byKind["redelivery after 503"]) != 1 {
		t.Fatalf("errors %v, steps %v; want one 503 and one redelivery after it, answered", tl.errors, tl.byKind)
	}
}
