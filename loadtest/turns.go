package loadtest

import (
	"context"
	"sync"
)

// A machine shared with other work runs faster and slower by the minute:
// on the project's 2-core machine the floor bot's steps/s moved by a third
// between runs a minute apart, so a rantevou phase and the floor phase
// measured after it could each meet a different machine, and one run's
// ratio of the two said little. Interleaved phases (Config.Interleave)
// take turns instead: both crowds are started, and each bot's citizens
// step only during its bot's turns, a few seconds each, alternating until
// each has had its measured duration. Whatever the machine does in those
// seconds it does to both.
//
// A turn ends with the steps it started: its gate closes, the steps under
// way finish (their time is the turn's), and only then does the other
// bot's gate open, so that no step of one bot runs in the other's turn.

// gate lets a crowd's steps start only while it is open, and counts the
// steps under way so that a turn can wait for them.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	open     bool
	underWay int
}

func newGate(open bool) *gate {
	g := &gate{open: open}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter waits until the gate is open and counts a step under way; leave
// ends it.
func (g *gate) enter() {
	g.mu.Lock()
	for !g.open {
		g.cond.Wait()
	}
	g.underWay++
	g.mu.Unlock()
}

func (g *gate) leave() {
	g.mu.Lock()
	g.underWay--
	if g.underWay == 0 {
		g.cond.Broadcast()
	}
	g.mu.Unlock()
}

// set opens or closes the gate; closing it lets the steps under way go on.
func (g *gate) set(open bool) {
	g.mu.Lock()
	g.open = open
	g.cond.Broadcast()
	g.mu.Unlock()
}

// drain waits until no step is under way. Each step is bounded by the
// step timeout, so it ends.
func (g *gate) drain() {
	g.mu.Lock()
	for g.underWay > 0 {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// interleaved measures rantevou and the floor bot with n citizens each, in
// turns of at most cfg.Interleave until each has had cfg.Duration, after a
// warm-up of each; it returns rantevou's phase, then the floor's.
func (r *runner) interleaved(ctx context.Context, n int) ([]Phase, error) {
	rv, err := r.start(ctx, BotRantevou, n, false)
	if err != nil {
		return nil, err
	}
	fl, err := r.start(ctx, BotFloor, n, false)
	if err != nil {
		r.finish(ctx, rv)
		return nil, err
	}
	crowds := []*crowdRun{rv, fl}
	r.progress("rantevou and floor with %d citizens each: %s warm-up each, then turns of %s until each has had %s",
		n, r.cfg.Warmup, r.cfg.Interleave, r.cfg.Duration)
	for _, c := range crowds {
		c.g.set(true)
		sleepCtx(ctx, r.cfg.Warmup)
		c.g.set(false)
		c.g.drain()
	}
	r.analyze(ctx)
	r.dbStats0(ctx, rv)
	for ctx.Err() == nil && (rv.m.elapsed < r.cfg.Duration || fl.m.elapsed < r.cfg.Duration) {
		for _, c := range crowds {
			if left := r.cfg.Duration - c.m.elapsed; left > 0 {
				r.measure(ctx, c, min(left, r.cfg.Interleave), true)
			}
		}
	}
	r.dbStats1(ctx, rv)
	var phases []Phase
	for _, c := range crowds {
		p, err := r.finish(ctx, c)
		if err != nil {
			return nil, err
		}
		phases = append(phases, p)
	}
	return phases, nil
}

// openOnEnd opens g when ctx ends, so that no citizen waits at a closed
// gate for a run that was stopped.
func openOnEnd(ctx context.Context, g *gate) (stop func() bool) {
	return context.AfterFunc(ctx, func() { g.set(true) })
}
