package bot

import "sync"

// chatQueues runs jobs one at a time per chat, in the order they were
// queued, and different chats in parallel.
//
// Why: go-telegram/bot runs each handler in a goroutine of its own, so two
// quick taps of one citizen could be handled out of order. The poller hands
// updates over in update_id order, one at a time (WithNotAsyncHandlers), and
// only queues them here, so one chat's updates keep their order while a slow
// chat never holds up the others. The webhook queues the same way. Across
// replicas the session's compare-and-set is what keeps a chat consistent;
// this queue only spares it needless conflicts and keeps replies in order.
type chatQueues struct {
	mu     sync.Mutex
	queues map[int64][]func()
	wg     sync.WaitGroup
}

func newChatQueues() *chatQueues {
	return &chatQueues{queues: map[int64][]func(){}}
}

// maxPending bounds one chat's queue: a citizen does not tap 64 times
// faster than the bot answers, a flood does, and must not grow memory.
const maxPending = 64

// Do queues job for chatID and returns at once; false if the chat's queue
// is full and the job was not queued.
func (q *chatQueues) Do(chatID int64, job func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	pending, running := q.queues[chatID]
	if len(pending) >= maxPending {
		return false
	}
	q.queues[chatID] = append(pending, job)
	if !running {
		q.wg.Add(1)
		go q.drain(chatID)
	}
	return true
}

func (q *chatQueues) drain(chatID int64) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		pending := q.queues[chatID]
		if len(pending) == 0 {
			delete(q.queues, chatID)
			q.mu.Unlock()
			return
		}
		job := pending[0]
		pending[0] = nil
		q.queues[chatID] = pending[1:]
		q.mu.Unlock()
		job()
	}
}

// Wait blocks until every queued job has run.
func (q *chatQueues) Wait() { q.wg.Wait() }
