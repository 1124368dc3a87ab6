package loadtest

import (
	"strings"
	"testing"
)

// TestTargetsOfPairs: with several phases of 200 citizens, each rantevou
// phase is compared with the floor phase after it, and the targets are
// judged on the median pair, not on one lucky or unlucky neighbour.
func TestTargetsOfPairs(t *testing.T) {
	phase := func(bot string, stepsPerSec, p99, bookingsPerSec float64) Phase {
		return Phase{Bot: bot, Citizens: 200, StepsPerSec: stepsPerSec, BookingsPerSec: bookingsPerSec, Latency: Latency{P99: p99}}
	}
	verdicts := func(r *Report) map[string]Target {
		out := map[string]Target{}
		for _, tg := range targets(r) {
			out[tg.What] = tg
		}
		return out
	}
	const steps, p99, bookings = "200 citizens: steps/s ≥ 0.5 × floor", "200 citizens: p99 ≤ 2 × floor p99", "200 citizens: ≥ 150 bookings/s"

	// Ratios 0.40, 0.55, 0.60 (median 0.55) and 2.5×, 1.8×, 1.9× (median 1.9×).
	r := &Report{Phases: []Phase{
		phase(BotRantevou, 2000, 250, 140), phase(BotFloor, 5000, 100, 0),
		phase(BotRantevou, 2750, 180, 250), phase(BotFloor, 5000, 100, 0),
		phase(BotRantevou, 3000, 190, 260), phase(BotFloor, 5000, 100, 0),
	}}
	got := verdicts(r)
	if tg := got[steps]; !tg.Met || !strings.Contains(tg.Measured, "median of 3 pairs 0.55×") || !strings.Contains(tg.Measured, "0.40, 0.55, 0.60") {
		t.Errorf("steps: %+v", tg)
	}
	if tg := got[p99]; !tg.Met || !strings.Contains(tg.Measured, "median of 3 pairs 1.9×") {
		t.Errorf("p99: %+v", tg)
	}
	if tg := got[bookings]; !tg.Met || !strings.Contains(tg.Measured, "250.0/s (median of 3 phases)") {
		t.Errorf("bookings: %+v", tg)
	}

	// The median pair missing the target misses it, whatever the best pair did.
	r.Phases[2].StepsPerSec, r.Phases[4].StepsPerSec = 2400, 2300
	if tg := verdicts(r)[steps]; tg.Met {
		t.Errorf("median 0.46× met: %+v", tg)
	}

	// One pair: judged on it alone, as a single run always was.
	one := &Report{Phases: []Phase{phase(BotRantevou, 2600, 150, 200), phase(BotFloor, 5000, 70, 0)}}
	got = verdicts(one)
	if tg := got[steps]; !tg.Met || !strings.Contains(tg.Measured, "2600.0 vs floor 5000.0 (0.52×)") {
		t.Errorf("one pair, steps: %+v", tg)
	}
	if tg := got[p99]; tg.Met {
		t.Errorf("one pair, p99 2.1× met: %+v", tg)
	}

	// Without the floor (-no-floor) only the bookings are judged.
	alone := &Report{Phases: []Phase{phase(BotRantevou, 2600, 150, 200)}}
	got = verdicts(alone)
	if _, ok := got[steps]; ok {
		t.Error("a ratio judged without the floor")
	}
	if tg := got[bookings]; !tg.Met {
		t.Errorf("alone, bookings: %+v", tg)
	}
}

// TestReportNamesTheConnectionBound: a run delivered through at most N
// webhook connections says so in its printed report and in its plot,
// and one without the bound says nothing of it.
func TestReportNamesTheConnectionBound(t *testing.T) {
	r := &Report{Replicas: 1, Catalog: "load", Duration: 10}
	var printed strings.Builder
	r.Print(&printed)
	if strings.Contains(printed.String(), "webhook connections") || strings.Contains(r.plotSVG(), "webhook connections") {
		t.Fatalf("a run without the bound names one:\n%s", printed.String())
	}
	r.MaxConnections = 40
	printed.Reset()
	r.Print(&printed)
	if !strings.Contains(printed.String(), "≤ 40 webhook connections") {
		t.Fatalf("the printed report does not name the bound:\n%s", printed.String())
	}
	if !strings.Contains(r.plotSVG(), "≤ 40 webhook connections") {
		t.Fatal("the plot does not name the bound")
	}
}

func TestParseRedisStats(t *testing.T) {
	info := "# Stats\r\ntotal_connections_received:12\r\ntotal_commands_processed:4210\r\ninstantaneous_ops_per_sec:3\r\ntotal_reads_processed:977\r\ntotal_writes_processed:960\r\n"
	got := parseRedisStats(info)
	if got["commands"] != 4210 || got["round trips"] != 977 || len(got) != 2 {
		t.Errorf("parseRedisStats = %v, want commands 4210 and round trips 977", got)
	}
	// A server that does not count its reads (before Redis 6) reports none.
	if got := parseRedisStats("# Stats\r\ntotal_commands_processed:4210\r\n"); got != nil {
		t.Errorf("without total_reads_processed: %v, want nil", got)
	}
	if got := parseRedisStats("total_commands_processed:many\r\ntotal_reads_processed:1\r\n"); got != nil {
		t.Errorf("with an unreadable count: %v, want nil", got)
	}
}
