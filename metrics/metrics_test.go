package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
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
	m.Booking("created", 1)
	m.APIError("telegram", "rate_limited")
	delivered := 5
	m.CountFunc("rantevou_notifications_total", "by outcome", map[string]string{"outcome": "delivered"}, func() float64 { return float64(delivered) })
	m.WatchOutbox(func(context.Context) (int, int, time.Duration, error) { return 7, 1, 90 * time.Second, nil }, slog.New(slog.DiscardHandler))
	m.WatchSessions(func(context.Context) (int, error) { return 3, nil }, slog.New(slog.DiscardHandler))

	out := scrapeText(t, m)
	for _, want := range []string{
		`rantevou_telegram_updates_total{kind="callback"} 2`,
		`rantevou_conversation_step_seconds_count 1`,
		`rantevou_conversation_step_seconds_bucket{le="0.005"} 1`,
		`rantevou_bookings_total{action="created"} 1`,
		`rantevou_api_errors_total{api="telegram",kind="rate_limited"} 1`,
		`rantevou_notifications_total{outcome="delivered"} 5`,
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

func TestTransportCountsFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/429":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/403":
			w.WriteHeader(http.StatusForbidden)
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		case "/notmodified":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	defer srv.Close()
	m := New()
	client := &http.Client{Transport: m.Transport("telegram", nil)}
	for _, path := range []string{"/ok", "/429", "/429", "/403", "/500", "/notmodified"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "/notmodified" && !strings.Contains(string(body), "not modified") {
			t.Fatalf("the body of a 400 must reach the caller intact, got %q", body)
		}
	}
	if _, err := client.Get("http://127.0.0.1:1/"); err == nil {
		t.Fatal("a refused connection should fail")
	}
	out := scrapeText(t, m)
	for _, want := range []string{
		`rantevou_api_errors_total{api="telegram",kind="rate_limited"} 2`,
		`rantevou_api_errors_total{api="telegram",kind="blocked"} 1`,
		`rantevou_api_errors_total{api="telegram",kind="other"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
