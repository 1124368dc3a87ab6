package telegramfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/go-telegram/bot/models"
)

// SecretHeader is the header in which Telegram sends a webhook's secret_token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

type webhookConfig struct {
	url    string
	secret string
}

// Delivery is the outcome of one webhook POST.
type Delivery struct {
	UpdateID int64
	Status   int // HTTP status the bot answered; 0 if the request failed
	Err      error
}

func (s *Server) setWebhook(_ *http.Request, p *params) (any, *apiError) {
	u := p.str("url")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookConfig{url: u, secret: p.str("secret_token")}
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
	return &models.WebhookInfo{URL: s.webhook.url, PendingUpdateCount: len(s.queue)}, nil
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

// PostWebhook POSTs update to the registered webhook URL with the given
// secret header (none when secret is empty) and returns the HTTP status. It
// is how tests forge or replay a delivery; simulated users go through it
// with the registered secret.
func (s *Server) PostWebhook(ctx context.Context, update any, secret string) (int, error) {
	s.mu.Lock()
	target := s.webhook.url
	s.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("telegramfake: post webhook: no webhook set")
	}
	body, err := json.Marshal(update)
	if err != nil {
		return 0, fmt.Errorf("telegramfake: post webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("telegramfake: post webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("telegramfake: post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// dispatch hands a new update to the bot: queued for getUpdates, or POSTed
// to the webhook right away (synchronously, so a test step ends when the
// bot has answered). Telegram would retry a failed delivery; the fake
// records it and leaves retrying to the test (Redeliver).
func (s *Server) dispatch(u models.Update) {
	s.mu.Lock()
	hook := s.webhook
	if hook.url == "" {
		s.queue = append(s.queue, u)
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	status, err := s.PostWebhook(context.Background(), &u, hook.secret)
	s.mu.Lock()
	s.deliveries = append(s.deliveries, Delivery{UpdateID: u.ID, Status: status, Err: err})
	s.notifyLocked()
	s.mu.Unlock()
}
