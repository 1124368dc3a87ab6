package bot

import (
	"sync"
	"time"
)

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
//
// The goroutines that drain the queues are kept for a while after their
// chat is done and take on the next chat that needs one: a step grows a
// goroutine's stack to tens of kilobytes, and a fresh goroutine per chat
// paid for that growth (copying the stack) on every step, 5% of the CPU
// under load.
type chatQueues struct {
	mu     sync.Mutex
	queues map[int64][]func()
	wg     sync.WaitGroup
	idle   chan int64 // a chat handed to a worker that waits for one
}

func newChatQueues() *chatQueues {
	return &chatQueues{queues: map[int64][]func(){}, idle: make(chan int64)}
}

// maxPending bounds one chat's queue: a citizen does not tap 64 times
// faster than the bot answers, a flood does, and must not grow memory.
const maxPending = 64

// workerIdle is how long a worker waits for another chat before it ends.
const workerIdle = 5 * time.Second

// Do queues job for chatID and returns at once; false if the chat's queue
// is full and the job was not queued.
func (q *chatQueues) Do(chatID int64, job func()) bool {
	q.mu.Lock()
	pending, running := q.queues[chatID]
	if len(pending) >= maxPending {
		q.mu.Unlock()
		return false
	}
	q.queues[chatID] = append(pending, job)
	if !running {
		q.wg.Add(1)
	}
	q.mu.Unlock()
	if !running {
		q.start(chatID)
	}
	return true
}

// Run runs job for chatID in the calling goroutine when nothing of the chat
// is queued or running, and queues it otherwise, like Do. It returns
// whether job was run or queued (false: the queue is full). The webhook's
// request goroutine, which waits for the job anyway, so runs most jobs
// itself: no handing over to another goroutine and back.
func (q *chatQueues) Run(chatID int64, job func()) bool {
	q.mu.Lock()
	if _, running := q.queues[chatID]; running {
		q.mu.Unlock()
		return q.Do(chatID, job)
	}
	q.queues[chatID] = nil // running, nothing pending
	q.wg.Add(1)
	q.mu.Unlock()
	// Deferred, so that a job that panics (net/http would swallow it)
	// still hands the chat on instead of leaving it marked running.
	defer q.ranInline(chatID)
	job()
	return true
}

// ranInline ends a job Run ran itself: the chat is free again, or, when
// jobs came in meanwhile, a worker drains them, as the caller has to
// answer its request.
func (q *chatQueues) ranInline(chatID int64) {
	q.mu.Lock()
	if len(q.queues[chatID]) == 0 {
		delete(q.queues, chatID)
		q.mu.Unlock()
		q.wg.Done()
		return
	}
	q.mu.Unlock()
	q.start(chatID)
}

// start hands chatID, marked running and counted in wg, to a waiting
// worker or a new one.
func (q *chatQueues) start(chatID int64) {
	select {
	case q.idle <- chatID:
	default:
		go q.work(chatID)
	}
}

func (q *chatQueues) work(chatID int64) {
	timer := time.NewTimer(workerIdle)
	defer timer.Stop()
	for {
		q.drain(chatID)
		q.wg.Done()
		timer.Reset(workerIdle)
		select {
		case chatID = <-q.idle:
		case <-timer.C:
			return
		}
	}
}

// drain runs chatID's jobs until its queue is empty, and removes it.
func (q *chatQueues) drain(chatID int64) {
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

// press is a button press: the message and the button's callback data.
type press struct {
	messageID int
	data      string
}

// presses counts the button presses each chat has in hand. A citizen's
// double tap is two callback queries for one button, the second a few
// milliseconds after the first: the second would wait in the chat's queue
// for the whole first step (a booking, at the slowest) only to find its
// screen gone and change nothing. Known in hand, it is answered at once.
// A redelivery of the press in hand (the same update) is not a second
// press: it goes its usual way, to be told the update is in hand.
type presses struct {
	mu sync.Mutex
	m  map[int64]map[press]pressInHand
}

type pressInHand struct {
	updateID int64 // the first update that pressed it
	n        int   // its deliveries in hand
}

// take records update's press p as in hand for chatID, and reports false
// when another update pressed it and is in hand: the caller answers this
// one and does not run it.
func (ps *presses) take(chatID int64, p press, update int64) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cur, ok := ps.m[chatID][p]
	if ok && cur.updateID != update {
		return false
	}
	if ps.m == nil {
		ps.m = map[int64]map[press]pressInHand{}
	}
	if ps.m[chatID] == nil {
		ps.m[chatID] = map[press]pressInHand{}
	}
	ps.m[chatID][p] = pressInHand{updateID: update, n: cur.n + 1}
	return true
}

// done ends a press that take recorded.
func (ps *presses) done(chatID int64, p press) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	cur := ps.m[chatID][p]
	if cur.n--; cur.n > 0 {
		ps.m[chatID][p] = cur
		return
	}
	delete(ps.m[chatID], p)
	if len(ps.m[chatID]) == 0 {
		delete(ps.m, chatID)
	}
}
