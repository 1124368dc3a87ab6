package telegramfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-telegram/bot/models"
)

// SecretHeader is the header in which Telegram sends a webhook's secret_token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

type webhookConfig struct {
	url      string
	secret   string
	maxConns int // max_connections, 0 when not given
}

// Delivery is the outcome of one webhook POST.
type Delivery struct {
	UpdateID int64
	Target   string // the URL it was POSTed to
	Status   int    // HTTP status the bot answered; 0 if the request failed
	Err      error
	// ReplyMethod is the Bot API method the bot answered the POST with
	// ("" for a plain answer), and ReplyErr its failure, as Telegram would
	// have met it.
	ReplyMethod string
	ReplyErr    error
}

func (s *Server) setWebhook(_ *http.Request, p *params) (any, *apiError) {
	u := p.str("url")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookConfig{url: u, secret: p.str("secret_token"), maxConns: int(p.optInt("max_connections", 0))}
	if p.bool("drop_pending_updates") {
		s.queue = nil
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) deleteWebhook(_ *http.Request, p *params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookConfig{}
	if p.bool("drop_pending_updates") {
		s.queue = nil
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) getWebhookInfo(*http.Request, *params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &models.WebhookInfo{URL: s.webhook.url, PendingUpdateCount: len(s.queue), MaxConnections: s.webhook.maxConns}, nil
}

// WebhookMaxConnections returns the max_connections the bot registered
// with setWebhook, 0 when it gave none (Telegram's default, 40).
func (s *Server) WebhookMaxConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.maxConns
}

// Webhook returns the URL and secret the bot registered with setWebhook.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.url, s.webhook.secret
}

// Deliveries returns the outcome of every webhook POST so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// SetWebhookTargets makes the fake deliver updates to urls in turn instead
// of the URL the bot registered, as a load balancer in front of several
// replicas would; with no urls it goes back to the registered one. Each
// replica registers its own URL with setWebhook, and the last one would
// otherwise win.
func (s *Server) SetWebhookTargets(urls ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = append([]string(nil), urls...)
	s.nextTarget = 0
}

// targetLocked returns where the next delivery goes. s.mu must be held.
func (s *Server) targetLocked() string {
	if len(s.targets) == 0 {
		return s.webhook.url
	}
	t := s.targets[s.nextTarget%len(s.targets)]
	s.nextTarget++
	return t
}

// PostWebhook POSTs update to the registered webhook URL with the given
// secret header (none when secret is empty) and returns the HTTP status. It
// is how tests forge or replay a delivery; simulated users go through it
// with the registered secret.
//
// As Telegram does, a 200 answer whose body is a Bot API call
// ({"method":"answerCallbackQuery",…}) is carried out as if the bot had
// made it; its result goes nowhere.
func (s *Server) PostWebhook(ctx context.Context, update any, secret string) (int, error) {
	s.mu.Lock()
	target := s.targetLocked()
	s.mu.Unlock()
	d := s.post(ctx, target, update, secret)
	return d.Status, d.Err
}

func (s *Server) post(ctx context.Context, target string, update any, secret string) Delivery {
	if target == "" {
		return Delivery{Err: fmt.Errorf("telegramfake: post webhook: no webhook set")}
	}
	body, err := json.Marshal(update)
	if err != nil {
		return Delivery{Err: fmt.Errorf("telegramfake: post webhook: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Delivery{Err: fmt.Errorf("telegramfake: post webhook: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return Delivery{Err: fmt.Errorf("telegramfake: post webhook: %w", err)}
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBytes))
	d := Delivery{Status: resp.StatusCode, Target: target}
	if err != nil || resp.StatusCode != http.StatusOK {
		return d
	}
	d.ReplyMethod, d.ReplyErr = s.runReply(ctx, reply)
	return d
}

// RunWebhookReply carries out the Bot API call in body, a webhook's answer,
// as Telegram does; for a test that calls the webhook handler itself. It
// returns the method ("" when body is no call) and its failure.
func (s *Server) RunWebhookReply(ctx context.Context, body []byte) (method string, err error) {
	return s.runReply(ctx, body)
}

// runReply carries out the Bot API call in a webhook's answer, if any.
func (s *Server) runReply(ctx context.Context, body []byte) (string, error) {
	p := &params{values: map[string]string{}, files: map[string]upload{}}
	if err := p.readJSON(body); err != nil {
		return "", nil // not a call: an empty or plain answer
	}
	method := p.str("method")
	if method == "" {
		return "", nil
	}
	h, ok := s.methods()[strings.ToLower(method)]
	if !ok {
		return method, fmt.Errorf("telegramfake: webhook reply: unknown method %q", method)
	}
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	if _, apiErr := h(r, p); apiErr != nil {
		return method, fmt.Errorf("telegramfake: webhook reply %s: %d %s", method, apiErr.code, apiErr.description)
	}
	return method, nil
}

// dispatch hands a new update to the bot: queued for getUpdates, or POSTed
// to the webhook right away (synchronously, so a test step ends when the
// bot has answered). Telegram would retry a failed delivery; the fake
// records it and leaves retrying to the test (Redeliver).
func (s *Server) dispatch(u models.Update) {
	s.mu.Lock()
	hook := s.webhook
	if hook.url == "" && len(s.targets) == 0 {
		s.queue = append(s.queue, u)
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	target := s.targetLocked()
	s.mu.Unlock()
	d := s.post(context.Background(), target, &u, hook.secret)
	d.UpdateID = u.ID
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.notifyLocked()
	s.mu.Unlock()
}
