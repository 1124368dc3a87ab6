package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrapeText(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestMetricsExposition(t *testing.T) {
	m := New()
	m.Update("callback")
	m.Update("callback")
	m.Step(3 * time.Millisecond)
	m.Booking("created")
	m.APIError("telegram", "rate_limited")
	m.Notification("delivered")
	m.WatchOutbox(func(context.Context) (int, int, time.Duration, error) { return 7, 1, 90 * time.Second, nil }, slog.New(slog.DiscardHandler))
	m.WatchSessions(func(context.Context) (int, error) { return 3, nil }, slog.New(slog.DiscardHandler))

	out := scrapeText(t, m)
	for _, want := range []string{
		`rantevou_telegram_updates_total{kind="callback"} 2`,
		`rantevou_conversation_step_seconds_count 1`,
		`rantevou_conversation_step_seconds_bucket{le="0.005"} 1`,
		`rantevou_bookings_total{action="created"} 1`,
		`rantevou_api_errors_total{api="telegram",kind="rate_limited"} 1`,
		`rantevou_notifications_total{outcome="delivered"} 1`,
		`rantevou_outbox_pending 7`,
		`rantevou_outbox_parked 1`,
		`rantevou_outbox_oldest_seconds 90`,
		`rantevou_sessions_active 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsScrapeSurvivesReadError(t *testing.T) {
	m := New()
	m.WatchOutbox(func(context.Context) (int, int, time.Duration, error) { return 0, 0, 0, errors.New("db down") }, slog.New(slog.DiscardHandler))
	out := scrapeText(t, m)
	if strings.Contains(out, "rantevou_outbox_pending") {
		t.Error("gauges must be absent, not zero, when the database cannot be read")
	}
	if !strings.Contains(out, "go_goroutines") {
		t.Error("the rest of the scrape must still be served")
	}
}
