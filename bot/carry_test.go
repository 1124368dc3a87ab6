package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	rstore "github.com/rantevou/rantevou/redis"
)

// lastReply returns the method the last webhook POST was answered with.
func (r *rig) lastReply(t testing.TB) (status int, method string) {
	t.Helper()
	d := r.fake.Deliveries()
	if len(d) == 0 {
		t.Fatal("no webhook delivery")
	}
	last := d[len(d)-1]
	if last.ReplyErr != nil {
		t.Fatalf("the webhook's answer %s failed at Telegram: %v", last.ReplyMethod, last.ReplyErr)
	}
	return last.Status, last.ReplyMethod
}

// TestWebhookCarriesTheMessageReply: the reply to a message travels in the
// webhook's answer as a sendMessage, which Telegram (the fake) carries out
// as if the bot had called it; what cannot travel there goes by the API.
func TestWebhookCarriesTheMessageReply(t *testing.T) {
	gate := newAPIGate()
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, api: gate.wrap})

	t.Run("OneReply", func(t *testing.T) {
		const chat = 4201
		r.fake.SendText(chat, "hi")
		if st, m := r.lastReply(t); st != http.StatusOK || m != "sendMessage" {
			t.Fatalf("answered %d with %q; want 200 carrying sendMessage", st, m)
		}
		if n := gate.count("sendMessage"); n != 0 {
			t.Fatalf("%d sendMessage calls to the API; the answer carries the only reply", n)
		}
		m, _ := r.fake.Last(chat)
		if !m.FromBot || m.Text != "Menu: hi" || len(m.Inline) != 1 || len(m.Inline[0]) != 2 {
			t.Fatalf("last message %+v; want the menu with its two buttons", m)
		}
		// The carried message is a message like any: its buttons work.
		if _, err := r.fake.Press(chat, "Next"); err != nil {
			t.Fatal(err)
		}
		if st, m := r.lastReply(t); st != http.StatusOK || m != "answerCallbackQuery" {
			t.Fatalf("the press was answered %d with %q; want answerCallbackQuery", st, m)
		}
		if m, _ := r.fake.Last(chat); m.Text != "Page 2" || m.Edits != 1 {
			t.Fatalf("last message %+v; want the carried message edited to page 2", m)
		}
	})

	t.Run("TwoReplies", func(t *testing.T) {
		const chat = 4202
		before := gate.count("sendMessage")
		r.fake.SendText(chat, "two")
		if st, m := r.lastReply(t); st != http.StatusOK || m != "sendMessage" {
			t.Fatalf("answered %d with %q; want 200 carrying the last reply", st, m)
		}
		if n := gate.count("sendMessage") - before; n != 1 {
			t.Fatalf("%d sendMessage calls; want 1, for the first reply", n)
		}
		if got := botTexts(r.fake.Chat(chat)); strings.Join(got, "|") != "First|Second" {
			t.Fatalf("the chat shows %q; want First then Second", got)
		}
	})

	t.Run("ContactKeyboard", func(t *testing.T) {
		const chat = 4203
		r.fake.SendText(chat, "phone")
		if st, m := r.lastReply(t); st != http.StatusOK || m != "sendMessage" {
			t.Fatalf("answered %d with %q; the contact key travels with the message", st, m)
		}
		m, _ := r.fake.Last(chat)
		if len(m.Keyboard) != 1 || len(m.Keyboard[0]) != 1 || m.Keyboard[0][0].Text != "Share my number" || !m.Keyboard[0][0].RequestContact {
			t.Fatalf("last message %+v; want the share-contact key", m)
		}
		// The answer to the contact removes the key and needs an inline
		// keyboard added by editing the message sent: by the API.
		sends, edits := gate.count("sendMessage"), gate.count("editMessageReplyMarkup")
		r.fake.ShareContact(chat, "+306912345678", chat)
		if st, m := r.lastReply(t); st != http.StatusOK || m != "" {
			t.Fatalf("answered %d with %q; want a plain 200: the reply needs its message's id", st, m)
		}
		if gate.count("sendMessage") != sends+1 || gate.count("editMessageReplyMarkup") != edits+1 {
			t.Fatalf("sendMessage %d→%d, editMessageReplyMarkup %d→%d; want one of each", sends, gate.count("sendMessage"), edits, gate.count("editMessageReplyMarkup"))
		}
		m, _ = r.fake.Last(chat)
		if m.Text != "Thanks" || !m.RemoveKeyboard || len(m.Inline) != 1 {
			t.Fatalf("last message %+v; want the thanks, the key removed, and its button", m)
		}
	})

	t.Run("EarlierReplyRefused", func(t *testing.T) {
		// A reply refused for good is dropped and the step goes on; the
		// last reply then goes by the API, as it always did.
		const chat = 4204
		gate.refuse("sendMessage", 1)
		before := gate.count("sendMessage")
		r.fake.SendText(chat, "two")
		if st, m := r.lastReply(t); st != http.StatusOK || m != "" {
			t.Fatalf("answered %d with %q; want a plain 200", st, m)
		}
		if n := gate.count("sendMessage") - before; n != 2 {
			t.Fatalf("%d sendMessage calls; want both replies by the API", n)
		}
		if got := botTexts(r.fake.Chat(chat)); strings.Join(got, "|") != "Second" {
			t.Fatalf("the chat shows %q; want only the second reply", got)
		}
	})

	t.Run("WireFormat", func(t *testing.T) {
		const chat = 4205
		rec := post(t, r.bot.WebhookHandler(), textUpdate(880001, chat, "hi"), httptest.NewRecorder())
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("answered %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		var body struct {
			Method      string `json:"method"`
			ChatID      int64  `json:"chat_id"`
			Text        string `json:"text"`
			ReplyMarkup struct {
				InlineKeyboard [][]struct {
					Text         string `json:"text"`
					CallbackData string `json:"callback_data"`
				} `json:"inline_keyboard"`
			} `json:"reply_markup"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		kb := body.ReplyMarkup.InlineKeyboard
		if body.Method != "sendMessage" || body.ChatID != chat || body.Text != "Menu: hi" || len(kb) != 1 || len(kb[0]) != 2 || kb[0][0].CallbackData != "next" {
			t.Fatalf("answer %s; want a sendMessage with the menu", rec.Body.String())
		}
		if m, err := r.fake.RunWebhookReply(context.Background(), rec.Body.Bytes()); err != nil || m != "sendMessage" {
			t.Fatalf("carried out %q: %v", m, err)
		}
		if m, _ := r.fake.Last(chat); m.Text != "Menu: hi" {
			t.Fatalf("last message %+v", m)
		}
	})
}

// TestWebhookCarriedReplyGoesThroughTheReplyHook: the throttle sees the
// carried message as a reply of the chat, so that the chat's next
// notification keeps its distance and a 429's pause holds it too.
func TestWebhookCarriedReplyGoesThroughTheReplyHook(t *testing.T) {
	var calls atomic.Int64
	hooks := Hooks{Reply: func(ctx context.Context, chatID int64, call func(context.Context) error) error {
		calls.Add(1)
		return call(ctx)
	}}
	r := startRig(t, &scripted{}, rigOptions{webhook: true, hooks: hooks})
	r.fake.SendText(4301, "two")
	if _, m := r.lastReply(t); m != "sendMessage" {
		t.Fatalf("answered with %q", m)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("the Reply hook ran %d times; want 2, the sent reply and the carried one", n)
	}
}

// settleGate holds Settle until released.
type settleGate struct {
	Deduper
	started chan int64
	release chan struct{}
}

func (g *settleGate) Settle(ctx context.Context, updateID int64) error {
	g.started <- updateID
	<-g.release
	return g.Deduper.Settle(ctx, updateID)
}

// TestWebhookAnswersBeforeTheMark: the answer leaves before the update is
// marked done, and the chat's next update (here a redelivery) waits for the
// mark, so that it finds the update done.
func TestWebhookAnswersBeforeTheMark(t *testing.T) {
	client, prefix := redisClient(t)
	g := &settleGate{Deduper: rstore.NewDeduper(client, prefix, 0), started: make(chan int64, 4), release: make(chan struct{})}
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, dedupe: g})
	const chat = 4401
	ctx := context.Background()

	sent := make(chan int64, 1)
	go func() { sent <- r.fake.SendText(chat, "hi") }()
	var id int64
	select {
	case id = <-sent:
	case <-time.After(5 * time.Second):
		close(g.release)
		t.Fatal("no answer while the mark waits: the answer waits for it")
	}
	select {
	case <-g.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the update was never marked done")
	}
	if st, m := r.lastReply(t); st != http.StatusOK || m != "sendMessage" {
		t.Fatalf("answered %d with %q", st, m)
	}
	if m, _ := r.fake.Last(chat); m.Text != "Menu: hi" {
		t.Fatalf("the citizen sees %+v before the mark; want the reply", m)
	}
	// Redelivered meanwhile: it waits in the chat's queue behind the mark.
	upd := textUpdate(id, chat, "hi")
	again := make(chan int, 1)
	go func() {
		st, err := r.fake.PostWebhook(ctx, &upd, testSecret)
		if err != nil {
			t.Error(err)
		}
		again <- st
	}()
	select {
	case st := <-again:
		t.Fatalf("the redelivery was answered %d before the first delivery's mark", st)
	case <-time.After(100 * time.Millisecond):
	}
	close(g.release)
	if st := <-again; st != http.StatusOK {
		t.Fatalf("the redelivery after the mark was answered %d; want 200, a duplicate", st)
	}
	if h.count() != 1 {
		t.Fatalf("handled %d times; want once", h.count())
	}
	// And after the handler returned, as well.
	r.fake.Deliver(upd)
	if st, m := r.lastReply(t); st != http.StatusOK || m != "" {
		t.Fatalf("redelivery answered %d with %q; want a plain 200, a duplicate", st, m)
	}
	if got := botTexts(r.fake.Chat(chat)); len(got) != 1 || h.count() != 1 {
		t.Fatalf("the chat shows %q after %d steps; want one reply of one step", got, h.count())
	}
}

// brokenWriter is a connection that broke before the answer: nothing
// written reaches Telegram.
type brokenWriter struct {
	header http.Header
	status int
}

func (w *brokenWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}
func (w *brokenWriter) WriteHeader(status int) { w.status = status }
func (w *brokenWriter) Write([]byte) (int, error) {
	return 0, errors.New("write tcp 127.0.0.1:8080->127.0.0.1:51000: write: broken pipe")
}

// TestWebhookUnwrittenAnswerParksTheCarriedReply: when the answer that
// carries the reply cannot be written, the reply is parked, and Telegram's
// redelivery (it got no 200) sends it by the API, without the step again.
func TestWebhookUnwrittenAnswerParksTheCarriedReply(t *testing.T) {
	gate := newAPIGate()
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true, api: gate.wrap})
	const chat, id = 4501, 990001
	upd := textUpdate(id, chat, "hi")
	w := post(t, r.bot.WebhookHandler(), upd, &brokenWriter{})
	if w.status != http.StatusOK {
		t.Fatalf("tried to answer %d; want the 200 that carries the reply", w.status)
	}
	if got := botTexts(r.fake.Chat(chat)); len(got) != 0 || gate.count("sendMessage") != 0 {
		t.Fatalf("the chat shows %q; the reply was only in the lost answer", got)
	}
	for i := range 2 {
		r.fake.Deliver(upd)
		if st, m := r.lastReply(t); st != http.StatusOK || m != "" {
			t.Fatalf("redelivery %d answered %d with %q; want 200, the parked reply by the API", i+1, st, m)
		}
	}
	if got := botTexts(r.fake.Chat(chat)); strings.Join(got, "|") != "Menu: hi" || gate.count("sendMessage") != 1 {
		t.Fatalf("the chat shows %q after %d sendMessage calls; want the reply once", got, gate.count("sendMessage"))
	}
	if h.count() != 1 {
		t.Fatalf("the step ran %d times; want once", h.count())
	}
}

// TestWebhookUnwrittenCallbackAnswerSettles: a lost answer that carried only
// the callback answer leaves the step done; the redelivery is a duplicate
// and answers the query again.
func TestWebhookUnwrittenCallbackAnswerSettles(t *testing.T) {
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true})
	const chat = 4502
	r.fake.SendText(chat, "hi")
	m, _ := r.fake.Last(chat)
	press, err := r.fake.PressUpdate(chat, m.ID, "next")
	if err != nil {
		t.Fatal(err)
	}
	post(t, r.bot.WebhookHandler(), press, &brokenWriter{})
	if m, _ := r.fake.Last(chat); m.Text != "Page 2" {
		t.Fatalf("last message %+v; want the edit, sent before the answer", m)
	}
	r.fake.Deliver(press)
	if st, m := r.lastReply(t); st != http.StatusOK || m != "answerCallbackQuery" {
		t.Fatalf("redelivery answered %d with %q; want the query answered", st, m)
	}
	if h.count() != 2 {
		t.Fatalf("handled %d updates; want 2 (the press once)", h.count())
	}
}

// post serves one webhook delivery of u to w, with the right secret.
func post[W http.ResponseWriter](t *testing.T, hd http.Handler, u models.Update, w W) W {
	t.Helper()
	body, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	req.Header.Set(SecretHeader, testSecret)
	hd.ServeHTTP(w, req)
	return w
}

// TestWebhookRedeliveryWaitsForAnotherReplicasMark: another replica
// answered the update and is about to mark it done; a redelivery here
// meanwhile waits a moment for the mark and is a duplicate, not a 503.
func TestWebhookRedeliveryWaitsForAnotherReplicasMark(t *testing.T) {
	h := &scripted{}
	r := startRig(t, h, rigOptions{webhook: true})
	ctx := context.Background()
	const chat, id = 4601, 770001
	if first, _, err := r.dedupe.Seen(ctx, id); err != nil || !first {
		t.Fatalf("Seen = %v, %v", first, err)
	}
	settled := make(chan error, 1)
	go func() {
		time.Sleep(10 * time.Millisecond)
		settled <- r.dedupe.Settle(ctx, id)
	}()
	upd := textUpdate(id, chat, "hi")
	if st, err := r.fake.PostWebhook(ctx, &upd, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("redelivery while the other replica marks it: %d, %v; want 200, a duplicate", st, err)
	}
	if err := <-settled; err != nil {
		t.Fatal(err)
	}
	if h.count() != 0 || len(botTexts(r.fake.Chat(chat))) != 0 {
		t.Fatalf("handled %d times; the other replica did the step", h.count())
	}
}
