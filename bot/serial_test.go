package bot

import (
	"runtime"
	"sync"
	"testing"
)

func TestChatQueues(t *testing.T) {
	t.Run("OneChatInOrder", func(t *testing.T) {
		q := newChatQueues()
		var mu sync.Mutex
		var got []int
		for i := range 50 {
			q.Do(1, func() {
				mu.Lock()
				got = append(got, i)
				mu.Unlock()
			})
		}
		q.Wait()
		for i, v := range got {
			if v != i {
				t.Fatalf("job %d ran at position %d", v, i)
			}
		}
		if len(got) != 50 {
			t.Fatalf("%d jobs ran, want 50", len(got))
		}
	})
	t.Run("ChatsInParallel", func(t *testing.T) {
		q := newChatQueues()
		release := make(chan struct{})
		q.Do(1, func() { <-release }) // chat 1 is stuck
		ran := make(chan struct{})
		q.Do(2, func() { close(ran) })
		<-ran // chat 2 was not held up by chat 1
		close(release)
		q.Wait()
	})
	t.Run("FullQueueRefuses", func(t *testing.T) {
		q := newChatQueues()
		release := make(chan struct{})
		q.Do(3, func() { <-release })
		// The first job may or may not have left the queue yet; fill it.
		n := 0
		for q.Do(3, func() {}) {
			n++
			if n > 2*maxPending {
				t.Fatal("the queue never filled up")
			}
		}
		if n < maxPending-1 {
			t.Fatalf("refused after %d jobs", n)
		}
		close(release)
		q.Wait()
	})
}

func TestChatQueuesRun(t *testing.T) {
	t.Run("RunsInlineWhenIdle", func(t *testing.T) {
		q := newChatQueues()
		ran := false
		if !q.Run(1, func() { ran = true }) {
			t.Fatal("refused")
		}
		if !ran {
			t.Fatal("the job did not run before Run returned")
		}
		q.Wait()
	})
	t.Run("PanickingJobFreesTheChat", func(t *testing.T) {
		q := newChatQueues()
		func() {
			defer func() { _ = recover() }()
			q.Run(1, func() { panic("boom") })
		}()
		ran := false
		if !q.Run(1, func() { ran = true }) || !ran {
			t.Fatal("after a job that panicked the chat's next job did not run inline: the chat stayed marked running")
		}
		q.Wait() // would hang if the panicked job were still counted
	})
	t.Run("QueuesBehindABusyChat", func(t *testing.T) {
		q := newChatQueues()
		release := make(chan struct{})
		started := make(chan struct{})
		go q.Run(1, func() { close(started); <-release })
		<-started
		var mu sync.Mutex
		var got []int
		for i := range 10 {
			q.Run(1, func() {
				mu.Lock()
				got = append(got, i)
				mu.Unlock()
			})
		}
		mu.Lock()
		if len(got) != 0 {
			t.Fatal("a job ran while the chat was busy")
		}
		mu.Unlock()
		close(release)
		q.Wait()
		for i, v := range got {
			if v != i {
				t.Fatalf("job %d ran at position %d", v, i)
			}
		}
		if len(got) != 10 {
			t.Fatalf("%d jobs ran, want 10", len(got))
		}
	})
	t.Run("WorkersAreReused", func(t *testing.T) {
		q := newChatQueues()
		before := runtime.NumGoroutine()
		for i := range 100 {
			done := make(chan struct{})
			q.Do(int64(i), func() { close(done) })
			<-done
			q.Wait()
		}
		// A worker waits workerIdle for another chat: had each chat a
		// worker of its own, a hundred would be waiting now.
		if n := runtime.NumGoroutine() - before; n > 10 {
			t.Fatalf("%d workers for 100 chats one after another", n)
		}
	})
}
