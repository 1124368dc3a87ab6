package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestScrubberRedactsSecretsAndPhones(t *testing.T) {
	const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	var buf bytes.Buffer
	log := New(&buf, "json", slog.LevelDebug, token, "")
	u, _ := url.Parse("https://api.telegram.org/bot" + token + "/sendMessage")

	log.Info("sent to +306912345678 via "+u.String(),
		"err", errors.New(`Post "https://api.telegram.org/bot`+token+`/getUpdates": timeout`),
		"url", u,
		"phone", "69 1234 5678",
		"landline", "2313317777",
		"intl", "0030 2313 317 777",
		slog.Group("citizen", "phone", "+30 691 234 5678", "chat_id", int64(6912345678)),
	)
	log.With("token", token).Warn("with attrs")

	out := buf.String()
	for _, leak := range []string{token, "6912345678\"", "69 1234 5678", "2313317777", "2313 317 777", "691 234 5678"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, `"chat_id":6912345678`) {
		t.Errorf("integer chat IDs must stay readable:\n%s", out)
	}
	if strings.Count(out, "[redacted]") < 4 || strings.Count(out, "[phone]") < 5 {
		t.Errorf("expected redaction markers:\n%s", out)
	}
}

func TestScrubberKeepsOrdinaryText(t *testing.T) {
	s := NewScrubber(slog.DiscardHandler, "secret")
	for _, in := range []string{"booking K7P4QX at 09:30", "update 123456789 handled", "2026-11-30"} {
		if got := s.Scrub(in); got != in {
			t.Errorf("Scrub(%q) = %q, want unchanged", in, got)
		}
	}
}
