package metrics

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestWaitlistMetrics(t *testing.T) {
	m := New()
	m.WatchWaitlist(func(context.Context) (int, int, error) { return 4, 1, nil }, slog.New(slog.DiscardHandler))
	m.WaitJoined()
	m.WaitJoined()
	m.OfferMade()
	m.OfferMade()
	m.OfferDeclined()
	m.OfferExpired(true)
	m.OfferTaken(90 * time.Second)
	out := scrapeText(t, m)
	for _, want := range []string{
		`rantevou_waitlist_entries_total 2`,
		`rantevou_waitlist_offers_total{outcome="made"} 2`,
		`rantevou_waitlist_offers_total{outcome="declined"} 1`,
		`rantevou_waitlist_offers_total{outcome="expired"} 1`,
		`rantevou_waitlist_offers_total{outcome="dropped"} 1`,
		`rantevou_waitlist_offers_total{outcome="taken"} 1`,
		`rantevou_waitlist_rebook_seconds_bucket{le="120"} 1`,
		`rantevou_waitlist_rebook_seconds_count 1`,
		`rantevou_waitlist_waiting 4`,
		`rantevou_waitlist_offers_live 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
