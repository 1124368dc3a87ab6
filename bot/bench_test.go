package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/telegramfake"
)

// BenchmarkStep measures one conversation step in process: a button tap
// handed to the webhook handler, deduplicated in Redis, run through the
// engine (session load and compare-and-set in Redis, free slots or days
// from PostgreSQL), its replies sent to the fake Telegram over loopback
// HTTP and its callback answer returned in the response (Telegram carries
// it out, outside the timer). Taps alternate between a day (loads that
// day's free times) and Back (loads the week), so every step does real
// work. It reports the median and 99th percentile of single steps.
func BenchmarkStep(b *testing.B) {
	e := newE2E(b)
	const c = 800
	e.say(b, c, "/start")
	e.pressAt(b, c, 0, 0)
	e.pressAt(b, c, 0, 0)
	e.pressAt(b, c, 0, 0) // the week calendar
	h := e.bot.WebhookHandler()
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		m := e.keyboardMessage(b, c)
		row := 1 // a day
		if i%2 == 1 {
			row = len(m.Inline) - 1 // Back
		}
		u, err := e.fake.PressUpdate(c, m.ID, m.Inline[row][0].Data)
		if err != nil {
			b.Fatal(err)
		}
		req := webhookRequest(b, &u)
		w := httptest.NewRecorder()
		b.StartTimer()
		start := time.Now()
		h.ServeHTTP(w, req)
		durations = append(durations, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("step %d: status %d", i, w.Code)
		}
		// The button's answer rides on the response; Telegram carries it
		// out, outside the bot's time.
		b.StopTimer()
		if _, err := e.fake.RunWebhookReply(context.Background(), w.Body.Bytes()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, durations)
	if u := e.fake.Unanswered(); len(u) != 0 {
		b.Fatalf("%d callback queries unanswered", len(u))
	}
}

// BenchmarkEngineStep is the same step without Telegram: dedupe and
// engine only, to show what the adapter's HTTP calls add.
func BenchmarkEngineStep(b *testing.B) {
	e := newE2E(b)
	const c = 801
	e.say(b, c, "/start")
	e.pressAt(b, c, 0, 0)
	e.pressAt(b, c, 0, 0)
	e.pressAt(b, c, 0, 0)
	buttons := e.keyboardMessage(b, c).Inline
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		row := 1
		if i%2 == 1 {
			row = len(buttons) - 1
		}
		in := conversation.Input{ChatID: c, UserID: c, LangCode: "el",
			Event: dialog.Event{Kind: dialog.KindButton, Data: buttons[row][0].Data, LangCode: "el"}}
		start := time.Now()
		if _, _, err := e.dedupe.Seen(ctx, int64(1_000_000+i)); err != nil {
			b.Fatal(err)
		}
		replies, err := e.bot.h.Handle(ctx, in)
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(replies) == 0 || len(replies[len(replies)-1].Buttons) == 0 {
			b.Fatalf("step %d: no screen drawn: %+v", i, replies)
		}
		buttons = toFakeButtons(replies[len(replies)-1].Buttons)
	}
	b.StopTimer()
	reportPercentiles(b, durations)
}

func toFakeButtons(rows [][]dialog.Button) [][]telegramfake.Button {
	out := make([][]telegramfake.Button, len(rows))
	for i, row := range rows {
		for _, btn := range row {
			out[i] = append(out[i], telegramfake.Button{Text: btn.Text, Data: btn.Data})
		}
	}
	return out
}

// reportPercentiles reports the median and 99th percentile of per-step
// durations: a mean hides the slow steps a citizen notices.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds())
	}
	b.ReportMetric(pct(0.5), "median-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func webhookRequest(tb testing.TB, u *models.Update) *http.Request {
	tb.Helper()
	body, err := json.Marshal(u)
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SecretHeader, testSecret)
	return req
}
