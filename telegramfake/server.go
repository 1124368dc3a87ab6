// Package telegramfake is a fake Telegram Bot API server for tests and for
// the local sandbox. It speaks the real wire format — requests as
// multipart/form-data, JSON or urlencoded at /bot<token>/<method>, answers as
// {"ok":true,"result":…} or {"ok":false,"error_code":…,"description":…} —
// so the real go-telegram/bot client runs against it unchanged. It keeps each
// chat's messages with their keyboards and edits, simulates citizens (text,
// commands, button presses, shared contacts), serves updates by long polling
// or delivers them as webhooks, and can enforce Telegram's rate limits and
// blocked chats.
package telegramfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Server is a fake Bot API for one bot token. It is an http.Handler; Start
// serves it on a local listener. All methods are safe for concurrent use.
type Server struct {
	token string
	botID int64

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	seq        uint64
	nextUpdate int64
	queue      []models.Update // not yet confirmed by getUpdates offset
	polling    bool
	webhook    webhookConfig
	targets    []string // SetWebhookTargets: delivered to in turn
	nextTarget int
	deliveries []Delivery
	chats      map[int64]*chat
	users      map[int64]*user
	callbacks  map[string]*callback
	commands   map[string][]models.BotCommand // by language code, "" for the default
	blocked    map[int64]bool
	limits     Limits
	rate       rateState
	stats      Stats
	subs       map[int64][]chan Event
	now        func() time.Time

	http   *httptest.Server
	client *http.Client
	closed chan struct{} // closed by Close: every long poll answers at once
}

type chat struct {
	nextID   int
	messages []*Message
	events   []Event
	keyboard [][]Button // reply keyboard currently shown
}

type user struct {
	lang      string
	firstName string
}

type callback struct {
	chatID    int64
	answered  bool
	toast     string
	messageID int
}

// New returns a fake Bot API that accepts requests for token. The bot's user
// ID is the number before the colon of the token, as on Telegram.
func New(token string) *Server {
	id, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	return &Server{
		token:      token,
		botID:      id,
		changed:    make(chan struct{}),
		nextUpdate: 1000,
		chats:      map[int64]*chat{},
		users:      map[int64]*user{},
		callbacks:  map[string]*callback{},
		commands:   map[string][]models.BotCommand{},
		blocked:    map[int64]bool{},
		subs:       map[int64][]chan Event{},
		now:        time.Now,
		client:     &http.Client{Timeout: 30 * time.Second},
		closed:     make(chan struct{}),
	}
}

// Start serves the fake on a local httptest listener and returns its base
// URL, for bot.WithServerURL. Close stops it.
func (s *Server) Start() string {
	s.http = httptest.NewServer(s)
	return s.http.URL
}

// URL returns the base URL of a started server.
func (s *Server) URL() string {
	if s.http == nil {
		return ""
	}
	return s.http.URL
}

// Close stops a started server and wakes every long poll.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.mu.Unlock()
	if s.http != nil {
		s.http.CloseClientConnections()
		s.http.Close()
	}
}

// Token returns the bot token the fake accepts.
func (s *Server) Token() string { return s.token }

// ServeHTTP answers Bot API requests at /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || token != s.token {
		writeError(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	}
	p, err := parseParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	h, ok := s.methods()[strings.ToLower(method)]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found: method not found", 0)
		return
	}
	result, apiErr := h(r, p)
	if apiErr != nil {
		writeError(w, apiErr.code, apiErr.description, apiErr.retryAfter)
		return
	}
	writeResult(w, result)
}

// apiError is a Bot API error answer.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + desc}
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// notifyLocked wakes long polls and WaitFor callers. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) chatLocked(id int64) *chat {
	c, ok := s.chats[id]
	if !ok {
		c = &chat{}
		s.chats[id] = c
	}
	return c
}

func (s *Server) userLocked(id int64) *user {
	u, ok := s.users[id]
	if !ok {
		u = &user{lang: "el", firstName: "User" + strconv.FormatInt(id, 10)}
		s.users[id] = u
	}
	return u
}

// recordLocked appends an event to the chat's history and tells
// subscribers. s.mu must be held.
func (s *Server) recordLocked(e Event) {
	s.seq++
	e.Seq = s.seq
	e.Message = e.Message.clone()
	c := s.chatLocked(e.ChatID)
	c.events = append(c.events, e)
	for _, ch := range s.subs[e.ChatID] {
		select {
		case ch <- e:
		default: // a slow subscriber re-reads Chat; never block the API
		}
	}
	s.notifyLocked()
}
