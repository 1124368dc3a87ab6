package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything a run measured.
type Report struct {
	Started  time.Time `json:"started"`
	Label    string    `json:"label,omitempty"`
	Replicas int       `json:"replicas"`
	// MaxConnections is the bound on deliveries in flight, 0 for none.
	MaxConnections int `json:"max_connections,omitempty"`
	// Interleave is the longest turn of interleaved phases, in seconds; 0
	// when each phase ran whole, one after the other.
	Interleave float64 `json:"interleave_s,omitempty"`
	Catalog    string  `json:"catalog"`
	Seed       uint64  `json:"seed"`
	Duration   float64 `json:"phase_seconds"`
	Mix        Mix     `json:"mix"`
	LoadStart  float64 `json:"load_average_start"`
	LoadEnd    float64 `json:"load_average_end"`

	Phases []Phase       `json:"phases,omitempty"`
	Check  *CheckResult  `json:"check,omitempty"`
	Memory *MemoryResult `json:"memory,omitempty"`
	// Complaints counts the servers' warnings and errors by message.
	Complaints map[string]int `json:"server_complaints,omitempty"`
	Targets    []Target       `json:"targets,omitempty"`
}

// Phase is one bot at one number of citizens.
type Phase struct {
	Bot            string  `json:"bot"`
	Citizens       int     `json:"citizens"`
	Seconds        float64 `json:"seconds"`
	Steps          int64   `json:"steps"`
	StepsPerSec    float64 `json:"steps_per_s"`
	Bookings       int64   `json:"bookings"`
	BookingsPerSec float64 `json:"bookings_per_s"`
	Latency        Latency `json:"latency"`
	// ByKind is the latency of each kind of step ("tap ok", "name", …):
	// where the time goes.
	ByKind map[string]Latency `json:"latency_by_step,omitempty"`

	Errors        map[string]int64    `json:"errors,omitempty"`
	ErrorExamples map[string][]string `json:"error_examples,omitempty"`
	Outcomes      map[string]int64    `json:"outcomes,omitempty"`

	CPUPerStepMs        float64 `json:"server_cpu_ms_per_step"`
	ServerCPUPercent    float64 `json:"server_cpu_percent"`
	GeneratorCPUPercent float64 `json:"generator_cpu_percent"`
	// PostgreSQL's and Redis's processes, serving everyone on the machine.
	PostgresCPUPercent float64 `json:"postgres_cpu_percent"`
	RedisCPUPercent    float64 `json:"redis_cpu_percent"`
	PeakRSSMB          float64 `json:"peak_rss_mb"`
	// PeakSincePhaseStart is false when the kernel did not let the peak be
	// reset: PeakRSSMB is then the peak since the process started.
	PeakSincePhaseStart bool               `json:"peak_since_phase_start"`
	CallsPerStep        map[string]float64 `json:"calls_per_step,omitempty"`
	// DBPerStep is what PostgreSQL did per step for the run's database.
	DBPerStep map[string]float64 `json:"postgres_per_step,omitempty"`
	// RedisPerStep is what the Redis server did per step, for every
	// client on the machine (parseRedisStats).
	RedisPerStep map[string]float64 `json:"redis_per_step,omitempty"`
	Calls        Counters           `json:"fake_counters"`
	LoadAverage  float64            `json:"load_average"`
}

// WholeCPUPerStepMs is the CPU one step cost the whole machine: the
// server's, PostgreSQL's, Redis's and the generator's in the phase, per
// step. On a saturated machine the ratio of two bots' steps/s is the
// inverse ratio of these, and it moves less with the neighbours than
// steps/s do (PostgreSQL's and Redis's figures include any other client
// of theirs on the machine).
func (p Phase) WholeCPUPerStepMs() float64 {
	if p.StepsPerSec <= 0 {
		return 0
	}
	pct := p.ServerCPUPercent + p.GeneratorCPUPercent + p.PostgresCPUPercent + p.RedisCPUPercent
	return pct / 100 * 1000 / p.StepsPerSec
}

func (p Phase) errorCount() int64 {
	var n int64
	for _, v := range p.Errors {
		n += v
	}
	return n
}

// Target is one of the targets and whether the run met it.
type Target struct {
	What     string `json:"what"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

func (r *Report) phase(bot string, n int) (Phase, bool) {
	for _, p := range r.Phases {
		if p.Bot == bot && p.Citizens == n {
			return p, true
		}
	}
	return Phase{}, false
}

// pairs returns the phases at n citizens, each rantevou phase with the
// floor phase that ran right after it (Run runs them so). A run with
// -citizens 200,200,200 measures three such pairs: the machine's speed
// drifts from one phase to the next by more than the difference being
// measured, and a pair of neighbours sees the same machine.
func (r *Report) pairs(n int) [][2]Phase {
	var rv, fl []Phase
	for _, p := range r.Phases {
		switch {
		case p.Citizens != n:
		case p.Bot == BotRantevou:
			rv = append(rv, p)
		case p.Bot == BotFloor:
			fl = append(fl, p)
		}
	}
	out := make([][2]Phase, min(len(rv), len(fl)))
	for i := range out {
		out[i] = [2]Phase{rv[i], fl[i]}
	}
	return out
}

// median returns the median of xs (the mean of the middle two of an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func targets(r *Report) []Target {
	var out []Target
	if pairs := r.pairs(200); len(pairs) == 1 {
		rv, fl := pairs[0][0], pairs[0][1]
		out = append(out,
			Target{"200 citizens: steps/s ≥ 0.5 × floor", fmt.Sprintf("%.1f vs floor %.1f (%.2f×); whole-step CPU %.2fms vs %.2fms (%.2f×)",
				rv.StepsPerSec, fl.StepsPerSec, ratio(rv.StepsPerSec, fl.StepsPerSec),
				rv.WholeCPUPerStepMs(), fl.WholeCPUPerStepMs(), ratio(fl.WholeCPUPerStepMs(), rv.WholeCPUPerStepMs())),
				rv.StepsPerSec >= 0.5*fl.StepsPerSec},
			Target{"200 citizens: p99 ≤ 2 × floor p99", fmt.Sprintf("%s vs floor %s (%.1f×)", fmtMS(rv.Latency.P99), fmtMS(fl.Latency.P99), ratio(rv.Latency.P99, fl.Latency.P99)),
				rv.Latency.P99 <= 2*fl.Latency.P99})
	} else if len(pairs) > 1 {
		// Judged on the median pair, each pair's ratio listed.
		var steps, p99s []float64
		var stepsList, p99List []string
		for _, pr := range pairs {
			rv, fl := pr[0], pr[1]
			steps = append(steps, ratio(rv.StepsPerSec, fl.StepsPerSec))
			p99s = append(p99s, ratio(rv.Latency.P99, fl.Latency.P99))
			stepsList = append(stepsList, fmt.Sprintf("%.2f", steps[len(steps)-1]))
			p99List = append(p99List, fmt.Sprintf("%.1f", p99s[len(p99s)-1]))
		}
		ms, mp := median(steps), median(p99s)
		out = append(out,
			Target{"200 citizens: steps/s ≥ 0.5 × floor", fmt.Sprintf("median of %d pairs %.2f× (each: %s)",
				len(pairs), ms, strings.Join(stepsList, ", ")), ms >= 0.5},
			Target{"200 citizens: p99 ≤ 2 × floor p99", fmt.Sprintf("median of %d pairs %.1f× (each: %s)",
				len(pairs), mp, strings.Join(p99List, ", ")), mp <= 2})
	}
	var bookings []float64
	for _, p := range r.Phases {
		if p.Bot == BotRantevou && p.Citizens == 200 {
			bookings = append(bookings, p.BookingsPerSec)
		}
	}
	if len(bookings) > 0 {
		b, of := median(bookings), ""
		if len(bookings) > 1 {
			of = fmt.Sprintf(" (median of %d phases)", len(bookings))
		}
		out = append(out, Target{"200 citizens: ≥ 150 bookings/s", fmt.Sprintf("%.1f/s%s", b, of), b >= 150})
	}
	if rv, ok := r.phase(BotRantevou, 1); ok {
		out = append(out, Target{"1 citizen: median step < 2 ms", fmtMS(rv.Latency.P50), rv.Latency.P50 < 2 && rv.Steps > 0})
	}
	if m := r.Memory; m != nil {
		out = append(out, Target{fmt.Sprintf("%d open conversations: RSS < 150 MB", m.Conversations),
			fmt.Sprintf("%.1f MB (peak %.1f MB)", m.RSSMB, m.PeakRSSMB), m.PeakRSSMB < 150})
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Print writes the report as plain tables.
func (r *Report) Print(w io.Writer) {
	label := ""
	if r.Label != "" {
		label = r.Label + " · "
	}
	phases := ""
	if len(r.Phases) > 0 {
		phases = fmt.Sprintf(" · %.0f s per phase", r.Duration)
		if r.Interleave > 0 {
			phases += fmt.Sprintf(", rantevou and floor in turns of ≤ %g s", r.Interleave)
		}
	}
	conns := ""
	if r.MaxConnections > 0 {
		conns = fmt.Sprintf(" · ≤ %d webhook connections", r.MaxConnections)
	}
	fmt.Fprintf(w, "rantevou load test · %s%s · %d replica(s)%s · catalog %s%s · seed %d · load average %.2f → %.2f\n\n",
		label, r.Started.Format(time.RFC3339), r.Replicas, conns, r.Catalog, phases, r.Seed, r.LoadStart, r.LoadEnd)
	if len(r.Phases) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "bot\tcitizens\tsteps/s\tbookings/s\tp50\tp90\tp99\tmax\tcpu/step\tserver cpu\tpeak RSS\terrors\tload\t")
		for _, p := range r.Phases {
			bookings := fmt.Sprintf("%.1f", p.BookingsPerSec)
			if p.Bot == BotFloor {
				bookings = "–"
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%.2fms\t%.0f%%\t%.1fMB\t%d\t%.1f\t\n",
				p.Bot, p.Citizens, p.StepsPerSec, bookings, fmtMS(p.Latency.P50), fmtMS(p.Latency.P90),
				fmtMS(p.Latency.P99), fmtMS(p.Latency.Max), p.CPUPerStepMs, p.ServerCPUPercent, p.PeakRSSMB,
				p.errorCount(), p.LoadAverage)
		}
		tw.Flush()
		fmt.Fprintln(w)
		for _, p := range r.Phases {
			fmt.Fprintf(w, "%s × %d: %d steps; cpu: generator %.0f%%, PostgreSQL %.0f%%, Redis %.0f%% (all their clients); whole step %.2fms of CPU\n",
				p.Bot, p.Citizens, p.Steps, p.GeneratorCPUPercent, p.PostgresCPUPercent, p.RedisCPUPercent, p.WholeCPUPerStepMs())
			if p.Bot == BotRantevou && len(p.ByKind) > 0 {
				fmt.Fprintf(w, "  slowest steps by p99: %s\n", slowest(p.ByKind, 6))
			}
			// The methods carried in webhook answers are counted in
			// these too: each is a call Telegram makes for the bot.
			fmt.Fprintf(w, "  Bot API methods per step (calls and carried): %s\n", formatFloats(p.CallsPerStep))
			if len(p.DBPerStep) > 0 {
				fmt.Fprintf(w, "  PostgreSQL per step: %s\n", formatFloats(p.DBPerStep))
			}
			if len(p.RedisPerStep) > 0 {
				fmt.Fprintf(w, "  Redis per step (the whole server): %s\n", formatFloats(p.RedisPerStep))
			}
			if len(p.Calls.InReply) > 0 {
				fmt.Fprintf(w, "  carried in webhook answers: %s\n", formatInts(p.Calls.InReply))
			}
			fmt.Fprintf(w, "  webhook answers: %s\n", formatInts(p.Calls.Webhook))
			if len(p.Calls.APIErrors) > 0 {
				fmt.Fprintf(w, "  fake API error answers: %s\n", formatInts(p.Calls.APIErrors))
			}
			if len(p.Errors) > 0 {
				fmt.Fprintf(w, "  errors: %s\n", formatInts(p.Errors))
				for _, k := range sortedKeys(p.ErrorExamples) {
					for _, s := range p.ErrorExamples[k] {
						fmt.Fprintf(w, "    %s: %s\n", k, s)
					}
				}
			}
			if len(p.Outcomes) > 0 {
				fmt.Fprintf(w, "  mix (whole phase): %s\n", formatInts(p.Outcomes))
			}
		}
		fmt.Fprintln(w)
	}
	if m := r.Memory; m != nil {
		m.print(w)
		fmt.Fprintln(w)
	}
	if c := r.Check; c != nil {
		fmt.Fprintf(w, "PostgreSQL check: %d bookings (%d active, %d cancelled); %d citizens confirmed, %d told a reference, %d verified as told (%d moved, %d cancelled), %d without an answer to their last booking step\n",
			c.Bookings, c.Active, c.Cancelled, c.Citizens, c.Told, c.Verified, c.Moved, c.Cancels, c.Uncertain)
		fmt.Fprintf(w, "  outbox: %d delivered, %d due and waiting, %d scheduled (reminders), %d parked\n",
			c.Outbox.Delivered, c.Outbox.Due, c.Outbox.Scheduled, c.Outbox.Parked)
		if c.OK() {
			fmt.Fprintln(w, "  OK: no booking lost, duplicated or overlapping; every citizen was told the truth")
		} else {
			fmt.Fprintf(w, "  VIOLATIONS: %s\n", formatInts(c.Violations))
			for _, e := range c.Examples {
				fmt.Fprintf(w, "    %s\n", e)
			}
		}
		fmt.Fprintln(w)
	}
	if len(r.Complaints) > 0 {
		fmt.Fprintln(w, "server warnings and errors (by message):")
		keys := sortedKeys(r.Complaints)
		sort.SliceStable(keys, func(i, j int) bool { return r.Complaints[keys[i]] > r.Complaints[keys[j]] })
		for i, k := range keys {
			if i == 15 {
				fmt.Fprintf(w, "  … %d more kinds\n", len(keys)-i)
				break
			}
			fmt.Fprintf(w, "  %6d  %s\n", r.Complaints[k], k)
		}
		fmt.Fprintln(w)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "targets:")
		for _, t := range r.Targets {
			mark := "MISSED"
			if t.Met {
				mark = "met"
			}
			fmt.Fprintf(w, "  %-6s  %s: %s\n", mark, t.What, t.Measured)
		}
	}
}

// slowest lists the n kinds of step with the highest p99.
func slowest(byKind map[string]Latency, n int) string {
	keys := sortedKeys(byKind)
	sort.SliceStable(keys, func(i, j int) bool { return byKind[keys[i]].P99 > byKind[keys[j]].P99 })
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		l := byKind[k]
		parts = append(parts, fmt.Sprintf("%s %s/%s (%d)", k, fmtMS(l.P50), fmtMS(l.P99), l.Steps))
	}
	return strings.Join(parts, ", ") + " [p50/p99 (steps)]"
}

func formatInts[V int | int64](m map[string]V) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func formatFloats(m map[string]float64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
