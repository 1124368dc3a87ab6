package loadtest

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestGate holds a step at a closed gate until it opens, and a drain until
// the step under way has left.
func TestGate(t *testing.T) {
	g := newGate(false)
	entered := make(chan struct{})
	release := make(chan struct{})
	go func() {
		g.enter()
		close(entered)
		<-release
		g.leave()
	}()
	select {
	case <-entered:
		t.Fatal("a step started at a closed gate")
	case <-time.After(50 * time.Millisecond):
	}
	g.set(true)
	<-entered
	g.set(false)

	drained := make(chan struct{})
	go func() { g.drain(); close(drained) }()
	select {
	case <-drained:
		t.Fatal("drained with a step under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-drained
}

// TestRunInterleaved runs both bots in turns and requires each to have
// had its measured time, in turns that never overlap: no step of one bot
// is under way while the other's gate is open.
func TestRunInterleaved(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg.Interleave = 500 * time.Millisecond
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("report:\n%s", out.String())
	if !strings.Contains(out.String(), "in turns of ≤ 0.5 s") {
		t.Errorf("the report does not say the bots took turns")
	}
	if len(rep.Phases) != 2 || rep.Phases[0].Bot != BotRantevou || rep.Phases[1].Bot != BotFloor {
		t.Fatalf("phases %+v, want rantevou then floor", rep.Phases)
	}
	for _, p := range rep.Phases {
		// Each turn is its share of the duration plus the drain of the
		// steps it started.
		if p.Seconds < cfg.Duration.Seconds() || p.Steps == 0 {
			t.Errorf("%s: %.2f s measured, %d steps; want at least %s and some steps", p.Bot, p.Seconds, p.Steps, cfg.Duration)
		}
		if p.Errors[errTimeout] > 0 || p.Errors[errUnanswered] > 0 || p.Errors[errTwice] > 0 {
			t.Errorf("%s: errors %v (%v)", p.Bot, p.Errors, p.ErrorExamples)
		}
	}
	if c := rep.Check; c == nil || !c.OK() || c.Told == 0 {
		t.Fatalf("PostgreSQL check: %+v", c)
	}
}

// TestTurnsDoNotOverlap drives two gates as interleaved does and counts,
// from inside the steps, any step of one crowd under way while the other's
// gate is open.
func TestTurnsDoNotOverlap(t *testing.T) {
	gates := [2]*gate{newGate(false), newGate(false)}
	var open [2]atomic.Bool
	var overlaps, steps atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	for k := range 2 {
		for range 8 {
			go func() {
				for {
					select {
					case <-stop:
						done <- struct{}{}
						return
					default:
					}
					gates[k].enter()
					steps.Add(1)
					if open[1-k].Load() {
						overlaps.Add(1)
					}
					time.Sleep(time.Millisecond)
					if open[1-k].Load() {
						overlaps.Add(1)
					}
					gates[k].leave()
				}
			}()
		}
	}
	for range 20 {
		for k := range 2 {
			open[k].Store(true)
			gates[k].set(true)
			time.Sleep(5 * time.Millisecond)
			gates[k].set(false)
			gates[k].drain()
			open[k].Store(false)
		}
	}
	close(stop)
	for k := range gates {
		gates[k].set(true)
	}
	for range 16 {
		<-done
	}
	if steps.Load() == 0 {
		t.Fatal("no step ran")
	}
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("%d steps under way during the other crowd's turn", n)
	}
}
