package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Config is everything the program reads from its environment, validated
// once at start. Secrets are kept here but never printed: String redacts them.
type Config struct {
	DatabaseURL string
	RedisURL    string
	CatalogFile string
	HTTPAddr    string
	// DebugAddr, when set, serves Go's profiler (/debug/pprof) there: a
	// separate listener, meant for localhost, never the public one.
	DebugAddr  string
	LogLevel   slog.Level
	LogFormat  string // "text" or "json"; "" picks text for a terminal, JSON otherwise
	SessionTTL time.Duration
	// AvailabilityCache is how long a replica keeps a department's
	// calendar reads (what citizens are shown; bookings are always decided
	// by the database); 0 turns it off.
	AvailabilityCache time.Duration

	TelegramToken         string
	TelegramAPIURL        string
	TelegramWebhookURL    string
	TelegramWebhookSecret string
	// TelegramWebhookMaxConns is setWebhook's max_connections; 0 leaves
	// Telegram's default (40).
	TelegramWebhookMaxConns int

	SlackBotToken      string
	SlackSigningSecret string
	SlackAppToken      string
	SlackAPIURL        string
	SlackCommand       string

	RosterAt booking.Clock // local time of the daily roster

	// ReleaseDelay is how long a slot a citizen cancelled stays held from
	// other citizens (CANCEL_RELEASE_DELAY); 0 releases it at once.
	ReleaseDelay time.Duration
	// OfferHold is how long a place offered to the next citizen on the
	// waiting list is kept for them (WAITLIST_OFFER_HOLD).
	OfferHold time.Duration
	// StepsPerHour is how many updates one chat may send in an hour
	// (LIMIT_STEPS_PER_HOUR); 0: no limit.
	StepsPerHour int
	// ChangesPerHour is how many bookings, cancellations and moves a
	// citizen may make in an hour (LIMIT_CHANGES_PER_HOUR); 0: no limit.
	ChangesPerHour int

	// Retention is how long personal data and bookkeeping are kept
	// (RETENTION_*_DAYS); the nightly run erases what is older.
	Retention booking.Retention
}

// Sandbox reports whether the program runs without a Telegram token: the bot
// then talks to the in-process fake Telegram server and a local chat page.
func (c Config) Sandbox() bool { return c.TelegramToken == "" }

// SlackSandbox reports whether staff messages go to the local Slack stand-in.
func (c Config) SlackSandbox() bool { return c.SlackBotToken == "" }

// ConfigError names the variable that is missing or malformed and what it expects.
type ConfigError struct {
	Var  string
	Want string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config: %s: %s", e.Var, e.Want)
}

var (
	telegramTokenRE  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{20,}$`)
	webhookSecretRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	slackCommandRE   = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	defaultDatabase  = "postgres://postgres@localhost:5432/rantevou?sslmode=disable"
	defaultRedis     = "redis://localhost:6379/0"
	defaultTelegram  = "https://api.telegram.org"
	defaultHTTPAddr  = ":8080"
	sandboxHTTPAddr  = "127.0.0.1:8080"
	defaultRosterAt  = "07:30"
	defaultSlackCmd  = "/rantevou"
	defaultLogLevel  = "info"
	defaultSessionTT = "30m"
	// A second: the crowd at 09:00 shares one read per department and
	// week, and another replica's booking shows within a second.
	defaultAvailabilityCache = "3s"
	// A cancelled slot is held long enough that a second account waiting
	// for it cannot be sure to be first, short enough that others get it
	// the same morning.
	defaultReleaseDelay = "10m"
	// Long enough for an elderly citizen to find the phone and read the
	// offer, short enough that the place goes on the same morning if not.
	defaultOfferHold = "10m"
	// A booking takes about ten steps; a citizen browsing the calendar at
	// length a hundred. Five a minute for an hour is a script.
	defaultStepsPerHour = "300"
	// Enough for a family's appointments and a change of mind or two.
	defaultChangesPerHour = "10"
	// maxRetentionDays bounds every RETENTION_*_DAYS: ten years.
	maxRetentionDays = 3650
)

// LoadConfig reads and validates the configuration. getenv is os.Getenv in
// production; tests pass a map.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:           get("DATABASE_URL", defaultDatabase),
		RedisURL:              get("REDIS_URL", defaultRedis),
		CatalogFile:           get("CATALOG_FILE", ""),
		HTTPAddr:              get("HTTP_ADDR", ""),
		DebugAddr:             get("DEBUG_ADDR", ""),
		LogFormat:             get("LOG_FORMAT", ""),
		TelegramToken:         get("TELEGRAM_BOT_TOKEN", ""),
		TelegramAPIURL:        get("TELEGRAM_API_URL", defaultTelegram),
		TelegramWebhookURL:    get("TELEGRAM_WEBHOOK_URL", ""),
		TelegramWebhookSecret: get("TELEGRAM_WEBHOOK_SECRET", ""),
		SlackBotToken:         get("SLACK_BOT_TOKEN", ""),
		SlackSigningSecret:    get("SLACK_SIGNING_SECRET", ""),
		SlackAppToken:         get("SLACK_APP_TOKEN", ""),
		SlackAPIURL:           get("SLACK_API_URL", ""),
		SlackCommand:          get("SLACK_COMMAND", defaultSlackCmd),
	}

	if err := checkURL("DATABASE_URL", c.DatabaseURL, "postgres", "postgresql"); err != nil {
		return Config{}, err
	}
	if err := checkURL("REDIS_URL", c.RedisURL, "redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster"); err != nil {
		return Config{}, err
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = defaultHTTPAddr
		if c.Sandbox() {
			// The sandbox pages have no login: anyone who reaches them can
			// act as staff. Unless told otherwise, only this machine can.
			c.HTTPAddr = sandboxHTTPAddr
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return Config{}, &ConfigError{"HTTP_ADDR", "a listen address like :8080 or 127.0.0.1:8080"}
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return Config{}, &ConfigError{"DEBUG_ADDR", "empty (off) or a listen address like 127.0.0.1:6060"}
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", defaultLogLevel))); err != nil {
		return Config{}, &ConfigError{"LOG_LEVEL", "one of debug, info, warn, error"}
	}
	if c.LogFormat != "" && c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, &ConfigError{"LOG_FORMAT", "text or json"}
	}
	ttl, err := time.ParseDuration(get("SESSION_TTL", defaultSessionTT))
	if err != nil || ttl < time.Minute || ttl > 24*time.Hour {
		return Config{}, &ConfigError{"SESSION_TTL", "a duration between 1m and 24h, like 30m"}
	}
	c.SessionTTL = ttl
	cache, err := time.ParseDuration(get("AVAILABILITY_CACHE", defaultAvailabilityCache))
	if err != nil || cache < 0 || cache > time.Minute {
		return Config{}, &ConfigError{"AVAILABILITY_CACHE", "a duration between 0 (off) and 1m, like 1s"}
	}
	c.AvailabilityCache = cache
	if c.RosterAt, err = booking.ParseClock(get("ROSTER_TIME", defaultRosterAt)); err != nil || c.RosterAt >= 24*60 {
		return Config{}, &ConfigError{"ROSTER_TIME", "a 24-hour local time like 07:30"}
	}

	delay, err := time.ParseDuration(get("CANCEL_RELEASE_DELAY", defaultReleaseDelay))
	if err != nil || delay < 0 || delay > time.Hour {
		return Config{}, &ConfigError{"CANCEL_RELEASE_DELAY", "a duration between 0 (off) and 1h, like 10m"}
	}
	c.ReleaseDelay = delay
	hold, err := time.ParseDuration(get("WAITLIST_OFFER_HOLD", defaultOfferHold))
	if err != nil || hold < time.Minute || hold > 24*time.Hour {
		return Config{}, &ConfigError{"WAITLIST_OFFER_HOLD", "a duration between 1m and 24h, like 10m"}
	}
	c.OfferHold = hold
	if c.StepsPerHour, err = strconv.Atoi(get("LIMIT_STEPS_PER_HOUR", defaultStepsPerHour)); err != nil || c.StepsPerHour < 0 {
		return Config{}, &ConfigError{"LIMIT_STEPS_PER_HOUR", "a whole number, 0 for no limit, like " + defaultStepsPerHour}
	}
	if c.ChangesPerHour, err = strconv.Atoi(get("LIMIT_CHANGES_PER_HOUR", defaultChangesPerHour)); err != nil || c.ChangesPerHour < 0 {
		return Config{}, &ConfigError{"LIMIT_CHANGES_PER_HOUR", "a whole number, 0 for no limit, like " + defaultChangesPerHour}
	}
	for _, r := range []struct {
		name string
		def  time.Duration
		into *time.Duration
	}{
		{"RETENTION_BOOKING_DAYS", booking.DefaultRetention.Bookings, &c.Retention.Bookings},
		{"RETENTION_OUTBOX_DAYS", booking.DefaultRetention.Outbox, &c.Retention.Outbox},
		{"RETENTION_REQUEST_KEY_DAYS", booking.DefaultRetention.RequestKeys, &c.Retention.RequestKeys},
		{"RETENTION_AUDIT_DAYS", booking.DefaultRetention.Audit, &c.Retention.Audit},
	} {
		days, err := strconv.Atoi(get(r.name, strconv.Itoa(int(r.def/(24*time.Hour)))))
		if err != nil || days < 1 || days > maxRetentionDays {
			return Config{}, &ConfigError{r.name, fmt.Sprintf("a whole number of days from 1 to %d, like %d", maxRetentionDays, r.def/(24*time.Hour))}
		}
		*r.into = time.Duration(days) * 24 * time.Hour
	}

	if c.TelegramToken != "" && !telegramTokenRE.MatchString(c.TelegramToken) {
		return Config{}, &ConfigError{"TELEGRAM_BOT_TOKEN", "the token BotFather gave, like 123456:ABC-DEF…"}
	}
	if err := checkURL("TELEGRAM_API_URL", c.TelegramAPIURL, "https", "http"); err != nil {
		return Config{}, err
	}
	if c.TelegramWebhookURL != "" {
		if c.TelegramToken == "" {
			return Config{}, &ConfigError{"TELEGRAM_WEBHOOK_URL", "set only together with TELEGRAM_BOT_TOKEN"}
		}
		if err := checkURL("TELEGRAM_WEBHOOK_URL", c.TelegramWebhookURL, "https"); err != nil {
			return Config{}, err
		}
		if !webhookSecretRE.MatchString(c.TelegramWebhookSecret) {
			return Config{}, &ConfigError{"TELEGRAM_WEBHOOK_SECRET", "required with TELEGRAM_WEBHOOK_URL: 1–256 characters A–Z, a–z, 0–9, _ or -"}
		}
	}
	if v := get("TELEGRAM_WEBHOOK_MAX_CONNECTIONS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 || c.TelegramWebhookURL == "" {
			return Config{}, &ConfigError{"TELEGRAM_WEBHOOK_MAX_CONNECTIONS", "with TELEGRAM_WEBHOOK_URL, a whole number from 1 to 100, like 40"}
		}
		c.TelegramWebhookMaxConns = n
	}

	if c.SlackBotToken != "" {
		if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
			return Config{}, &ConfigError{"SLACK_BOT_TOKEN", "a bot token starting with xoxb-"}
		}
		if c.SlackSigningSecret == "" && c.SlackAppToken == "" {
			return Config{}, &ConfigError{"SLACK_SIGNING_SECRET", "required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)"}
		}
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		return Config{}, &ConfigError{"SLACK_APP_TOKEN", "an app-level token starting with xapp-"}
	}
	if c.SlackAppToken != "" && c.SlackBotToken == "" {
		return Config{}, &ConfigError{"SLACK_BOT_TOKEN", "required with SLACK_APP_TOKEN"}
	}
	if c.SlackAPIURL != "" {
		if err := checkURL("SLACK_API_URL", c.SlackAPIURL, "https", "http"); err != nil {
			return Config{}, err
		}
		if !strings.HasSuffix(c.SlackAPIURL, "/") {
			c.SlackAPIURL += "/"
		}
	}
	if !slackCommandRE.MatchString(c.SlackCommand) {
		return Config{}, &ConfigError{"SLACK_COMMAND", "a slash command like /rantevou"}
	}
	return c, nil
}

func checkURL(name, raw string, schemes ...string) error {
	want := "a URL with scheme " + strings.Join(schemes, " or ")
	u, err := url.Parse(raw)
	if err != nil {
		return &ConfigError{name, want}
	}
	for _, s := range schemes {
		if u.Scheme == s && (u.Host != "" || s == "unix") {
			return nil
		}
	}
	return &ConfigError{name, want}
}

// String describes the configuration for the start-up log, secrets redacted.
func (c Config) String() string {
	mode := "telegram: long polling"
	switch {
	case c.Sandbox():
		mode = "telegram: sandbox (no token)"
	case c.TelegramWebhookURL != "":
		mode = "telegram: webhook " + c.TelegramWebhookURL
	}
	slackMode := "slack: sandbox (no token)"
	switch {
	case c.SlackAppToken != "":
		slackMode = "slack: socket mode"
	case c.SlackBotToken != "":
		slackMode = "slack: HTTP " + c.SlackCommand
	}
	return fmt.Sprintf("http %s; %s; %s; database %s; redis %s",
		c.HTTPAddr, mode, slackMode, redactURL(c.DatabaseURL), redactURL(c.RedisURL))
}

// redactURL hides a password in a connection URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
