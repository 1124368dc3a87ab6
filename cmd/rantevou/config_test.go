package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != defaultDatabase || c.RedisURL != defaultRedis || c.HTTPAddr != "127.0.0.1:8080" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SessionTTL != 30*time.Minute || c.LogLevel != slog.LevelInfo || c.RosterAt != 7*60+30 || c.AvailabilityCache != 3*time.Second {
		t.Errorf("defaults: ttl %v level %v roster %v availability cache %v", c.SessionTTL, c.LogLevel, c.RosterAt, c.AvailabilityCache)
	}
	if c.StepsPerHour != 300 {
		t.Errorf("default steps per hour %d, want 300", c.StepsPerHour)
	}
	if c.ChangesPerHour != 10 {
		t.Errorf("default changes per hour %d, want 10", c.ChangesPerHour)
	}
	if c.ReleaseDelay != 10*time.Minute {
		t.Errorf("default release delay %v, want 10m", c.ReleaseDelay)
	}
	if c.Retention != booking.DefaultRetention {
		t.Errorf("default retention %+v, want %+v", c.Retention, booking.DefaultRetention)
	}
	if !c.Sandbox() || !c.SlackSandbox() {
		t.Error("no tokens should mean sandbox for Telegram and Slack")
	}
	c, err = LoadConfig(env(map[string]string{"TELEGRAM_BOT_TOKEN": "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}))
	if err != nil || c.HTTPAddr != ":8080" {
		t.Errorf("with a token the server listens on every interface: %q, %v", c.HTTPAddr, err)
	}
	for _, u := range []string{"redis+sentinel://s1:26379?master_name=m", "redis+cluster://n1:6379?addr=n2:6379"} {
		if _, err := LoadConfig(env(map[string]string{"REDIS_URL": u})); err != nil {
			t.Errorf("REDIS_URL %s: %v", u, err)
		}
	}
	c, err = LoadConfig(env(map[string]string{"HTTP_ADDR": ":9090"}))
	if err != nil || c.HTTPAddr != ":9090" {
		t.Errorf("HTTP_ADDR must win in the sandbox too: %q, %v", c.HTTPAddr, err)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	tests := []struct {
		name string
		env  map[string]string
		want string // the variable the error must name
	}{
		{"DatabaseNotURL", map[string]string{"DATABASE_URL": "localhost"}, "DATABASE_URL"},
		{"DatabaseWrongScheme", map[string]string{"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"},
		{"RedisWrongScheme", map[string]string{"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"},
		{"HTTPAddrNoPort", map[string]string{"HTTP_ADDR": "localhost"}, "HTTP_ADDR"},
		{"LogLevel", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"LogFormat", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"SessionTTLUnparsable", map[string]string{"SESSION_TTL": "half an hour"}, "SESSION_TTL"},
		{"SessionTTLTooShort", map[string]string{"SESSION_TTL": "5s"}, "SESSION_TTL"},
		{"DebugAddrMalformed", map[string]string{"DEBUG_ADDR": "6060"}, "DEBUG_ADDR"},
		{"AvailabilityCacheNegative", map[string]string{"AVAILABILITY_CACHE": "-1s"}, "AVAILABILITY_CACHE"},
		{"AvailabilityCacheTooLong", map[string]string{"AVAILABILITY_CACHE": "1h"}, "AVAILABILITY_CACHE"},
		{"RosterTime", map[string]string{"ROSTER_TIME": "7.30"}, "ROSTER_TIME"},
		{"RosterTimeMidnightEnd", map[string]string{"ROSTER_TIME": "24:00"}, "ROSTER_TIME"},
		{"TelegramToken", map[string]string{"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"},
		{"TelegramAPIURL", map[string]string{"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
		{"WebhookWithoutToken", map[string]string{"TELEGRAM_WEBHOOK_URL": "https://x.gr/hook"}, "TELEGRAM_WEBHOOK_URL"},
		{"WebhookNotHTTPS", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "http://x.gr/hook", "TELEGRAM_WEBHOOK_SECRET": "s"}, "TELEGRAM_WEBHOOK_URL"},
		{"WebhookWithoutSecret", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.gr/hook"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"WebhookSecretBadChars", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.gr/hook", "TELEGRAM_WEBHOOK_SECRET": "with space"}, "TELEGRAM_WEBHOOK_SECRET"},
		{"WebhookMaxConnectionsTooMany", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.gr/hook", "TELEGRAM_WEBHOOK_SECRET": "s", "TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "101"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS"},
		{"WebhookMaxConnectionsZero", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.gr/hook", "TELEGRAM_WEBHOOK_SECRET": "s", "TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "0"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS"},
		{"WebhookMaxConnectionsNotANumber", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.gr/hook", "TELEGRAM_WEBHOOK_SECRET": "s", "TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "forty"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS"},
		{"MaxConnectionsWithoutWebhook", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "40"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS"},
		{"SlackBotToken", map[string]string{"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"},
		{"SlackWithoutSecret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"},
		{"SlackAppToken", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"},
		{"SlackAppTokenAlone", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"},
		{"SlackAPIURL", map[string]string{"SLACK_API_URL": "slack"}, "SLACK_API_URL"},
		{"SlackCommand", map[string]string{"SLACK_COMMAND": "rantevou"}, "SLACK_COMMAND"},
		{"StepsPerHourNegative", map[string]string{"LIMIT_STEPS_PER_HOUR": "-5"}, "LIMIT_STEPS_PER_HOUR"},
		{"StepsPerHourNotANumber", map[string]string{"LIMIT_STEPS_PER_HOUR": "many"}, "LIMIT_STEPS_PER_HOUR"},
		{"ChangesPerHourNegative", map[string]string{"LIMIT_CHANGES_PER_HOUR": "-1"}, "LIMIT_CHANGES_PER_HOUR"},
		{"ChangesPerHourNotANumber", map[string]string{"LIMIT_CHANGES_PER_HOUR": "ten"}, "LIMIT_CHANGES_PER_HOUR"},
		{"ReleaseDelayNegative", map[string]string{"CANCEL_RELEASE_DELAY": "-1m"}, "CANCEL_RELEASE_DELAY"},
		{"ReleaseDelayTooLong", map[string]string{"CANCEL_RELEASE_DELAY": "2h"}, "CANCEL_RELEASE_DELAY"},
		{"ReleaseDelayUnparsable", map[string]string{"CANCEL_RELEASE_DELAY": "10"}, "CANCEL_RELEASE_DELAY"},
		{"RetentionBookingNotANumber", map[string]string{"RETENTION_BOOKING_DAYS": "90d"}, "RETENTION_BOOKING_DAYS"},
		{"RetentionBookingZero", map[string]string{"RETENTION_BOOKING_DAYS": "0"}, "RETENTION_BOOKING_DAYS"},
		{"RetentionOutboxNegative", map[string]string{"RETENTION_OUTBOX_DAYS": "-1"}, "RETENTION_OUTBOX_DAYS"},
		{"RetentionKeysTooLong", map[string]string{"RETENTION_REQUEST_KEY_DAYS": "3651"}, "RETENTION_REQUEST_KEY_DAYS"},
		{"RetentionAuditFraction", map[string]string{"RETENTION_AUDIT_DAYS": "1.5"}, "RETENTION_AUDIT_DAYS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(env(tt.env))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConfigError", err)
			}
			if ce.Var != tt.want || ce.Want == "" {
				t.Fatalf("error names %q (%q), want %q", ce.Var, ce.Want, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("message %q does not name %s", err, tt.want)
			}
		})
	}
}

func TestLoadConfigRetention(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"RETENTION_BOOKING_DAYS": "30", "RETENTION_OUTBOX_DAYS": "7",
		"RETENTION_REQUEST_KEY_DAYS": "2", "RETENTION_AUDIT_DAYS": "730"}))
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	want := booking.Retention{Bookings: 30 * day, Outbox: 7 * day, RequestKeys: 2 * day, Audit: 730 * day}
	if c.Retention != want {
		t.Fatalf("retention %+v, want %+v", c.Retention, want)
	}
}

func TestLoadConfigProduction(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{
		"DATABASE_URL":                     "postgres://app:s3cret@db:5432/rantevou",
		"TELEGRAM_BOT_TOKEN":               "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
		"TELEGRAM_WEBHOOK_URL":             "https://rantevou.thessaloniki.gr/telegram/webhook",
		"TELEGRAM_WEBHOOK_SECRET":          "webhook-secret_1",
		"TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "80",
		"SLACK_BOT_TOKEN":                  "xoxb-123",
		"SLACK_SIGNING_SECRET":             "8f742231b10e8888abcd99yyyzzz85a5",
		"SLACK_API_URL":                    "http://127.0.0.1:9999/api",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sandbox() || c.SlackSandbox() {
		t.Error("tokens set: not a sandbox")
	}
	if c.TelegramWebhookMaxConns != 80 {
		t.Errorf("webhook max_connections %d, want 80", c.TelegramWebhookMaxConns)
	}
	if c.SlackAPIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("slack API URL %q should end in a slash", c.SlackAPIURL)
	}
	s := c.String()
	for _, secret := range []string{"s3cret", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "webhook-secret_1", "xoxb-123", "8f742231"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
}
