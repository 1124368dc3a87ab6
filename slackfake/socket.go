package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// socket is the Socket Mode side of the stand-in: apps.connections.open
// hands out a ws:// URL on this server, and the test pushes envelopes down
// the connection and reads the app's acknowledgements.
type socket struct {
	mu      sync.Mutex
	conn    *websocket.Conn
	ready   chan struct{}
	acks    map[string]chan json.RawMessage
	nextEnv int
}

// upgrader accepts any origin: the stand-in only ever listens on loopback.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) socketState() *socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sock == nil {
		s.sock = &socket{ready: make(chan struct{}), acks: map[string]chan json.RawMessage{}}
	}
	return s.sock
}

func (s *Server) openConnection(w http.ResponseWriter) {
	writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/socket"})
}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	sk := s.socketState()
	sk.mu.Lock()
	sk.conn = conn
	// Writes to the connection all happen under sk.mu: gorilla/websocket
	// allows one writer at a time.
	_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
	select {
	case <-sk.ready:
	default:
		close(sk.ready)
	}
	sk.mu.Unlock()
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		sk.mu.Lock()
		ch := sk.acks[ack.EnvelopeID]
		delete(sk.acks, ack.EnvelopeID)
		sk.mu.Unlock()
		if ch != nil {
			ch <- ack.Payload
		}
	}
}

// SocketEnvelope sends a Socket Mode request of type kind ("slash_commands"
// or "interactive") with payload over the app's connection, waiting for the
// app to connect first, and returns the payload of its acknowledgement
// (null when it acknowledged without one).
func (s *Server) SocketEnvelope(ctx context.Context, kind string, payload any) (json.RawMessage, error) {
	sk := s.socketState()
	select {
	case <-sk.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("slackfake: no socket mode connection: %w", ctx.Err())
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	ch := make(chan json.RawMessage, 1)
	sk.mu.Lock()
	sk.nextEnv++
	id := fmt.Sprintf("env-%d", sk.nextEnv)
	sk.acks[id] = ch
	err = sk.conn.WriteJSON(map[string]any{"envelope_id": id, "type": kind, "payload": json.RawMessage(raw), "accepts_response_payload": true})
	sk.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case ack := <-ch:
		return ack, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("slackfake: no ack for %s: %w", id, ctx.Err())
	}
}
