package loadtest

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rantevou/rantevou/redis"
)

// MemoryResult is what memory mode measured.
type MemoryResult struct {
	Conversations int              `json:"conversations"` // opened: /start and at least one tap answered
	Steps         int64            `json:"steps"`
	Seconds       float64          `json:"seconds"`
	StepsPerSec   float64          `json:"steps_per_s"`
	Errors        map[string]int64 `json:"errors,omitempty"`

	RSSMB     float64 `json:"rss_mb"`      // the largest replica's RSS with the conversations open
	PeakRSSMB float64 `json:"peak_rss_mb"` // its VmHWM
	BaseRSSMB float64 `json:"base_rss_mb"` // before opening them

	SessionKeys      int64   `json:"session_keys"`
	DedupeKeys       int64   `json:"dedupe_keys"`
	SessionBytes     float64 `json:"session_bytes_avg"` // MEMORY USAGE of a sample of session keys
	DedupeBytes      float64 `json:"dedupe_bytes_avg"`  // MEMORY USAGE of a sample of update keys
	UpdatesPerConv   float64 `json:"updates_per_conversation"`
	ActiveSetBytes   int64   `json:"active_set_bytes"` // the sorted set of live sessions
	BytesPerConv     float64 `json:"bytes_per_conversation"`
	UsedMemoryDelta  int64   `json:"used_memory_delta"`
	UsedPerConv      float64 `json:"used_memory_per_conversation"`
	SampledKeysCount int     `json:"sampled_keys"`
}

func (m *MemoryResult) print(w io.Writer) {
	fmt.Fprintf(w, "memory: %d conversations opened in %.0f s (%d steps, %.1f steps/s), errors: %s\n",
		m.Conversations, m.Seconds, m.Steps, m.StepsPerSec, formatInts(m.Errors))
	fmt.Fprintf(w, "  server RSS %.1f MB with them open (peak %.1f MB, %.1f MB before)\n", m.RSSMB, m.PeakRSSMB, m.BaseRSSMB)
	fmt.Fprintf(w, "  Redis per conversation: %.0f B session + %.2f updates × %.0f B dedupe key + %.1f B of the live-session set = %.0f B\n",
		m.SessionBytes, m.UpdatesPerConv, m.DedupeBytes, float64(m.ActiveSetBytes)/float64(max(1, m.Conversations)), m.BytesPerConv)
	fmt.Fprintf(w, "  Redis used_memory grew by %d B = %.0f B per conversation (%d session keys, %d update keys)\n",
		m.UsedMemoryDelta, m.UsedPerConv, m.SessionKeys, m.DedupeKeys)
}

// memory opens cfg.Open conversations (each /start and one or two taps)
// and measures what they cost the servers and Redis.
func (r *runner) memory(ctx context.Context) (*MemoryResult, error) {
	n := r.cfg.Open
	conc := min(n, 200)
	used0, err := r.usedMemory(ctx)
	if err != nil {
		return nil, err
	}
	res := &MemoryResult{}
	for _, c := range r.replicas {
		res.BaseRSSMB = max(res.BaseRSSMB, float64(sampleProc(c.pid()).rssKB)/1024)
	}
	r.progress("memory: opening %d conversations, %d at a time (at most %s)", n, conc, r.cfg.OpenTimeout)
	w := &window{}
	w.on.Store(true)
	octx, cancel := context.WithTimeout(ctx, r.cfg.OpenTimeout)
	defer cancel()
	cr := &crowd{cfg: r.cfg, bot: r.bot, office: r.office, w: w, g: newGate(true), ctx: octx, stop: make(chan struct{}), truth: &r.truth, ids: &r.ids}
	var left atomic.Int64
	left.Store(int64(n))
	var opened atomic.Int64
	var pt phaseTally
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conc {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(r.seed, uint64(i)))
			t := newTally(w)
			defer pt.merge(t)
			for left.Add(-1) >= 0 && octx.Err() == nil {
				c := newCitizen(cr, t, rng)
				if c.open() {
					if k := opened.Add(1); k%1000 == 0 {
						r.progress("memory: %d open", k)
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // let the last sessions' writes land
	res.Conversations = int(opened.Load())
	res.Steps = int64(len(pt.lat))
	res.Seconds = elapsed.Seconds()
	res.StepsPerSec = float64(res.Steps) / elapsed.Seconds()
	res.Errors = pt.errors
	for _, c := range r.replicas {
		s := sampleProc(c.pid())
		res.RSSMB = max(res.RSSMB, float64(s.rssKB)/1024)
		res.PeakRSSMB = max(res.PeakRSSMB, float64(s.hwmKB)/1024)
	}
	used1, err := r.usedMemory(ctx)
	if err != nil {
		return nil, err
	}
	res.UsedMemoryDelta = used1 - used0
	if res.Conversations > 0 {
		res.UsedPerConv = float64(res.UsedMemoryDelta) / float64(res.Conversations)
	}
	var sampled int
	prefix := redis.Prefix(botToken)
	res.SessionKeys, res.SessionBytes, sampled, err = r.sampleKeys(ctx, prefix+":{chat:*}:session")
	if err != nil {
		return nil, err
	}
	res.SampledKeysCount += sampled
	res.DedupeKeys, res.DedupeBytes, sampled, err = r.sampleKeys(ctx, prefix+":{update:*}:seen")
	if err != nil {
		return nil, err
	}
	res.SampledKeysCount += sampled
	res.ActiveSetBytes, _ = r.rdb.MemoryUsage(ctx, prefix+":{sessions}:active", 0).Result()
	if res.SessionKeys > 0 {
		res.UpdatesPerConv = float64(res.DedupeKeys) / float64(res.SessionKeys)
	}
	res.BytesPerConv = res.SessionBytes + res.UpdatesPerConv*res.DedupeBytes
	if res.Conversations > 0 {
		res.BytesPerConv += float64(res.ActiveSetBytes) / float64(res.Conversations)
	}
	return res, nil
}

// open starts a conversation and leaves it half done: /start, Book, and
// for half the citizens a department.
func (c *citizen) open() bool {
	if !c.say("/start", "/start") {
		return false
	}
	b, ok := find(c.v, "bk", "")
	if !ok {
		c.t.fail(errMissing, "no Book button after /start")
		return false
	}
	if !c.tap(b) {
		return false
	}
	if c.rng.IntN(2) == 0 {
		if ds := all(c.v, "d"); len(ds) > 0 {
			c.tap(c.pick(ds))
		}
	}
	return true
}

func (r *runner) usedMemory(ctx context.Context) (int64, error) {
	info, err := r.rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("loadtest: redis info: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("loadtest: redis info: no used_memory")
}

// sampleKeys counts the keys matching pattern and averages MEMORY USAGE
// over up to 200 of them.
func (r *runner) sampleKeys(ctx context.Context, pattern string) (count int64, avg float64, sampled int, err error) {
	var total int64
	iter := r.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		count++
		if sampled < 200 {
			n, err := r.rdb.MemoryUsage(ctx, iter.Val(), 0).Result()
			if err != nil {
				return 0, 0, 0, fmt.Errorf("loadtest: redis memory usage: %w", err)
			}
			total += n
			sampled++
		}
	}
	if err := iter.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("loadtest: redis scan: %w", err)
	}
	if sampled > 0 {
		avg = float64(total) / float64(sampled)
	}
	return count, avg, sampled, nil
}
