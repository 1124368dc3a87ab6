package bot

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/telegramfake"
)

// apiGate counts the Bot API calls by method and fails the ones named in
// fail with 502, as a broken network or Telegram's outage would, and the
// next ones named in refused with 400, as Telegram refuses a bad request.
type apiGate struct {
	mu      sync.Mutex
	calls   map[string]int
	fail    map[string]bool
	refused map[string]int
}

func newAPIGate() *apiGate {
	return &apiGate{calls: map[string]int{}, fail: map[string]bool{}, refused: map[string]int{}}
}

func (g *apiGate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := strings.ToLower(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
		g.mu.Lock()
		g.calls[method]++
		fail := g.fail[method]
		refuse := g.refused[method] > 0
		if refuse {
			g.refused[method]--
		}
		g.mu.Unlock()
		if refuse {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"}`))
			return
		}
		if fail {
			http.Error(w, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`, http.StatusBadGateway)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g *apiGate) set(method string, fail bool) {
	g.mu.Lock()
	g.fail[strings.ToLower(method)] = fail
	g.mu.Unlock()
}

// refuse refuses the next n calls of method.
func (g *apiGate) refuse(method string, n int) {
	g.mu.Lock()
	g.refused[strings.ToLower(method)] += n
	g.mu.Unlock()
}

func (g *apiGate) count(method string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[strings.ToLower(method)]
}

func TestWebhookAnswersTheButtonInItsResponse(t *testing.T) {
	gate := newAPIGate()
	r := startRig(t, &scripted{}, rigOptions{webhook: true, api: gate.wrap})
	const chat = 4101
	r.fake.SendText(chat, "hi")
	if d := r.fake.Deliveries(); d[len(d)-1].ReplyMethod == "answerCallbackQuery" {
		t.Fatal("a text message was answered with answerCallbackQuery; only a button press has a query to answer")
	}
	id, err := r.fake.Press(chat, "Next")
	if err != nil {
		t.Fatal(err)
	}
	d := r.fake.Deliveries()
	last := d[len(d)-1]
	if last.Status != http.StatusOK || last.ReplyMethod != "answerCallbackQuery" || last.ReplyErr != nil {
		t.Fatalf("delivery %+v; want 200 answered with answerCallbackQuery", last)
	}
	if toast, ok := r.fake.CallbackAnswer(id); !ok || toast != "Moving on" {
		t.Fatalf("callback answered %v with %q; want the dialog's toast", ok, toast)
	}
	if n := gate.count("answerCallbackQuery"); n != 0 {
		t.Fatalf("%d answerCallbackQuery calls to the API; the webhook's answer carries it", n)
	}
	if m, _ := r.fake.Last(chat); m.Text != "Page 2" {
		t.Fatalf("last message %q; want the edit", m.Text)
	}
}

// TestWebhookUnsentRepliesAreRedelivered: a step whose replies could not be
// sent fails its delivery (503), and Telegram's redelivery sends them,
// without running the step again, all through the Bot API.
func TestWebhookUnsentRepliesAreRedelivered(t *testing.T) {
	gate := newAPIGate()
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, api: gate.wrap})
	const chat = 4102
	ctx := context.Background()

	gate.set("sendMessage", true)
	id := r.fake.SendText(chat, "two")
	if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
		t.Fatalf("status %d with the replies unsent; want 503 so that Telegram delivers again", st)
	}
	if h.count() != 1 {
		t.Fatalf("handled %d times", h.count())
	}
	gate.set("sendMessage", false)
	upd := textUpdate(id, chat, "two")
	for i := range 2 {
		if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusOK {
			t.Fatalf("redelivery %d: %d, %v; want 200", i+1, st, err)
		}
	}
	if h.count() != 1 {
		t.Fatalf("the step ran %d times; a redelivery must only send what was left", h.count())
	}
	if got := botTexts(r.fake.Chat(chat)); strings.Join(got, "|") != "First|Second" {
		t.Fatalf("the chat shows %q; want each reply once, in order", got)
	}
	// One failed try, then both replies by the API on the redelivery.
	if n := gate.count("sendMessage"); n != 3 {
		t.Fatalf("%d sendMessage calls; want 3 (the parked replies are not carried)", n)
	}
}

// textUpdate is a private-chat text message as Telegram delivers it.
func textUpdate(id, chat int64, text string) models.Update {
	return models.Update{ID: id, Message: &models.Message{ID: int(id), Date: 1, Text: text,
		Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat, LanguageCode: "en"}}}
}

// botTexts returns the texts of the bot's messages, oldest first.
func botTexts(ms []telegramfake.Message) []string {
	var out []string
	for _, m := range ms {
		if m.FromBot && !m.Deleted {
			out = append(out, m.Text)
		}
	}
	return out
}

// TestWebhookUnsentEditAnswersTheButton: when an edit cannot be sent the
// 503's body is not read, so the button is answered by a call of its own.
func TestWebhookUnsentEditAnswersTheButton(t *testing.T) {
	gate := newAPIGate()
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, api: gate.wrap})
	const chat = 4103
	r.fake.SendText(chat, "hi")
	before := h.count()
	gate.set("editMessageText", true)
	id, err := r.fake.Press(chat, "Next")
	if err != nil {
		t.Fatal(err)
	}
	if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
		t.Fatalf("status %d; want 503", st)
	}
	if toast, ok := r.fake.CallbackAnswer(id); !ok || toast != "Moving on" {
		t.Fatalf("callback answered %v with %q; the spinner must stop even when the edit is parked", ok, toast)
	}
	if n := gate.count("answerCallbackQuery"); n != 1 {
		t.Fatalf("%d answerCallbackQuery calls; want 1", n)
	}
	if got := h.count(); got != before+1 {
		t.Fatalf("handled %d updates; want one more", got)
	}
}

// TestWebhookUpdateInHandComesBack: an update marked in hand by a delivery
// whose process died is answered 503 while the mark lasts, and handled by
// the delivery after it, instead of being dropped as a duplicate.
func TestWebhookUpdateInHandComesBack(t *testing.T) {
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true})
	const chat = 4104
	ctx := context.Background()
	// The dying process took the update on, and never finished it.
	const id = 777001
	if first, _, err := r.dedupe.Seen(ctx, id); err != nil || !first {
		t.Fatalf("Seen = %v, %v", first, err)
	}
	upd := textUpdate(id, chat, "hello")
	if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusServiceUnavailable {
		t.Fatalf("redelivery while in hand: %d, %v; want 503, to come back later", st, err)
	}
	if h.count() != 0 {
		t.Fatal("an update in hand elsewhere was handled")
	}
	// The mark runs out (redis.DefaultInHandTTL); Telegram delivers again.
	if err := r.dedupe.Forget(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("redelivery after the mark ran out: %d, %v; want 200", st, err)
	}
	if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusOK || h.count() != 1 {
		t.Fatalf("once more: %d, %v, handled %d times; want a duplicate, handled once", st, err, h.count())
	}
}

// TestWebhookOutcomeDropsButtonsAlongside: the buttons of a finished screen
// are taken off while the outcome is sent, and when that fails they are
// parked for the redelivery, which sends only them.
func TestWebhookOutcomeDropsButtonsAlongside(t *testing.T) {
	gate := newAPIGate()
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, api: gate.wrap})
	ctx := context.Background()
	buttons := func(chat int64, text string) int {
		for _, m := range r.fake.Chat(chat) {
			if m.FromBot && m.Text == text {
				return len(m.Inline)
			}
		}
		t.Fatalf("no message %q in chat %d", text, chat)
		return 0
	}

	const chat = 4110
	r.fake.SendText(chat, "finish")
	if _, err := r.fake.Press(chat, "Confirm"); err != nil {
		t.Fatal(err)
	}
	if st := r.lastDelivery(t); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if n := buttons(chat, "Book it?"); n != 0 {
		t.Fatalf("the finished screen kept %d rows of buttons", n)
	}
	if n := buttons(chat, "Booked"); n != 1 {
		t.Fatalf("the outcome has %d rows of buttons, want 1", n)
	}

	const other = 4111
	r.fake.SendText(other, "finish")
	gate.set("editMessageReplyMarkup", true)
	id, err := r.fake.Press(other, "Confirm")
	if err != nil {
		t.Fatal(err)
	}
	if st := r.lastDelivery(t); st != http.StatusServiceUnavailable {
		t.Fatalf("status %d with the buttons not taken off; want 503", st)
	}
	if got := botTexts(r.fake.Chat(other)); strings.Join(got, "|") != "Book it?|Booked" {
		t.Fatalf("the chat shows %q; the outcome goes out whatever happens to the buttons", got)
	}
	gate.set("editMessageReplyMarkup", false)
	screen := 0
	for _, m := range r.fake.Chat(other) {
		if m.FromBot && m.Text == "Book it?" {
			screen = m.ID
		}
	}
	upd := models.Update{ID: id, CallbackQuery: &models.CallbackQuery{ID: "redelivered", From: models.User{ID: other},
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: screen, Chat: models.Chat{ID: other, Type: models.ChatTypePrivate}}}, Data: "done"}}
	if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("redelivery: %d, %v; want 200", st, err)
	}
	if n := buttons(other, "Book it?"); n != 0 {
		t.Fatalf("after the redelivery the finished screen kept %d rows of buttons", n)
	}
	if got := botTexts(r.fake.Chat(other)); strings.Join(got, "|") != "Book it?|Booked" {
		t.Fatalf("after the redelivery the chat shows %q; want the outcome once", got)
	}
	if h.count() != 4 {
		t.Fatalf("the steps ran %d times; want 4 (a redelivery only sends what was left)", h.count())
	}
}

// TestWebhookSecondPressWhileInHand: a second press of a button whose first
// press is still in hand (a double tap) is answered at once and not run;
// a press of another button queues; a redelivery of the press in hand
// goes the usual way (503, it is in hand).
func TestWebhookSecondPressWhileInHand(t *testing.T) {
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true})
	ctx := context.Background()
	const chat = 4120
	r.fake.SendText(chat, "hi") // Menu: hi [Next] [Same]
	m, _ := r.fake.Last(chat)
	before := h.count()
	h.mu.Lock()
	h.delay = 300 * time.Millisecond // each step from now on
	h.mu.Unlock()

	press := func(data string) models.Update {
		u, err := r.fake.PressUpdate(chat, m.ID, data)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	first, second, other := press("next"), press("next"), press("same")
	firstDone := make(chan int, 1)
	go func() {
		st, _ := r.fake.PostWebhook(ctx, &first, testSecret)
		firstDone <- st
	}()
	deadline := time.Now().Add(5 * time.Second)
	for h.count() == before { // the first press is being handled
		if time.Now().After(deadline) {
			t.Fatal("the first press never reached the conversation")
		}
		time.Sleep(time.Millisecond)
	}
	if st, err := r.fake.PostWebhook(ctx, &second, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("second press: %d, %v", st, err)
	}
	select {
	case st := <-firstDone:
		t.Error("the second press was answered only after the first was done; it should not wait for it")
		firstDone <- st
	default:
	}
	if _, ok := r.fake.CallbackAnswer(second.ID); !ok {
		t.Fatal("the second press was not answered")
	}
	if st, err := r.fake.PostWebhook(ctx, &first, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("redelivery of the press in hand: %d, %v; want 200, as a duplicate once the first is done", st, err)
	}
	if st, err := r.fake.PostWebhook(ctx, &other, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("another button: %d, %v", st, err)
	}
	if st := <-firstDone; st != http.StatusOK {
		t.Fatalf("first press: %d", st)
	}
	if got := h.count() - before; got != 2 {
		t.Fatalf("%d steps ran; want 2 (the first press and the other button, not the second press)", got)
	}
}
