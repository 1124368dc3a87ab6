// Package metrics owns the Prometheus metrics of rantevou. Adapters report
// through the small methods here; figures that live in the databases (outbox
// depth and age, active sessions) are read when Prometheus scrapes, so that
// every replica reports the same truth.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors on their own registry.
type Metrics struct {
	reg       *prometheus.Registry
	updates   *prometheus.CounterVec
	step      prometheus.Histogram
	bookings  *prometheus.CounterVec
	apiErrors *prometheus.CounterVec
	waitlist  *waitlist // waitlist.go
}

// New returns a fresh set of collectors, with the Go runtime and process
// collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rantevou_telegram_updates_total",
			Help: "Telegram updates received, by kind (message, command, callback, contact, duplicate).",
		}, []string{"kind"}),
		step: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rantevou_conversation_step_seconds",
			Help:    "Time to handle one citizen update: session load, dialog step, effects, session save.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rantevou_bookings_total",
			Help: "Booking changes made by this replica, by action (created, rescheduled, cancelled, attended, no_show).",
		}, []string{"action"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rantevou_api_errors_total",
			Help: "Errors from the Telegram and Slack APIs, by api and kind (rate_limited, blocked, other).",
		}, []string{"api", "kind"}),
	}
	m.reg.MustRegister(m.updates, m.step, m.bookings, m.apiErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.waitlist = newWaitlist(m.reg)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Update counts one Telegram update of kind.
func (m *Metrics) Update(kind string) { m.updates.WithLabelValues(kind).Inc() }

// Step records how long one conversation step took.
func (m *Metrics) Step(d time.Duration) { m.step.Observe(d.Seconds()) }

// Booking counts n booking changes of one action (booking.Office.Observe).
func (m *Metrics) Booking(action string, n int) { m.bookings.WithLabelValues(action).Add(float64(n)) }

// APIError counts one failed call to api ("telegram" or "slack").
func (m *Metrics) APIError(api, kind string) { m.apiErrors.WithLabelValues(api, kind).Inc() }

// CountFunc registers a counter kept by an adapter itself (the outbox
// worker's, say), read at scrape time.
func (m *Metrics) CountFunc(name, help string, labels prometheus.Labels, read func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, read))
}

// OutboxStats reads the outbox: rows waiting, rows parked, and the age of
// the oldest waiting row.
type OutboxStats func(ctx context.Context) (pending, parked int, oldest time.Duration, err error)

// SessionCount reads how many conversations are active now.
type SessionCount func(ctx context.Context) (int, error)

// WatchOutbox registers gauges read from the outbox at scrape time.
func (m *Metrics) WatchOutbox(read OutboxStats, log *slog.Logger) {
	m.reg.MustRegister(&scrape{
		log: log,
		descs: []*prometheus.Desc{
			prometheus.NewDesc("rantevou_outbox_pending", "Notifications waiting to be delivered.", nil, nil),
			prometheus.NewDesc("rantevou_outbox_parked", "Notifications that kept failing and were set aside.", nil, nil),
			prometheus.NewDesc("rantevou_outbox_oldest_seconds", "Age of the oldest notification waiting past its due time.", nil, nil),
		},
		read: func(ctx context.Context) ([]float64, error) {
			pending, parked, oldest, err := read(ctx)
			return []float64{float64(pending), float64(parked), oldest.Seconds()}, err
		},
	})
}

// WatchSessions registers a gauge of active conversations read at scrape time.
func (m *Metrics) WatchSessions(read SessionCount, log *slog.Logger) {
	m.reg.MustRegister(&scrape{
		log:   log,
		descs: []*prometheus.Desc{prometheus.NewDesc("rantevou_sessions_active", "Conversations with a live session.", nil, nil)},
		read: func(ctx context.Context) ([]float64, error) {
			n, err := read(ctx)
			return []float64{float64(n)}, err
		},
	})
}

// scrape is a collector whose gauges are read from a database when scraped.
type scrape struct {
	log   *slog.Logger
	descs []*prometheus.Desc
	read  func(ctx context.Context) ([]float64, error)
}

func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range s.descs {
		ch <- d
	}
}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	vals, err := s.read(ctx)
	if err != nil {
		// A scrape without these gauges is better than a failed scrape.
		s.log.Warn("metrics: read gauges", "err", err)
		return
	}
	for i, d := range s.descs {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, vals[i])
	}
}
