package notify_test

import (
	"testing"

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

	workers := deliverThousand(b, e, e.tg, &tg2)
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
