package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SecretHeader carries a webhook's secret_token on every delivery.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Button is one inline button as the citizen sees it.
type Button struct {
	Text string `json:"text"`
	Data string `json:"callback_data"`
}

// The Bot API methods the fake serves, counted by index.
const (
	mGetMe = iota
	mSetWebhook
	mDeleteWebhook
	mSetMyCommands
	mSendMessage
	mEditMessageText
	mEditMessageReplyMarkup
	mSendDocument
	mAnswerCallbackQuery
	mDeleteMessage
	mSendLocation
	mUnknown
	numMethods
)

var methodNames = [numMethods]string{"getMe", "setWebhook", "deleteWebhook", "setMyCommands", "sendMessage",
	"editMessageText", "editMessageReplyMarkup", "sendDocument", "answerCallbackQuery", "deleteMessage",
	"sendLocation", "unknown"}

var methodIndex = func() map[string]int {
	m := make(map[string]int, numMethods)
	for i, n := range methodNames[:mUnknown] {
		m[strings.ToLower(n)] = i
	}
	return m
}()

// Errors the fake answers with, counted by kind.
const (
	eNotModified = iota
	eEditNotFound
	eBadRequest
	eUnknownMethod
	eBadQuery
	numAPIErrors
)

var apiErrorNames = [numAPIErrors]string{"400 message is not modified", "400 message to edit not found",
	"400 bad request", "404 unknown method", "400 callback query invalid"}

// Webhook answers, counted by kind.
const (
	wOK = iota
	w429
	w4xx
	w5xx
	wOther
	wTransport
	numWebhook
)

var webhookNames = [numWebhook]string{"200", "429", "4xx", "5xx", "other", "transport error"}

// FakeAPI is a lean fake of the Telegram Bot API for load: it keeps, per
// chat, only what a simulated citizen acts on (the newest message with
// session buttons, whether the contact key is shown, a few recent texts,
// callback answers) in sharded maps, and counts every call. Package
// telegramfake keeps whole histories under one mutex, which is right for
// tests and too slow for thousands of steps a second.
type FakeAPI struct {
	bots   map[string]*FakeBot
	srv    *http.Server
	ln     net.Listener
	url    string
	client *http.Client
	// unauthorized counts requests with a token of no bot.
	unauthorized atomic.Int64
}

// NewFakeAPI returns a fake serving the given bots, not yet started.
func NewFakeAPI(bots ...*FakeBot) *FakeAPI {
	f := &FakeAPI{bots: map[string]*FakeBot{}}
	for _, b := range bots {
		f.bots[b.token] = b
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// One connection per simulated citizen in flight, kept open as
	// Telegram's own delivery does.
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 4096
	tr.DisableCompression = true
	f.client = &http.Client{Transport: tr}
	for _, b := range bots {
		b.client = f.client
	}
	return f
}

// Start listens on a free loopback port and returns the base URL to give the
// bots as TELEGRAM_API_URL.
func (f *FakeAPI) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest: fake bot api: %w", err)
	}
	f.ln = ln
	f.url = "http://" + ln.Addr().String()
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go f.srv.Serve(ln)
	return f.url, nil
}

// Close stops serving and drops idle connections.
func (f *FakeAPI) Close() {
	if f.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx)
	}
	f.client.CloseIdleConnections()
}

// ServeHTTP serves /bot<token>/<method>.
func (f *FakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	b := f.bots[token]
	if !ok || !ok2 || b == nil {
		io.Copy(io.Discard, r.Body)
		f.unauthorized.Add(1)
		writeAPIError(w, &apiError{code: http.StatusUnauthorized, description: "Unauthorized"})
		return
	}
	p, err := parseParams(r)
	if err != nil {
		b.apiErrors[eBadRequest].Add(1)
		writeAPIError(w, &apiError{code: http.StatusBadRequest, description: "Bad Request: " + err.Error()})
		return
	}
	res, apiErr := b.call(method, p, false)
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	buf := make([]byte, 0, len(res)+24)
	buf = append(buf, `{"ok":true,"result":`...)
	buf = append(buf, res...)
	buf = append(buf, '}')
	w.Write(buf)
}

type apiError struct {
	code        int
	description string
	kind        int
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(map[string]any{"ok": false, "error_code": e.code, "description": e.description})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	w.Write(body)
}

func badRequest(kind int, description string) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + description, kind: kind}
}

// FakeBot is one bot token's side of the fake: its chats, its webhook and
// its counters. The real bot and the floor bot get one each, so that each
// phase counts only its own bot's calls.
type FakeBot struct {
	token  string
	id     int64
	secret string // sent with every delivery
	client *http.Client

	mu      sync.Mutex
	hookURL string
	targets []string
	next    atomic.Uint64
	conns   chan struct{} // deliveries in flight, when limited (SetMaxConnections)

	updateID atomic.Int64
	shards   [64]chatShard

	calls     [numMethods]atomic.Int64
	inReply   [numMethods]atomic.Int64
	apiErrors [numAPIErrors]atomic.Int64
	webhook   [numWebhook]atomic.Int64
}

type chatShard struct {
	mu    sync.Mutex
	chats map[int64]*chat
}

// NewFakeBot returns the fake's side of the bot with token; every delivery
// carries secret.
func NewFakeBot(token, secret string) *FakeBot {
	id, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	b := &FakeBot{token: token, id: id, secret: secret}
	for i := range b.shards {
		b.shards[i].chats = map[int64]*chat{}
	}
	return b
}

// SetTargets makes deliveries go to urls in turn, as a load balancer in
// front of the replicas would; without targets they go to the URL the bot
// registered with setWebhook.
func (b *FakeBot) SetTargets(urls ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.targets = append([]string(nil), urls...)
}

// SetMaxConnections makes at most n deliveries be in flight at once, as
// Telegram holds at most setWebhook's max_connections (1 to 100, 40 by
// default) connections to a bot's webhook and keeps the other updates
// until one is answered; n 0 lifts the limit. A delivery's time then
// includes its wait for a connection, as a citizen's tap waits at
// Telegram. Call it before the first delivery.
func (b *FakeBot) SetMaxConnections(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.conns = nil
	if n > 0 {
		b.conns = make(chan struct{}, n)
	}
}

// Webhook returns the URL the bot registered with setWebhook.
func (b *FakeBot) Webhook() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hookURL
}

// NextUpdateID returns a fresh update_id.
func (b *FakeBot) NextUpdateID() int64 { return b.updateID.Add(1) }

func (b *FakeBot) chat(id int64) *chat {
	s := &b.shards[uint64(id)%uint64(len(b.shards))]
	s.mu.Lock()
	c := s.chats[id]
	if c == nil {
		c = &chat{}
		s.chats[id] = c
	}
	s.mu.Unlock()
	return c
}

// chat is what the fake keeps of one private chat.
type chat struct {
	mu        sync.Mutex
	nextID    int
	recent    [recentMessages]botMessage
	nrecent   int
	kbID      int    // newest message with session buttons, 0 if none
	kbRev     uint64 // bumped whenever that message or its keyboard changes
	contactKB bool
	texts     [recentTexts]string
	ntexts    int

	callbacksSent, callbacksAnswered int
	answeredTwice                    int
	answered                         [4]string
	toast                            string
	edits                            int64 // edits of a message: only a conversation step makes them
	messages, documents              int64
}

const (
	recentMessages = 8
	recentTexts    = 6
)

type botMessage struct {
	id      int
	text    string
	markup  markup // its Inline never changed in place: views share it
	session bool   // has buttons of the conversation (not global ones)
}

// View is what a citizen sees of the chat at one moment.
type View struct {
	KeyboardID      int        // message with the newest session keyboard, 0 if none
	Text            string     // its text
	Buttons         [][]Button // its buttons; shared, do not modify
	Rev             uint64     // changes whenever the keyboard message changes
	ContactKeyboard bool       // the share-contact key is shown

	CallbacksSent, CallbacksAnswered int
	AnsweredTwice                    int
	Toast                            string // text of the last callback answer
	Edits                            int64  // messages edited so far
	Messages, Documents              int64  // messages (documents among them) sent so far
}

// View returns the chat as the citizen sees it now.
func (b *FakeBot) View(chatID int64) View {
	c := b.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	v := View{Rev: c.kbRev, ContactKeyboard: c.contactKB, CallbacksSent: c.callbacksSent,
		CallbacksAnswered: c.callbacksAnswered, AnsweredTwice: c.answeredTwice, Toast: c.toast,
		Edits: c.edits, Messages: c.messages, Documents: c.documents}
	if m := c.find(c.kbID); m != nil {
		v.KeyboardID, v.Text, v.Buttons = m.id, m.text, m.markup.Inline
	}
	return v
}

// Texts returns the newest texts the bot sent to the chat, oldest first.
func (b *FakeBot) Texts(chatID int64) []string {
	c := b.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for i := max(0, c.ntexts-recentTexts); i < c.ntexts; i++ {
		out = append(out, c.texts[i%recentTexts])
	}
	return out
}

// UserMessageID gives a message the citizen sends its ID in the chat.
func (b *FakeBot) UserMessageID(chatID int64) int {
	c := b.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	return c.nextID
}

// NoteCallback records that a new callback query was sent for the chat;
// the bot is expected to answer it.
func (b *FakeBot) NoteCallback(chatID int64) {
	c := b.chat(chatID)
	c.mu.Lock()
	c.callbacksSent++
	c.mu.Unlock()
}

// CallbackID returns the callback_query id of a press in chat by update.
func CallbackID(chatID, updateID int64) string {
	return strconv.FormatInt(chatID, 10) + "_" + strconv.FormatInt(updateID, 10)
}

func (c *chat) find(id int) *botMessage {
	if id == 0 {
		return nil
	}
	for i := range c.recent {
		if c.recent[i].id == id {
			return &c.recent[i]
		}
	}
	return nil
}

// rekey finds the newest message with session buttons after a change, and
// bumps the revision when the citizen's keyboard changed (changed: the
// keyboard message itself was edited).
func (c *chat) rekey(changed bool) {
	best := 0
	for i := range c.recent {
		if m := &c.recent[i]; m.id > best && m.session {
			best = m.id
		}
	}
	if best != c.kbID || changed {
		c.kbID = best
		c.kbRev++
	}
}

func (c *chat) add(m botMessage) {
	c.recent[c.nrecent%recentMessages] = m
	c.nrecent++
	if m.text != "" {
		c.texts[c.ntexts%recentTexts] = m.text
		c.ntexts++
	}
	c.messages++
	c.rekey(false)
}

func sessionButtons(rows [][]Button) bool {
	for _, r := range rows {
		for _, b := range r {
			// Buttons of notifications ("g|…") work outside the
			// conversation; the citizen follows the conversation's.
			if b.Data != "" && !strings.HasPrefix(b.Data, "g|") {
				return true
			}
		}
	}
	return false
}

// call runs one Bot API method; inReply says it came in a webhook's answer.
func (b *FakeBot) call(method string, p params, inReply bool) ([]byte, *apiError) {
	i, ok := methodIndex[strings.ToLower(method)]
	if !ok {
		b.calls[mUnknown].Add(1)
		b.apiErrors[eUnknownMethod].Add(1)
		return nil, &apiError{code: http.StatusNotFound, description: "Not Found"}
	}
	b.calls[i].Add(1)
	if inReply {
		b.inReply[i].Add(1)
	}
	res, err := b.run(i, p)
	if err != nil {
		b.apiErrors[err.kind].Add(1)
	}
	return res, err
}

func (b *FakeBot) run(method int, p params) ([]byte, *apiError) {
	switch method {
	case mGetMe:
		return fmt.Appendf(nil, `{"id":%d,"is_bot":true,"first_name":"Load test","username":"loadtest_bot","can_join_groups":false}`, b.id), nil
	case mSetWebhook:
		b.mu.Lock()
		b.hookURL = string(p.URL)
		b.mu.Unlock()
		return []byte("true"), nil
	case mDeleteWebhook:
		b.mu.Lock()
		b.hookURL = ""
		b.mu.Unlock()
		return []byte("true"), nil
	case mSetMyCommands:
		return []byte("true"), nil
	case mAnswerCallbackQuery:
		return b.answerCallback(p)
	}
	chatID, ok := p.ChatID.int64()
	if !ok || chatID == 0 {
		return nil, badRequest(eBadRequest, "chat not found")
	}
	mk, err := p.markup()
	if err != nil {
		return nil, badRequest(eBadRequest, "can't parse reply keyboard markup JSON object")
	}
	c := b.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch method {
	case mSendMessage, mSendDocument, mSendLocation:
		text := string(p.Text)
		if method == mSendDocument {
			text = string(p.Caption)
			if p.Document == "" {
				return nil, badRequest(eBadRequest, "there is no document in the request")
			}
			c.documents++
		}
		if method == mSendMessage && strings.TrimSpace(text) == "" {
			return nil, badRequest(eBadRequest, "message text is empty")
		}
		c.nextID++
		c.add(botMessage{id: c.nextID, text: text, markup: mk, session: sessionButtons(mk.Inline)})
		if mk.Contact {
			c.contactKB = true
		}
		if mk.Remove {
			c.contactKB = false
		}
		return messageJSON(c.nextID, chatID), nil
	case mEditMessageText, mEditMessageReplyMarkup:
		id, _ := p.MessageID.int64()
		if id <= 0 || int(id) > c.nextID {
			return nil, badRequest(eEditNotFound, "message to edit not found")
		}
		c.edits++
		m := c.find(int(id))
		if m == nil {
			// Older than what the fake keeps: Telegram would edit it, and
			// the citizen no longer looks at it.
			return messageJSON(int(id), chatID), nil
		}
		text := m.text
		if method == mEditMessageText {
			text = string(p.Text)
			if strings.TrimSpace(text) == "" {
				return nil, badRequest(eBadRequest, "message text is empty")
			}
		}
		if text == m.text && mk.equal(m.markup) {
			return nil, badRequest(eNotModified, "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		m.text, m.markup, m.session = text, mk, sessionButtons(mk.Inline)
		c.rekey(m.id == c.kbID)
		return messageJSON(m.id, chatID), nil
	case mDeleteMessage:
		id, _ := p.MessageID.int64()
		if m := c.find(int(id)); m != nil {
			wasKB := m.id == c.kbID
			*m = botMessage{}
			c.rekey(wasKB)
		}
		return []byte("true"), nil
	}
	return nil, &apiError{code: http.StatusNotFound, description: "Not Found", kind: eUnknownMethod}
}

func (b *FakeBot) answerCallback(p params) ([]byte, *apiError) {
	id := string(p.CallbackQueryID)
	chatPart, _, ok := strings.Cut(id, "_")
	chatID, err := strconv.ParseInt(chatPart, 10, 64)
	if !ok || err != nil {
		return nil, badRequest(eBadQuery, "query is too old and response timeout expired or query ID is invalid")
	}
	c := b.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.answered {
		if a == id {
			c.answeredTwice++
			return nil, badRequest(eBadQuery, "query is too old and response timeout expired or query ID is invalid")
		}
	}
	copy(c.answered[1:], c.answered[:])
	c.answered[0] = id
	c.callbacksAnswered++
	c.toast = string(p.Text)
	return []byte("true"), nil
}

func messageJSON(id int, chatID int64) []byte {
	return fmt.Appendf(nil, `{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"}}`, id, time.Now().Unix(), chatID)
}

// Delivery is the outcome of one webhook POST.
type Delivery struct {
	Status      int    // HTTP status the bot answered; 0 when the request failed
	Err         error  // transport error or timeout
	ReplyMethod string // the Bot API method carried in the answer, if any
}

// Deliver POSTs one update (its JSON) to the next replica, as Telegram's
// webhook delivery does, and carries out a Bot API call found in a 200
// answer exactly as if the bot had made it.
func (b *FakeBot) Deliver(ctx context.Context, update []byte) Delivery {
	b.mu.Lock()
	target := b.hookURL
	if len(b.targets) > 0 {
		target = b.targets[b.next.Add(1)%uint64(len(b.targets))]
	}
	conns := b.conns
	b.mu.Unlock()
	if target == "" {
		b.webhook[wTransport].Add(1)
		return Delivery{Err: errors.New("no webhook registered")}
	}
	if conns != nil {
		select {
		case conns <- struct{}{}:
			defer func() { <-conns }()
		case <-ctx.Done():
			b.webhook[wTransport].Add(1)
			return Delivery{Err: ctx.Err()}
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(update))
	if err != nil {
		b.webhook[wTransport].Add(1)
		return Delivery{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SecretHeader, b.secret)
	resp, err := b.client.Do(req)
	if err != nil {
		b.webhook[wTransport].Add(1)
		return Delivery{Err: err}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxParamBytes))
	resp.Body.Close()
	d := Delivery{Status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusOK:
		b.webhook[wOK].Add(1)
	case resp.StatusCode == http.StatusTooManyRequests:
		b.webhook[w429].Add(1)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		b.webhook[w4xx].Add(1)
	case resp.StatusCode >= 500:
		b.webhook[w5xx].Add(1)
	default:
		b.webhook[wOther].Add(1)
	}
	if err != nil {
		d.Err = err
		return d
	}
	if resp.StatusCode == http.StatusOK {
		d.ReplyMethod = b.runReply(body)
	}
	return d
}

// runReply carries out the call in a webhook's 200 answer; an empty or
// non-JSON answer is no call. Its result goes nowhere, as with Telegram.
func (b *FakeBot) runReply(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return ""
	}
	var p params
	if err := p.readJSON(body); err != nil || p.Method == "" {
		return ""
	}
	method := string(p.Method)
	b.call(method, p, true)
	return method
}

// Counters is a snapshot of a bot's counters.
type Counters struct {
	Calls     map[string]int64 `json:"calls"`
	InReply   map[string]int64 `json:"in_webhook_reply,omitempty"`
	APIErrors map[string]int64 `json:"api_errors,omitempty"`
	Webhook   map[string]int64 `json:"webhook_answers"`
}

// Counters returns the bot's counters now.
func (b *FakeBot) Counters() Counters {
	c := Counters{Calls: map[string]int64{}, InReply: map[string]int64{}, APIErrors: map[string]int64{}, Webhook: map[string]int64{}}
	for i := range numMethods {
		if n := b.calls[i].Load(); n > 0 {
			c.Calls[methodNames[i]] = n
		}
		if n := b.inReply[i].Load(); n > 0 {
			c.InReply[methodNames[i]] = n
		}
	}
	for i := range numAPIErrors {
		if n := b.apiErrors[i].Load(); n > 0 {
			c.APIErrors[apiErrorNames[i]] = n
		}
	}
	for i := range numWebhook {
		if n := b.webhook[i].Load(); n > 0 {
			c.Webhook[webhookNames[i]] = n
		}
	}
	return c
}

// Sub returns c minus an earlier snapshot.
func (c Counters) Sub(earlier Counters) Counters { return c.plus(earlier, -1) }

// Add returns c plus more: a crowd's counters over its turns.
func (c Counters) Add(more Counters) Counters { return c.plus(more, 1) }

// plus returns c with sign × o added to it, counters at zero left out.
func (c Counters) plus(o Counters, sign int64) Counters {
	add := func(a, b map[string]int64) map[string]int64 {
		out := make(map[string]int64, len(a))
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			if out[k] += sign * v; out[k] == 0 {
				delete(out, k)
			}
		}
		return out
	}
	return Counters{Calls: add(c.Calls, o.Calls), InReply: add(c.InReply, o.InReply),
		APIErrors: add(c.APIErrors, o.APIErrors), Webhook: add(c.Webhook, o.Webhook)}
}
