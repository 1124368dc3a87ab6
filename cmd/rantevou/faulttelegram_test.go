package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/locales"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/telegramfake"
)

// apiFault is one way the Bot API misbehaves for a method: it answers
// status (with retry_after for a 429), or, with hang, holds the request that
// long and then drops the connection without an answer. With hold the
// request is held until the client goes away (a process killed while it
// waits) and never reaches the fake; with holdAnswer it reaches the fake
// (the message is delivered) but its answer is held the same way. Holds end
// after maxHold whatever happens. A fault hits the next times calls of the
// method for chat (0: any chat), then it is spent; untilCleared, every call
// until ClearChat.
type apiFault struct {
	status     int
	retryAfter int
	hang       time.Duration
	hold       bool
	holdAnswer bool
	chat       int64
	times      int
}

// anyReply and anySend name faults that hit whichever call carries a
// message: anyReply a conversation's reply (an edit of the tapped message
// or a new message), anySend a new message with or without a file, as
// notifications go.
const (
	anyReply = "reply"
	anySend  = "send"
)

// pseudoMethods returns the fault names besides its own that method meets.
func pseudoMethods(method string) []string {
	switch method {
	case "editmessagetext":
		return []string{anyReply}
	case "sendmessage":
		return []string{anyReply, anySend}
	case "senddocument":
		return []string{anySend}
	}
	return nil
}

// maxHold bounds a held Bot API call.
const maxHold = 30 * time.Second

// faultyBotAPI is the fake Telegram Bot API behind a front that misbehaves
// on request, as Telegram does under load or in an outage: 429s, 5xx, calls
// that hang. What it lets through reaches the fake unchanged.
type faultyBotAPI struct {
	fake *telegramfake.Server
	srv  *httptest.Server

	mu      sync.Mutex
	faults  map[string][]*apiFault // by lower-case method
	hit     map[string]int         // faults served, by method
	hitChat map[hitKey]int         // and by method and chat
}

type hitKey struct {
	method string
	chat   int64
}

// chatIDField finds the chat of a call in a multipart form (go-telegram/bot)
// or a JSON body (the bot's conversation replies).
var chatIDField = regexp.MustCompile(`name="chat_id"\r\n\r\n(-?[0-9]+)\r\n|"chat_id":(-?[0-9]+)`)

func newFaultyBotAPI(t *testing.T, token string) *faultyBotAPI {
	t.Helper()
	a := &faultyBotAPI{fake: telegramfake.New(token), faults: map[string][]*apiFault{}, hit: map[string]int{}, hitChat: map[hitKey]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		a.fake.Close()
		a.srv.CloseClientConnections()
		a.srv.Close()
	})
	return a
}

// URL is the value for TELEGRAM_API_URL.
func (a *faultyBotAPI) URL() string { return a.srv.URL }

// Fail queues a fault for method.
func (a *faultyBotAPI) Fail(method string, f apiFault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := strings.ToLower(method)
	a.faults[m] = append(a.faults[m], &f)
}

// Hits returns how many calls of method met a fault.
func (a *faultyBotAPI) Hits(method string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hit[strings.ToLower(method)]
}

// untilCleared makes a fault hit every call until ClearChat or Clear.
const untilCleared = 1 << 30

// ClearChat drops the faults queued for chat.
func (a *faultyBotAPI) ClearChat(chat int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for m, fs := range a.faults {
		kept := fs[:0]
		for _, f := range fs {
			if f.chat != chat {
				kept = append(kept, f)
			}
		}
		a.faults[m] = kept
	}
}

// Clear drops every fault not yet served.
func (a *faultyBotAPI) Clear() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = map[string][]*apiFault{}
}

// HitsFor returns how many calls of method for chat met a fault.
func (a *faultyBotAPI) HitsFor(method string, chat int64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hitChat[hitKey{strings.ToLower(method), chat}]
}

// Spent reports whether every queued fault has been served.
func (a *faultyBotAPI) Spent() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, fs := range a.faults {
		if len(fs) > 0 {
			return false
		}
	}
	return true
}

func (a *faultyBotAPI) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.ToLower(path.Base(r.URL.Path))
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var chat int64
	if m := chatIDField.FindSubmatch(body); m != nil {
		chat, _ = strconv.ParseInt(string(m[1])+string(m[2]), 10, 64)
	}
	a.mu.Lock()
	var f *apiFault
	for _, key := range append([]string{method}, pseudoMethods(method)...) {
		for i, c := range a.faults[key] {
			if c.chat == 0 || c.chat == chat {
				f = c
				if c.times--; c.times <= 0 {
					a.faults[key] = append(a.faults[key][:i:i], a.faults[key][i+1:]...)
				}
				a.hit[key]++
				a.hitChat[hitKey{key, chat}]++
				break
			}
		}
		if f != nil {
			break
		}
	}
	a.mu.Unlock()
	switch {
	case f == nil:
		a.fake.ServeHTTP(w, r)
	case f.hold:
		select {
		case <-r.Context().Done():
		case <-time.After(maxHold):
			http.Error(w, `{"ok":false,"error_code":504,"description":"held too long"}`, http.StatusGatewayTimeout)
		}
	case f.holdAnswer:
		rec := httptest.NewRecorder()
		a.fake.ServeHTTP(rec, r)
		select {
		case <-r.Context().Done():
		case <-time.After(maxHold):
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		}
	case f.hang > 0:
		select {
		case <-time.After(f.hang):
		case <-r.Context().Done():
		}
		// No answer at all: the connection just goes.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case f.status == http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after %d","parameters":{"retry_after":%d}}`, f.retryAfter, f.retryAfter)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":"%s"}`, f.status, http.StatusText(f.status))
	}
}

// walkToConfirm takes the citizen, in Greek, from /start to the confirm
// screen of a birth certificate at the Civil Registry on Thursday 4 December
// 2025 (rosterMorning is the Tuesday before) at the time labelled at.
func walkToConfirm(c *citizen, at, phone, name string) {
	c.t.Helper()
	c.tg.SetLanguage(c.chat, "el")
	c.say("/start")
	for _, label := range []string{"📅 Κλείσιμο ραντεβού", "🏛 Δημοτολόγιο", "📄 Πιστοποιητικό γέννησης", "📅 Πέμπτη 4 Δεκεμβρίου", at} {
		c.tap(label)
	}
	c.wantScreen(dialog.ScreenPhone)
	c.share(phone)
	c.say(name)
	c.wantScreen(dialog.ScreenConfirm)
}

// greek returns the start of message id in Greek, up to its first line
// break or placeholder: what a test looks for in a reply, so that a change
// of wording in the locale files does not break it.
func greek(id string) string {
	s := locales.For(booking.Greek).T(id, nil)
	if i := strings.Index(s, "<no value>"); i >= 0 {
		s = s[:i]
	}
	s, _, _ = strings.Cut(s, "\n")
	if s = strings.TrimSpace(s); s == "" {
		panic("locale message " + id + " starts with a placeholder: nothing to look for")
	}
	return s
}

// Labels and texts the fault tests look for.
var (
	btnConfirm  = greek("BtnConfirm")
	btnNextWeek = greek("BtnNextWeek")
	sayInternal = greek("Internal")
	sayExpired  = greek("Expired")
	sayStale    = greek("StaleButton")
	sayBooked   = greek("Booked")
)

// countBooked counts the bot messages of the chat that show the booked
// screen: a new message or the edit of one, each counted once.
func countBooked(c *citizen) int {
	n := 0
	for _, m := range c.tg.Chat(c.chat) {
		if m.FromBot && !m.Deleted && strings.Contains(m.Text, sayBooked) {
			n++
		}
	}
	return n
}

// TestFaultBotAPI runs the real program in webhook mode against a Bot API
// that misbehaves at the confirm, the step that books, and checks what
// the README promises: a reply that could not be sent makes the webhook
// answer 503, Telegram's redelivery sends it without running the step
// again (one booking, the booked screen once), the tap's spinner is always
// answered, and a short 429 is waited out inside the step. A Bot API call
// that hangs holds up only its own chat.
func TestFaultBotAPI(t *testing.T) {
	ctx := context.Background()
	api := newFaultyBotAPI(t, replicaToken)
	tg := api.fake
	pool := pgtest.New(t)
	client, prefix := redistest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redistest.URL(), api.URL(), "")
	m := startReplicas(t, 1, cfg, prefix, rosterMorning)[0]
	tg.SetWebhookTargets(webhookTargets([]*running{m})...)
	waitWebhook(t, tg)
	sessions := redis.NewSessions(client, prefix, 0)
	var citizens []*citizen
	faults := 0

	// confirmThrough delivers the confirm tap, expects the first delivery
	// to be answered first, ends the chat's faults, redelivers the tap while
	// it is not 200 (as Telegram does), and checks the outcome: booked once,
	// shown once, spinner answered. It returns how long the first delivery
	// took.
	confirmThrough := func(t *testing.T, c *citizen, first int) time.Duration {
		t.Helper()
		u := c.pressUpdate(btnConfirm)
		start := time.Now()
		tg.Deliver(u)
		took := time.Since(start)
		if st, _ := lastDelivery(t, c, u.ID); st != first {
			t.Fatalf("the confirm's delivery was answered %d after %s; want %d\nchat:\n%s", st, took.Round(time.Millisecond), first, c.transcript())
		}
		if _, answered := tg.CallbackAnswer(u.ID); !answered {
			t.Fatalf("the confirm's spinner was not answered")
		}
		if first != http.StatusOK {
			c.wantScreen(dialog.ScreenDone) // the step ran; only its reply is owed
			if n := countBooked(c); n != 0 {
				t.Fatalf("the booked screen shows %d times before the redelivery", n)
			}
		}
		api.ClearChat(c.chat)
		for i := 0; ; i++ {
			st, _ := lastDelivery(t, c, u.ID)
			if st == http.StatusOK {
				break
			}
			if i == 3 {
				t.Fatalf("the confirm still answered %d after %d redeliveries", st, i)
			}
			tg.Deliver(u)
		}
		c.wantScreen(dialog.ScreenDone)
		if n := countBooked(c); n != 1 {
			t.Fatalf("the booked screen shows %d times; want once\nchat:\n%s", n, c.transcript())
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1)`, c.chat).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d bookings (%v); want one", n, err)
		}
		return took
	}

	t.Run("ServerErrorThenRedelivered", func(t *testing.T) {
		c := &citizen{t: t, tg: tg, sessions: sessions, chat: 7301}
		citizens = append(citizens, c)
		walkToConfirm(c, "10:00", "306911111111", "Άννα Δημητρίου")
		api.Fail(anyReply, apiFault{status: http.StatusBadGateway, chat: c.chat, times: untilCleared})
		confirmThrough(t, c, http.StatusServiceUnavailable)
		faults += api.Hits(anyReply)
	})

	t.Run("TooManyRequestsWaitedOut", func(t *testing.T) {
		c := &citizen{t: t, tg: tg, sessions: sessions, chat: 7302}
		citizens = append(citizens, c)
		walkToConfirm(c, "10:15", "306922222222", "Γιώργος Νικολάου")
		before := api.Hits(anyReply)
		api.Fail(anyReply, apiFault{status: http.StatusTooManyRequests, retryAfter: 1, chat: c.chat, times: 2})
		took := confirmThrough(t, c, http.StatusOK)
		if took < time.Second {
			t.Fatalf("the reply went out after %s: the 429's retry_after was not waited out", took)
		}
		faults += api.Hits(anyReply) - before
		t.Logf("two 429s (retry_after 1 s) waited out inside the step: answered after %s", took.Round(time.Millisecond))
	})

	t.Run("TooManyRequestsBeyondTheRetries", func(t *testing.T) {
		c := &citizen{t: t, tg: tg, sessions: sessions, chat: 7303}
		citizens = append(citizens, c)
		walkToConfirm(c, "10:30", "306933333333", "Ελένη Παππά")
		before := api.Hits(anyReply)
		api.Fail(anyReply, apiFault{status: http.StatusTooManyRequests, retryAfter: 1, chat: c.chat, times: untilCleared})
		took := confirmThrough(t, c, http.StatusServiceUnavailable)
		faults += api.Hits(anyReply) - before
		t.Logf("429s on every call: the delivery gave up after %s with 503 (%d calls refused), the redelivery sent the reply", took.Round(time.Millisecond), api.Hits(anyReply)-before)
	})

	t.Run("HangingCallHoldsOnlyItsChat", func(t *testing.T) {
		slow := &citizen{t: t, tg: tg, sessions: sessions, chat: 7304}
		other := &citizen{t: t, tg: tg, sessions: sessions, chat: 7305}
		citizens = append(citizens, slow, other)
		walkToConfirm(slow, "10:45", "306944444444", "Κώστας Ιωάννου")
		walkToConfirm(other, "11:00", "306955555555", "Σοφία Αλεξίου")
		const hang = 4 * time.Second
		before := api.Hits(anyReply)
		api.Fail(anyReply, apiFault{hang: hang, chat: slow.chat, times: 1})
		u := slow.pressUpdate(btnConfirm)
		done := make(chan time.Duration, 1)
		go func() {
			start := time.Now()
			tg.Deliver(u)
			done <- time.Since(start)
		}()
		for deadline := time.Now().Add(5 * time.Second); api.Hits(anyReply) == before; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the slow chat's reply never reached the Bot API")
			}
		}
		// While the slow chat's reply hangs, another citizen confirms.
		took := confirmThrough(t, other, http.StatusOK)
		if took > 2*time.Second {
			t.Errorf("another chat's confirm took %s while one chat's Bot API call hung", took)
		}
		slowTook := <-done
		st, _ := lastDelivery(t, slow, u.ID)
		if st != http.StatusServiceUnavailable {
			t.Fatalf("the confirm whose reply hung and was dropped was answered %d after %s; want 503", st, slowTook)
		}
		if _, answered := tg.CallbackAnswer(u.ID); !answered {
			t.Fatalf("the slow chat's spinner was not answered")
		}
		faults += api.Hits(anyReply) - before
		t.Logf("a Bot API call hanging %s then dropped: its delivery answered %d after %s; another chat's confirm took %s meanwhile",
			hang, st, slowTook.Round(time.Millisecond), took.Round(time.Millisecond))
		// Telegram redelivers the slow chat's confirm until it is 200.
		for i := 0; st != http.StatusOK; i++ {
			if i == 3 {
				t.Fatalf("the slow chat's confirm still answered %d after %d redeliveries\nchat:\n%s", st, i, slow.transcript())
			}
			tg.Deliver(u)
			st, _ = lastDelivery(t, slow, u.ID)
		}
		slow.wantScreen(dialog.ScreenDone)
		if n := countBooked(slow); n != 1 {
			t.Fatalf("the slow chat shows the booked screen %d times; want once\nchat:\n%s", n, slow.transcript())
		}
	})

	if t.Failed() {
		return
	}
	want := map[int64]int{}
	for _, c := range citizens {
		want[c.chat] = 1
	}
	wantWholeBookings(t, pool, want)
	rows := waitOutboxDone(t, pool, 1, 15*time.Second)
	wantNotifiedOnce(t, rows, citizens...)
	if u := tg.Unanswered(); len(u) != 0 {
		t.Errorf("unanswered callback queries: %v", u)
	}
	if !api.Spent() {
		t.Errorf("not every fault was served: the test did not exercise what it says")
	}
	t.Logf("%d Bot API faults served; %d citizens booked once each", faults, len(citizens))
}
