package bot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// WebhookPath is where the webhook is served. It does not contain the
// token, so access logs and proxies never see it; the secret header is what
// authenticates Telegram.
const WebhookPath = "/telegram/webhook"

// Config configures the Telegram adapter. The program fills it from its own
// configuration (cmd/rantevou); String never prints the secrets.
type Config struct {
	Token         string // TELEGRAM_BOT_TOKEN, required
	APIURL        string // TELEGRAM_API_URL, DefaultAPIURL when empty
	WebhookURL    string // TELEGRAM_WEBHOOK_URL; empty means long polling
	WebhookSecret string // TELEGRAM_WEBHOOK_SECRET, required with WebhookURL
	// WebhookMaxConnections is setWebhook's max_connections, the most
	// updates Telegram has in flight to the webhook at once (1–100); 0
	// leaves Telegram's default, 40.
	WebhookMaxConnections int
	PollTimeout           time.Duration // long-poll timeout, one minute when zero
	// HandleTimeout bounds the handling of one update, 20 s when zero:
	// Telegram gives up on a webhook after about a minute and redelivers.
	HandleTimeout time.Duration
	// Transport carries every request to the Bot API (the metrics count
	// failures on it); NewTransport() when nil.
	Transport http.RoundTripper
}

// Validate checks the configuration once at start.
func (c Config) Validate() error {
	if c.Token == "" {
		return errors.New("bot: config: TELEGRAM_BOT_TOKEN is required")
	}
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || u.Scheme == "" || u.Host == "" {
			return errors.New("bot: config: TELEGRAM_API_URL is not an absolute URL")
		}
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return errors.New("bot: config: TELEGRAM_WEBHOOK_URL is not an absolute URL")
		}
		if strings.Contains(c.WebhookURL, c.Token) {
			return errors.New("bot: config: TELEGRAM_WEBHOOK_URL must not contain the bot token")
		}
		if c.WebhookSecret == "" {
			return errors.New("bot: config: TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
		}
		if !validSecret(c.WebhookSecret) {
			return errors.New("bot: config: TELEGRAM_WEBHOOK_SECRET must be 1-256 characters A-Z a-z 0-9 _ -")
		}
	}
	if c.WebhookMaxConnections < 0 || c.WebhookMaxConnections > 100 {
		return errors.New("bot: config: TELEGRAM_WEBHOOK_MAX_CONNECTIONS must be 1-100 (0 for Telegram's default)")
	}
	return nil
}

// validSecret applies Telegram's rule for secret_token.
func validSecret(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	mode := "polling"
	if c.WebhookURL != "" {
		mode = "webhook " + c.WebhookURL
		if c.WebhookMaxConnections > 0 {
			mode += fmt.Sprintf(" max_connections=%d", c.WebhookMaxConnections)
		}
	}
	return fmt.Sprintf("telegram api=%s mode=%s token=*** secret=***", c.apiURL(), mode)
}

func (c Config) apiURL() string {
	if c.APIURL == "" {
		return DefaultAPIURL
	}
	return strings.TrimRight(c.APIURL, "/")
}

// NewTransport returns the HTTP transport for the Bot API. Every call goes
// to one host, and a conversation turn makes one or two of them: Go's
// default of two idle connections per host would open a new TCP (and TLS)
// connection for most calls under load, which cost about a tenth of the
// CPU of a step when measured.
//
// go-telegram/bot streams each request body through a pipe as chunked
// multipart, and net/http writes every chunk of an unknown-length body to
// the socket at once: a dozen write system calls per call, 17% of the
// CPU of a step under load. Reading the body (a few hundred bytes) before
// sending makes it one.
func NewTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 512
	t.IdleConnTimeout = 90 * time.Second
	return wholeBodies{t}
}

// wholeBodies sends a request body of unknown length in one piece.
type wholeBodies struct{ next http.RoundTripper }

// maxBufferedBody bounds what is read into memory; a larger body (a big
// document) is streamed as it comes.
const maxBufferedBody = 1 << 20

func (t wholeBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > 0 {
		return t.next.RoundTrip(r)
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
	if err != nil {
		r.Body.Close()
		return nil, err
	}
	out := r.Clone(r.Context())
	if len(head) > maxBufferedBody {
		out.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		return t.next.RoundTrip(out)
	}
	r.Body.Close()
	out.Body = io.NopCloser(bytes.NewReader(head))
	out.ContentLength = int64(len(head))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(head)), nil }
	return t.next.RoundTrip(out)
}
