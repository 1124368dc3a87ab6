package redis

import (
	"context"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// batcher sends the commands of concurrent callers together, in one
// pipeline per round trip: while one pipeline is on its way, the commands
// queued meanwhile wait for the next, which leaves as soon as the first is
// answered. A caller alone waits for nothing more than its own round trip;
// two hundred citizens' steps share a few.
//
// Why: every round trip costs a write and a read system call on both ends,
// and at a few commands per step those calls, not the commands, were most
// of Redis's CPU and a seventh of the server's. Each caller still gets its
// own commands' answers and errors; what changes is only that its commands
// travel with others'. Commands of one caller keep their order, and no
// caller's commands are split between two pipelines.
type batcher struct {
	client goredis.UniversalClient

	mu       sync.Mutex
	open     *batch // the batch being filled, nil when none
	flushing bool
}

type batch struct {
	p    goredis.Pipeliner
	cmds []goredis.Cmder // the answered commands, once done is closed
	done chan struct{}
}

func newBatcher(client goredis.UniversalClient) *batcher {
	return &batcher{client: client}
}

// do queues the caller's commands (queue adds them to p and keeps them to
// read their answers), waits for them to be answered, and returns the first
// error among them, as Pipelined does. When ctx ends first, it returns
// ctx's error; the commands may still be carried out.
func (b *batcher) do(ctx context.Context, queue func(p goredis.Pipeliner)) error {
	b.mu.Lock()
	if b.open == nil {
		b.open = &batch{p: b.client.Pipeline(), done: make(chan struct{})}
	}
	bt := b.open
	from := bt.p.Len()
	queue(bt.p)
	to := bt.p.Len()
	if !b.flushing {
		b.flushing = true
		go b.flush()
	}
	b.mu.Unlock()
	select {
	case <-bt.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, c := range bt.cmds[from:to] {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// flush sends the open batch, and the next, until none is left.
func (b *batcher) flush() {
	for {
		b.mu.Lock()
		bt := b.open
		b.open = nil
		if bt == nil {
			b.flushing = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		// Detached: the batch carries many callers, and each one's own
		// deadline only bounds its wait (the client's read and write
		// timeouts bound the trip).
		cmds, _ := bt.p.Exec(context.Background())
		bt.cmds = cmds
		close(bt.done)
	}
}
