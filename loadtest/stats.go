package loadtest

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of step errors.
const (
	errTimeout     = "timeout"
	errTransport   = "transport error"
	errUnexpected  = "unexpected screen"
	errMissing     = "missing buttons"
	errUnanswered  = "callback not answered"
	errTwice       = "callback answered twice"
	errStale       = "tap refused as stale"
	errNoScreen    = "no new screen"
	errRedelivered = "redelivery had an effect"
)

// maxSamples is how many examples of each error kind are kept for the
// report: enough to see what went wrong, not a log.
const maxSamples = 3

// window says whether steps ending now are measured.
type window struct{ on atomic.Bool }

// tally is one citizen goroutine's figures, merged into the phase's at the
// end so that steps do not contend on a lock.
type tally struct {
	w        *window
	lat      []time.Duration
	byKind   map[string][]time.Duration
	bookings int64
	errors   map[string]int64
	outcomes map[string]int64
	samples  map[string][]string
}

func newTally(w *window) *tally {
	return &tally{w: w, byKind: map[string][]time.Duration{}, errors: map[string]int64{}, outcomes: map[string]int64{}, samples: map[string][]string{}}
}

// step records the latency of one step of kind if it ended inside the
// window.
func (t *tally) step(kind string, d time.Duration) {
	if !t.w.on.Load() {
		return
	}
	t.lat = append(t.lat, d)
	t.byKind[kind] = append(t.byKind[kind], d)
}

// fail counts an error of kind with an example, inside the window only: the
// warm-up and the drain are not the measured run.
func (t *tally) fail(kind, sample string) {
	if !t.w.on.Load() {
		return
	}
	t.errors[kind]++
	if len(t.samples[kind]) < maxSamples && sample != "" {
		t.samples[kind] = append(t.samples[kind], clipText(sample, 160))
	}
}

// note counts something that happened (slot taken, double tap, …),
// whether or not inside the window: these describe the run's mix.
func (t *tally) note(what string) { t.outcomes[what]++ }

func (t *tally) booked() {
	if t.w.on.Load() {
		t.bookings++
	}
}

// phaseTally merges the tallies of one phase.
type phaseTally struct {
	mu       sync.Mutex
	lat      []time.Duration
	byKind   map[string][]time.Duration
	bookings int64
	errors   map[string]int64
	outcomes map[string]int64
	samples  map[string][]string
}

func (p *phaseTally) merge(t *tally) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errors == nil {
		p.errors, p.outcomes, p.samples = map[string]int64{}, map[string]int64{}, map[string][]string{}
		p.byKind = map[string][]time.Duration{}
	}
	p.lat = append(p.lat, t.lat...)
	for k, v := range t.byKind {
		p.byKind[k] = append(p.byKind[k], v...)
	}
	p.bookings += t.bookings
	for k, v := range t.errors {
		p.errors[k] += v
	}
	for k, v := range t.outcomes {
		p.outcomes[k] += v
	}
	for k, v := range t.samples {
		for _, s := range v {
			if len(p.samples[k]) < maxSamples {
				p.samples[k] = append(p.samples[k], s)
			}
		}
	}
}

// Latency is a distribution of step latencies in milliseconds.
type Latency struct {
	Steps int64   `json:"steps,omitempty"` // set per kind of step
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func latencyOf(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		// Nearest rank: the smallest latency at least p of the steps had.
		i := int(p*float64(len(ds))+0.999999) - 1
		i = min(max(i, 0), len(ds)-1)
		return ms(ds[i])
	}
	return Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(ds[len(ds)-1])}
}

// kindLatencies returns the latency of each kind of step.
func kindLatencies(byKind map[string][]time.Duration) map[string]Latency {
	out := make(map[string]Latency, len(byKind))
	for k, ds := range byKind {
		l := latencyOf(ds)
		l.Steps = int64(len(ds))
		out[k] = l
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sortedKeys returns m's keys in order, for stable reports.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clipText shortens s to n runes on one line, for samples in a report.
func clipText(s string, n int) string { return clip(s, n, n-1) }

// clipMiddle is clipText keeping both ends: a third from the start, the
// rest from the end (where a wrapped error has its cause).
func clipMiddle(s string, n int) string { return clip(s, n, n/3) }

// clip puts s on one line and, when longer than n runes, keeps head runes
// of its start and the rest of the n from its end, with "…" between.
func clip(s string, n, head int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:head]) + "…" + string(r[len(r)-(n-head-1):])
	}
	return s
}
