package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
	rstore "github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// scripted stands in for the conversation engine in the transport tests,
// which are about what the adapter does with replies and failures; the
// end-to-end tests use the real engine.
type scripted struct {
	mu    sync.Mutex
	calls []conversation.Input
	delay time.Duration
}

func (s *scripted) Handle(_ context.Context, in conversation.Input) ([]dialog.Reply, error) {
	s.mu.Lock()
	s.calls = append(s.calls, in)
	s.mu.Unlock()
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	ev := in.Event
	switch {
	case ev.Kind == dialog.KindText && ev.Text == "fail":
		return nil, errors.New("conversation: handle: redis down")
	case ev.Kind == dialog.KindText && ev.Text == "panic":
		panic("boom")
	case ev.Kind == dialog.KindText && ev.Text == "phone":
		return []dialog.Reply{{Text: "Your phone?", ContactButton: true, ContactLabel: "Share my number"}}, nil
	case ev.Kind == dialog.KindContact:
		return []dialog.Reply{{Text: "Thanks", RemoveKeyboard: true, Buttons: [][]dialog.Button{{{Text: "Confirm", Data: "ok"}}}}}, nil
	case ev.Kind == dialog.KindText && ev.Text == "wide":
		row := make([]dialog.Button, 20)
		for i := range row {
			row[i] = dialog.Button{Text: fmt.Sprint(i), Data: fmt.Sprint("d", i)}
		}
		row[3].Data = strings.Repeat("ω", 40) // 80 bytes: unusable
		return []dialog.Reply{{Text: "Many", Buttons: [][]dialog.Button{row}}}, nil
	case ev.Kind == dialog.KindText && ev.Text == "two":
		return []dialog.Reply{{Text: "First"}, {Text: "Second", Buttons: [][]dialog.Button{{{Text: "Next", Data: "next"}}}}}, nil
	case ev.Kind == dialog.KindText && ev.Text == "finish":
		return []dialog.Reply{{Text: "Book it?", Buttons: [][]dialog.Button{{{Text: "Confirm", Data: "done"}}}}}, nil
	case ev.Kind == dialog.KindButton && ev.Data == "done":
		// An outcome: the finished screen loses its buttons, and the
		// outcome comes as a new message below it.
		return []dialog.Reply{{Edit: true, DropButtons: true}, {Text: "Booked", Buttons: [][]dialog.Button{{{Text: "Menu", Data: "menu"}}}}}, nil
	case ev.Kind == dialog.KindText && ev.Text == "long":
		return []dialog.Reply{{Text: strings.Repeat("λ", 5000)}}, nil
	case ev.Kind == dialog.KindText:
		return []dialog.Reply{{Text: "Menu: " + ev.Text, Buttons: [][]dialog.Button{{{Text: "Next", Data: "next"}, {Text: "Same", Data: "same"}}}}}, nil
	case ev.Kind == dialog.KindButton && ev.Data == "next":
		return []dialog.Reply{{Text: "Page 2", Edit: true, Toast: "Moving on", Buttons: [][]dialog.Button{{{Text: "Back", Data: "back"}}}}}, nil
	case ev.Kind == dialog.KindButton && ev.Data == "same":
		// Redraw the very screen the button is on: Telegram says "message
		// is not modified".
		return []dialog.Reply{{Text: "Menu: hi", Edit: true, Buttons: [][]dialog.Button{{{Text: "Next", Data: "next"}, {Text: "Same", Data: "same"}}}}}, nil
	case ev.Kind == dialog.KindButton:
		return []dialog.Reply{{Text: "Pressed " + ev.Data, Edit: true}}, nil
	case ev.Kind == dialog.KindCommand:
		return []dialog.Reply{{Text: "Command " + ev.Command}}, nil
	}
	return nil, nil
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func TestWebhook(t *testing.T) {
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, maxConns: 60})
	ctx := context.Background()
	const chat = 1001

	t.Run("RegisteredWithSecretAndNoToken", func(t *testing.T) {
		u, secret := r.fake.Webhook()
		if secret != testSecret || strings.Contains(u, testToken) || !strings.HasSuffix(u, WebhookPath) {
			t.Fatalf("webhook %q secret %q", u, secret)
		}
		if n := r.fake.WebhookMaxConnections(); n != 60 {
			t.Fatalf("webhook registered with max_connections %d; want the configured 60", n)
		}
	})
	t.Run("TextIsAnswered", func(t *testing.T) {
		r.fake.SetLanguage(chat, "el")
		r.fake.SendText(chat, "hi")
		if st := r.lastDelivery(t); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		last, _ := r.fake.Last(chat)
		if last.Text != "Menu: hi" || len(last.Inline) != 1 {
			t.Fatalf("reply = %+v", last)
		}
		if in := h.calls[len(h.calls)-1]; in.ChatID != chat || in.UserID != chat || in.LangCode != "el" || in.Event.Kind != dialog.KindText {
			t.Fatalf("input = %+v", in)
		}
	})
	t.Run("ForgedSecretIs403AndNothingProcessed", func(t *testing.T) {
		before := h.count()
		upd := models.Update{ID: 999001, Message: &models.Message{ID: 1, Date: 1, Text: "forged", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat}}}
		for _, secret := range []string{"", "wrong", testSecret + "x"} {
			st, err := r.fake.PostWebhook(ctx, &upd, secret)
			if err != nil || st != http.StatusForbidden {
				t.Fatalf("secret %q: status %d, %v; want 403", secret, st, err)
			}
		}
		if h.count() != before {
			t.Fatal("a forged update reached the conversation")
		}
		if first, _, err := r.dedupe.Seen(ctx, 999001); err != nil || !first {
			t.Fatalf("a forged update was marked as seen (%v, %v)", first, err)
		}
	})
	t.Run("SameUpdateTwiceHasOneEffect", func(t *testing.T) {
		before := h.count()
		msgs := len(r.fake.Chat(chat))
		r.fake.SendText(chat, "again")
		d := r.fake.Deliveries()
		upd := models.Update{ID: d[len(d)-1].UpdateID, Message: &models.Message{ID: 99, Date: 1, Text: "again", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat}}}
		st, err := r.fake.PostWebhook(ctx, &upd, testSecret)
		if err != nil || st != http.StatusOK {
			t.Fatalf("redelivery: %d, %v; want 200", st, err)
		}
		if n := h.count() - before; n != 1 {
			t.Fatalf("the conversation ran %d times, want 1", n)
		}
		if n := len(r.fake.Chat(chat)) - msgs; n != 2 {
			t.Fatalf("%d new messages, want the text and one reply", n)
		}
	})
	t.Run("ButtonEditsInPlaceWithToast", func(t *testing.T) {
		menu, _ := r.fake.Last(chat)
		id, err := r.fake.PressButton(chat, menu.ID, "next")
		if err != nil {
			t.Fatal(err)
		}
		got := r.fake.Chat(chat)
		edited := got[len(got)-1]
		if edited.ID != menu.ID || edited.Text != "Page 2" || edited.Edits != 1 {
			t.Fatalf("message after press = %+v", edited)
		}
		if toast, ok := r.fake.CallbackAnswer(id); !ok || toast != "Moving on" {
			t.Fatalf("callback answer %q, %v", toast, ok)
		}
	})
	t.Run("NotModifiedIsSuccess", func(t *testing.T) {
		r.fake.SendText(chat, "hi")
		menu, _ := r.fake.Last(chat)
		id, err := r.fake.PressButton(chat, menu.ID, "same")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.fake.CallbackAnswer(id); !ok {
			t.Fatal("callback not answered")
		}
		if st := r.lastDelivery(t); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		if strings.Contains(r.logs.String(), "not modified") {
			t.Fatalf("\"not modified\" was treated as a failure:\n%s", r.logs.String())
		}
	})
	t.Run("ContactKeyThenRemovedWithInlineButtons", func(t *testing.T) {
		r.fake.SendText(chat, "phone")
		kb := r.fake.Keyboard(chat)
		if len(kb) != 1 || !kb[0][0].RequestContact || kb[0][0].Text != "Share my number" {
			t.Fatalf("reply keyboard = %+v", kb)
		}
		r.fake.ShareContact(chat, "+306912345678", chat)
		if kb := r.fake.Keyboard(chat); kb != nil {
			t.Fatalf("reply keyboard not removed: %+v", kb)
		}
		last, _ := r.fake.Last(chat)
		if last.Text != "Thanks" || len(last.Inline) != 1 {
			t.Fatalf("reply = %+v", last)
		}
		in := h.calls[len(h.calls)-1]
		if c := in.Event.Contact; c == nil || c.UserID != chat || c.FromID != chat || c.Phone != "+306912345678" {
			t.Fatalf("contact event = %+v", in.Event)
		}
	})
	t.Run("KeyboardKeptWithinLimits", func(t *testing.T) {
		r.fake.SendText(chat, "wide")
		last, _ := r.fake.Last(chat)
		if last.Text != "Many" {
			t.Fatalf("the wide keyboard was refused; last = %+v", last)
		}
		n := 0
		for _, row := range last.Inline {
			if len(row) > 8 {
				t.Fatalf("row of %d buttons", len(row))
			}
			n += len(row)
		}
		if n != 19 {
			t.Fatalf("%d buttons, want 19 (one with oversize data dropped)", n)
		}
	})
	t.Run("LongTextClipped", func(t *testing.T) {
		r.fake.SendText(chat, "long")
		last, _ := r.fake.Last(chat)
		if n := len([]rune(last.Text)); n != 4096 {
			t.Fatalf("text of %d characters, want 4096", n)
		}
	})
	t.Run("FailureIs503AndRetryIsHandled", func(t *testing.T) {
		before := h.count()
		r.fake.SendText(chat, "fail")
		if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", st)
		}
		d := r.fake.Deliveries()
		upd := models.Update{ID: d[len(d)-1].UpdateID, Message: &models.Message{ID: 1, Date: 1, Text: "fail", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat}}}
		if st, _ := r.fake.PostWebhook(ctx, &upd, testSecret); st != http.StatusServiceUnavailable {
			t.Fatalf("redelivery status %d, want 503", st)
		}
		if n := h.count() - before; n != 2 {
			t.Fatalf("a failed update was not handled again on redelivery (%d runs)", n)
		}
	})
	t.Run("PanicIs503AndNoCrash", func(t *testing.T) {
		r.fake.SendText(chat, "panic")
		if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", st)
		}
		r.fake.SendText(chat, "hi")
		if st := r.lastDelivery(t); st != http.StatusOK {
			t.Fatalf("after a panic: status %d", st)
		}
	})
	t.Run("GroupMessagesIgnored", func(t *testing.T) {
		before := h.count()
		upd := models.Update{ID: 999002, Message: &models.Message{ID: 1, Date: 1, Text: "hi", Chat: models.Chat{ID: -5, Type: models.ChatTypeGroup}, From: &models.User{ID: 5}}}
		if st, _ := r.fake.PostWebhook(ctx, &upd, testSecret); st != http.StatusOK {
			t.Fatalf("status %d", st)
		}
		if h.count() != before {
			t.Fatal("a group message reached the conversation")
		}
	})
	t.Run("EveryCallbackAnswered", func(t *testing.T) {
		if u := r.fake.Unanswered(); len(u) != 0 {
			t.Fatalf("unanswered callback queries: %v", u)
		}
	})
	t.Run("TokenNotInLogs", func(t *testing.T) {
		if strings.Contains(r.logs.String(), testToken) {
			t.Fatal("the bot token appears in the log")
		}
	})
}

func TestRedisDown(t *testing.T) {
	// Nothing listens on port 1; no retries, so the failure comes at once.
	client, err := rstore.Open("redis://127.0.0.1:1/0?max_retries=-1")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	down := rstore.NewDeduper(client, "down", 0)

	t.Run("Webhook503", func(t *testing.T) {
		h := &scripted{}
		r := startRig(t, h, rigOptions{webhook: true, dedupe: down})
		r.fake.SendText(7, "hi")
		if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", st)
		}
		if h.count() != 0 {
			t.Fatal("an update was handled without dedupe")
		}
		r.fake.SendText(7, "hi")
		menu := r.fake.Chat(7)
		if len(menu) != 2 || menu[1].FromBot {
			t.Fatalf("chat = %+v", menu)
		}
	})
	t.Run("WebhookButtonAnswered", func(t *testing.T) {
		h := &scripted{}
		r := startRig(t, h, rigOptions{webhook: true, dedupe: down})
		if _, err := r.bot.api.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: 8, Text: "menu", ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}}); err != nil {
			t.Fatal(err)
		}
		m, _ := r.fake.Last(8)
		id, err := r.fake.PressButton(8, m.ID, "a")
		if err != nil {
			t.Fatal(err)
		}
		if toast, ok := r.fake.CallbackAnswer(id); !ok || !strings.Contains(toast, "τεχνικό πρόβλημα") {
			t.Fatalf("toast %q, %v; want the technical-problem toast", toast, ok)
		}
	})
	t.Run("PollingTellsCitizen", func(t *testing.T) {
		h := &scripted{}
		r := startRig(t, h, rigOptions{dedupe: down})
		r.fake.SetLanguage(9, "en")
		r.fake.SendText(9, "hi")
		msgs := r.waitMessages(t, 9, func(m []telegramfake.Message) bool { return len(m) == 2 })
		if !strings.Contains(msgs[1].Text, "technical problem") {
			t.Fatalf("reply = %q", msgs[1].Text)
		}
	})
}

func TestPolling(t *testing.T) {
	h := &scripted{delay: 5 * time.Millisecond}
	r := startRig(t, h, rigOptions{})

	t.Run("CommandMenu", func(t *testing.T) {
		for _, lang := range []string{"", "el", "en"} {
			menu := r.fake.Commands(lang)
			if len(menu) != 9 {
				t.Fatalf("command menu for %q: %+v; want the 9 commands", lang, menu)
			}
			for _, c := range menu {
				if c.Description == "" || strings.HasPrefix(c.Description, "Command_") {
					t.Fatalf("menu %q: /%s has no text in the locale files (%q)", lang, c.Command, c.Description)
				}
			}
		}
		if got := r.fake.Commands("en")[0]; got.Command != "book" || got.Description != "Book an appointment" {
			t.Fatalf("English menu starts with %+v", got)
		}
		if got := r.fake.Commands("")[1]; got.Description != "Τα ραντεβού μου" {
			t.Fatalf("default menu: %+v; want Greek", got)
		}
		if r.fake.Commands("el")[0].Description == r.fake.Commands("en")[0].Description {
			t.Fatal("the Greek and English menus are the same")
		}
	})
	t.Run("Command", func(t *testing.T) {
		r.fake.SendCommand(20, "start")
		msgs := r.waitMessages(t, 20, func(m []telegramfake.Message) bool { return len(m) == 2 })
		if msgs[1].Text != "Command start" {
			t.Fatalf("reply = %q", msgs[1].Text)
		}
	})
	t.Run("OneChatInOrderChatsInParallel", func(t *testing.T) {
		const chats, each = 4, 8
		for i := range each {
			for c := range chats {
				r.fake.SendText(int64(30+c), fmt.Sprint("m", i))
			}
		}
		for c := range chats {
			r.waitMessages(t, int64(30+c), func(m []telegramfake.Message) bool { return len(m) == 2*each })
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		next := map[int64]int{}
		for _, in := range h.calls {
			if in.ChatID < 30 {
				continue
			}
			if want := fmt.Sprint("m", next[in.ChatID]); in.Event.Text != want {
				t.Fatalf("chat %d handled %q, want %q: out of order", in.ChatID, in.Event.Text, want)
			}
			next[in.ChatID]++
		}
	})
}

// TestTokenScrubbed points the client at a server that answers garbage
// quoting the request path: go-telegram/bot puts that body in its error,
// and the adapter must not let the token through.
func TestTokenScrubbed(t *testing.T) {
	echo := newEchoServer(t)
	client, prefix := redisClient(t)
	b, err := newBot(Config{Token: testToken, APIURL: echo}, &scripted{}, rstore.NewDeduper(client, prefix, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.send(context.Background(), 1, 0, dialog.Reply{Text: "x"}, false)
	if err == nil {
		t.Fatal("want an error from a garbage answer")
	}
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "***") {
		t.Fatalf("error = %q", err)
	}
	if s := b.cfg.String(); strings.Contains(s, testToken) {
		t.Fatalf("Config.String leaks the token: %q", s)
	}
}

func TestConfig(t *testing.T) {
	webhook := Config{Token: "1:a", WebhookURL: "https://x.gr/telegram/webhook"}
	with := func(c Config, change func(*Config)) Config { change(&c); return c }
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"PollingNeedsOnlyToken", Config{Token: "1:a"}, ""},
		{"MissingToken", Config{}, "TELEGRAM_BOT_TOKEN"},
		{"WebhookWithoutSecret", webhook, "SECRET"},
		{"WebhookSecretBadChars", with(webhook, func(c *Config) { c.WebhookSecret = "a b" }), "SECRET"},
		{"WebhookURLWithToken", Config{Token: "1:abc", WebhookURL: "https://x.gr/1:abc", WebhookSecret: "s"}, "must not contain"},
		{"WebhookOK", with(webhook, func(c *Config) { c.WebhookSecret = "s-1" }), ""},
		{"BadAPIURL", Config{Token: "1:a", APIURL: "nope"}, "TELEGRAM_API_URL"},
		{"MaxConnectionsTooMany", with(webhook, func(c *Config) { c.WebhookSecret = "s-1"; c.WebhookMaxConnections = 101 }), "MAX_CONNECTIONS"},
		{"MaxConnectionsNegative", with(webhook, func(c *Config) { c.WebhookSecret = "s-1"; c.WebhookMaxConnections = -1 }), "MAX_CONNECTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.cfg.apiURL() != DefaultAPIURL {
					t.Fatalf("api url %q", tt.cfg.apiURL())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %s", err, tt.wantErr)
			}
		})
	}
}
