package notify_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

// BenchmarkNotify1000TwoReplicas is BenchmarkNotify1000 with two replicas
// sharing the token: two workers on one outbox, each with its own sender
// and its own Redis client, the senders sharing the pace through
// redis.Limiter. Together they must keep to Telegram's limits: the target
// is at least 27 msgs/s combined and no 429.
// Run: go test -bench=Notify1000TwoReplicas -benchtime=1x ./notify (about 35 s).
func BenchmarkNotify1000TwoReplicas(b *testing.B) {
	const n = 1000
	_, prefix := redistest.New(b)
	limiter := func() throttle.Limiter {
		client, err := redis.Open(redistest.URL())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { client.Close() })
		return redis.NewLimiter(client, prefix, 0, 0)
	}
	e := newEnv(b, telegramfake.Limits{PerChat: 1, Global: 30}, throttle.Config{Limiter: limiter()})
	second := throttle.New(throttle.Config{Limiter: limiter()})
	b.Cleanup(second.Close)
	tg2 := *e.tg
	tg2.Sender = second

	ctx := context.Background()
	bk := e.bookMany(b, 1, 1)[0]
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var workers []*notify.Worker
	for _, tg := range []*notify.Telegram{e.tg, &tg2} {
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: tg, booking.ChannelSlack: staffSink}, notify.Config{Poll: 50 * time.Millisecond})
		workers = append(workers, w)
		go func() { _ = w.Run(runCtx) }()
	}
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
	var parked, local, sentA, sentB int64
	for _, w := range workers {
		parked += w.Stats().Parked
	}
	for _, s := range []*throttle.Sender{e.sender, second} {
		local += s.Stats().Local
	}
	sentA, sentB = e.sender.Stats().Sent, second.Stats().Sent
	b.ReportMetric(float64(parked), "parked")
	b.ReportMetric(float64(local), "unshared")
	b.ReportMetric(float64(min(sentA, sentB))/float64(max(sentA+sentB, 1)), "minshare")
}
