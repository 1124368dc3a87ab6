package bot

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// recorder collects what the hooks report.
type recorder struct {
	mu    sync.Mutex
	kinds []string
	steps []time.Duration
	paced []int64
}

func (r *recorder) hooks() Hooks {
	return Hooks{
		Update: func(k string) { r.mu.Lock(); r.kinds = append(r.kinds, k); r.mu.Unlock() },
		Step:   func(d time.Duration) { r.mu.Lock(); r.steps = append(r.steps, d); r.mu.Unlock() },
		Reply: func(ctx context.Context, chatID int64, call func(context.Context) error) error {
			r.mu.Lock()
			r.paced = append(r.paced, chatID)
			r.mu.Unlock()
			return call(ctx)
		},
	}
}

func TestHooks(t *testing.T) {
	rec := &recorder{}
	r := startRig(t, &scripted{}, rigOptions{webhook: true, hooks: rec.hooks()})
	const chat = 3003

	r.fake.SendText(chat, "hi")
	if st := r.lastDelivery(t); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	last, _ := r.fake.Last(chat)
	if _, err := r.fake.PressButton(chat, last.ID, last.Inline[0][0].Data); err != nil {
		t.Fatal(err)
	}
	if st := r.lastDelivery(t); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	d := r.fake.Deliveries()
	upd := models.Update{ID: d[len(d)-1].UpdateID, Message: &models.Message{ID: 99, Date: 1, Text: "again", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat}}}
	if st, err := r.fake.PostWebhook(context.Background(), &upd, testSecret); err != nil || st != http.StatusOK {
		t.Fatalf("redelivery: %d, %v", st, err)
	}
	r.fake.Block(chat)
	r.fake.SendText(chat, "still there?")
	r.lastDelivery(t)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if want := []string{"text", "button", "duplicate", "text"}; !slices.Equal(rec.kinds, want) {
		t.Errorf("update kinds %v, want %v", rec.kinds, want)
	}
	if len(rec.steps) != 3 {
		t.Errorf("%d steps observed, want 3 (every handled update, not the duplicate)", len(rec.steps))
	}
	if len(rec.paced) < 2 || slices.ContainsFunc(rec.paced, func(c int64) bool { return c != chat }) {
		t.Errorf("paced calls %v: every call of a turn must go through Reply with its chat", rec.paced)
	}
}
