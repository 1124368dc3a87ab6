package notify_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

// BenchmarkNotify1000 queues 1,000 reminders to 1,000 chats at once and
// delivers them through the worker, the production pace and the real
// go-telegram/bot client against the fake that enforces Telegram's limits
// (30/s in all, 1/s per chat). It reports the delivery rate and the 429s:
// the target is at least 27 msgs/s (90% of the ceiling) and no 429.
// Run: go test -bench=Notify1000 -benchtime=1x ./notify (about 35 s).
func BenchmarkNotify1000(b *testing.B) {
	e := newEnv(b, telegramfake.Limits{PerChat: 1, Global: 30}, throttle.Config{})
	workers := deliverThousand(b, e, e.tg)
	b.ReportMetric(float64(workers[0].Stats().Parked), "parked")
}

// deliverThousand runs one worker per Telegram deliverer on e's outbox,
// then, b.N times, commits 1,000 reminders to 1,000 chats at once and
// times their delivery to the fake. It reports msgs/s and 429s and returns
// the workers for further figures.
func deliverThousand(b *testing.B, e *env, tgs ...*notify.Telegram) []*notify.Worker {
	const n = 1000
	ctx := context.Background()
	bk := e.bookMany(b, 1, 1)[0]
	runCtx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	var workers []*notify.Worker
	for _, tg := range tgs {
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: tg, booking.ChannelSlack: staffSink}, notify.Config{Poll: 50 * time.Millisecond})
		workers = append(workers, w)
		go func() { _ = w.Run(runCtx) }()
	}
	// Let the booking's own rows go out first.
	for e.pendingNow(b) > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1100 * time.Millisecond) // the per-chat window of chat 1 passes

	var elapsed time.Duration
	start429 := e.fake.Stats().TooManyRequests
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows := make([]booking.Notification, n)
		for j := range rows {
			rows[j] = booking.Notification{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram,
				Recipient: strconv.Itoa(100000*(i+1) + j), BookingID: bk.ID}
		}
		before := e.fake.Stats().Delivered
		if _, err := e.outbox.Enqueue(ctx, rows...); err != nil {
			b.Fatal(err)
		}
		// The clock starts when the rows are committed: queueing is the
		// booking core's cost, delivering them is what is measured.
		t0 := time.Now()
		for e.fake.Stats().Delivered-before < n {
			if time.Since(t0) > 3*time.Minute {
				b.Fatalf("only %d of %d delivered in 3 minutes", e.fake.Stats().Delivered-before, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(e.fake.Stats().TooManyRequests-start429), "429s")
	return workers
}
