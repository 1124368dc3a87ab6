package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/schedule"
)

// calls records the scheduler's jobs in the order it runs them.
type calls struct {
	mu    sync.Mutex
	order []string
	done  chan struct{}
}

func (c *calls) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order = append(c.order, s)
	if len(c.order) == 4 {
		close(c.done)
	}
}

func (c *calls) Claim(context.Context, string, booking.Date, []booking.Notification) (bool, error) {
	return false, nil
}
func (c *calls) ReleaseHolds(context.Context, time.Time) (int64, error) {
	c.add("holds")
	return 0, nil
}
func (c *calls) SweepWaitlist(context.Context) (int, int, error) { c.add("waitlist"); return 1, 1, nil }

// TestWaitlistEveryTick: every tick releases the holds that ran out, then
// runs the waiting list's job, so that a place released on a tick is
// offered on the same tick.
func TestWaitlistEveryTick(t *testing.T) {
	c := &calls{done: make(chan struct{})}
	s := schedule.New(schedule.Config{Catalog: booking.DefaultCatalog(), Holds: c, Waitlist: c, Tick: time.Millisecond,
		Now: func() time.Time { return time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC) }}, c)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-c.done; cancel() }()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want := []string{"holds", "waitlist", "holds", "waitlist"}
	for i, w := range want {
		if c.order[i] != w {
			t.Fatalf("jobs ran in the order %v, want %v", c.order[:4], want)
		}
	}
}
