package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// waitlist holds the waiting list's collectors: entries joined, offers by
// what became of them, and the time from a place being freed to its being
// booked again through an offer.
type waitlist struct {
	joined prometheus.Counter
	offers *prometheus.CounterVec
	rebook prometheus.Histogram
}

func newWaitlist(reg *prometheus.Registry) *waitlist {
	w := &waitlist{
		joined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rantevou_waitlist_entries_total",
			Help: "Citizens who joined the waiting list through this replica (a service, or an earlier time for a booking).",
		}),
		offers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rantevou_waitlist_offers_total",
			Help: "Waiting-list offers, by outcome: made, taken, declined, expired (dropped: expired, and the citizen taken off the list).",
		}, []string{"outcome"}),
		rebook: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rantevou_waitlist_rebook_seconds",
			Help:    "Time from a place being freed to its being booked by a citizen from the waiting list.",
			Buckets: []float64{30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400},
		}),
	}
	for _, o := range []string{"made", "taken", "declined", "expired", "dropped"} {
		w.offers.WithLabelValues(o) // every outcome shows, at 0, from the start
	}
	reg.MustRegister(w.joined, w.offers, w.rebook)
	return w
}

// The methods below make *Metrics a booking.WaitlistObserver
// (booking.Office.ObserveWaitlist).

// WaitJoined counts a citizen joining the waiting list.
func (m *Metrics) WaitJoined() { m.waitlist.joined.Inc() }

// OfferMade counts an offer made.
func (m *Metrics) OfferMade() { m.waitlist.offers.WithLabelValues("made").Inc() }

// OfferTaken counts an offer taken, sinceFreed after its place was freed.
func (m *Metrics) OfferTaken(sinceFreed time.Duration) {
	w := m.waitlist
	w.offers.WithLabelValues("taken").Inc()
	w.rebook.Observe(max(sinceFreed, 0).Seconds())
}

// OfferDeclined counts an offer turned down.
func (m *Metrics) OfferDeclined() { m.waitlist.offers.WithLabelValues("declined").Inc() }

// OfferExpired counts an offer that ran out, and dropped whether its
// citizen was taken off the list for it.
func (m *Metrics) OfferExpired(dropped bool) {
	w := m.waitlist
	w.offers.WithLabelValues("expired").Inc()
	if dropped {
		w.offers.WithLabelValues("dropped").Inc()
	}
}

// WaitingCount reads how many entries are on the waiting list now, and
// how many of them hold a live offer.
type WaitingCount func(ctx context.Context) (waiting, offered int, err error)

// WatchWaitlist registers gauges of the waiting list read at scrape time.
func (m *Metrics) WatchWaitlist(read WaitingCount, log *slog.Logger) {
	m.reg.MustRegister(&scrape{
		log: log,
		descs: []*prometheus.Desc{
			prometheus.NewDesc("rantevou_waitlist_waiting", "Entries on the waiting list (waiting or holding an offer).", nil, nil),
			prometheus.NewDesc("rantevou_waitlist_offers_live", "Offers holding a place for a citizen now.", nil, nil),
		},
		read: func(ctx context.Context) ([]float64, error) {
			w, o, err := read(ctx)
			return []float64{float64(w), float64(o)}, err
		},
	})
}
