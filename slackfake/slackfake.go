// Package slackfake is a local stand-in for Slack's Web API, for tests and
// for the sandbox page that shows what staff would see. It speaks Slack's
// wire format (form-encoded or JSON requests to /api/<method>, answers
// {"ok":true,…}), records every message posted, updated or sent to a
// response_url, keeps the modals opened, pushed and updated (views.go),
// and signs slash commands and button presses the way Slack does, so they
// can be sent to the real adapter endpoints. It also serves
// Socket Mode: apps.connections.open and a WebSocket that carries requests
// to the app and its acknowledgements back.
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Post is one message as staff would see it.
type Post struct {
	Method   string // chat.postMessage, chat.update, chat.postEphemeral, response_url
	Channel  string
	User     string // chat.postEphemeral only
	TS       string
	Text     string
	Blocks   json.RawMessage // the Block Kit JSON, as posted
	Response string          // response_url posts: "in_channel" or "ephemeral"
	URL      string          // response_url posts: which URL
}

// View is a modal the bot opened, as it stands now (see views.go).
type View struct {
	TriggerID string
	ID        string          // the view_id, V…
	Hash      string          // changes with every update, as Slack's does
	View      json.RawMessage // the view as opened, or as last updated
	Root      string          // a pushed view: the view_id of the view below it
	Closed    bool            // closed by a submission's answer or by CloseView
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	mu      sync.Mutex
	posts   []Post
	views   []View
	updates []ViewUpdate
	seq     int
	changed chan struct{}
	sock    *socket
	http    *httptest.Server
}

// New starts a stand-in on a local port; Close stops it.
func New() *Server {
	s := &Server{changed: make(chan struct{})}
	s.http = httptest.NewServer(s)
	return s
}

// Close stops the server and drops a Socket Mode connection.
func (s *Server) Close() {
	s.mu.Lock()
	sk := s.sock
	s.mu.Unlock()
	if sk != nil {
		sk.mu.Lock()
		if sk.conn != nil {
			_ = sk.conn.Close()
		}
		sk.mu.Unlock()
	}
	s.http.Close()
}

// APIURL is the value for SLACK_API_URL (slack.OptionAPIURL), ending in "/".
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// ResponseURL returns a fresh response_url whose posts are recorded.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s/response/%d", s.http.URL, s.seq)
}

// Posts returns everything posted so far, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Views returns the modals opened so far.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]View(nil), s.views...)
}

// Channel returns the messages posted to channel (not ephemeral ones).
func (s *Server) Channel(channel string) []Post {
	var out []Post
	for _, p := range s.Posts() {
		if p.Channel == channel && p.Method == "chat.postMessage" {
			out = append(out, p)
		}
	}
	return out
}

// Responses returns the posts to responseURL.
func (s *Server) Responses(responseURL string) []Post {
	var out []Post
	for _, p := range s.Posts() {
		if p.Method == "response_url" && p.URL == responseURL {
			out = append(out, p)
		}
	}
	return out
}

// WaitFor waits until cond holds over all posts, or ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func([]Post) bool) ([]Post, error) {
	for {
		s.mu.Lock()
		posts := append([]Post(nil), s.posts...)
		ch := s.changed
		s.mu.Unlock()
		if cond(posts) {
			return posts, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return posts, fmt.Errorf("slackfake: wait: %w", ctx.Err())
		}
	}
}

func (s *Server) record(p Post) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = append(s.posts, p)
	close(s.changed)
	s.changed = make(chan struct{})
}

// ServeHTTP answers the Web API methods the adapter uses.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/response/"); ok {
		s.serveResponse(w, r, id)
		return
	}
	if r.URL.Path == "/socket" {
		s.serveSocket(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	params, err := readParams(r)
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	switch method {
	case "apps.connections.open":
		s.openConnection(w)
	case "auth.test":
		writeJSON(w, map[string]any{"ok": true, "user_id": "UBOT", "team_id": "TFAKE", "bot_id": "BFAKE"})
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		ch := params.str("channel")
		if ch == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
			return
		}
		ts := params.str("ts")
		if method != "chat.update" {
			s.mu.Lock()
			s.seq++
			ts = fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq)
			s.mu.Unlock()
		}
		s.record(Post{Method: method, Channel: ch, User: params.str("user"), TS: ts,
			Text: params.str("text"), Blocks: params.raw("blocks")})
		writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "message_ts": ts})
	case "views.open", "views.push":
		writeJSON(w, s.openView(method, params.str("trigger_id"), params.raw("view")))
	case "views.update":
		writeJSON(w, s.updateView(params.str("view_id"), params.str("external_id"), params.str("hash"), params.raw("view")))
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request, _ string) {
	var body struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.record(Post{Method: "response_url", Text: body.Text, Blocks: body.Blocks,
		Response: body.ResponseType, URL: s.http.URL + r.URL.Path})
	_, _ = io.WriteString(w, "ok")
}

type params map[string]json.RawMessage

func (p params) str(k string) string {
	v, ok := p[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// raw returns k as JSON: form values hold JSON text, JSON bodies hold it inline.
func (p params) raw(k string) json.RawMessage {
	v, ok := p[k]
	if !ok {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return json.RawMessage(s)
	}
	return v
}

func readParams(r *http.Request) (params, error) {
	out := params{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		err := json.NewDecoder(r.Body).Decode(&out)
		if errors.Is(err, io.EOF) { // a method without arguments
			err = nil
		}
		return out, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, vs := range r.Form {
		b, _ := json.Marshal(vs[0])
		out[k] = b
	}
	return out, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// SignedRequest builds a request to endpoint carrying body (form-encoded)
// signed with secret at now, as Slack sends it.
func SignedRequest(ctx context.Context, endpoint, secret string, form url.Values, now time.Time) (*http.Request, error) {
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(secret, ts, []byte(body)))
	return req, nil
}

// Sign computes Slack's v0 signature of body at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	return sign(secret, ts, body)
}
