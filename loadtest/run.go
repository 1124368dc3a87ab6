package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// The bots' tokens: they only have to look like real ones (the server
// checks the shape).
const (
	botToken   = "7000000001:loadtest-token-not-a-real-one"
	floorToken = "7000000002:loadtest-floor-not-a-real-one"
	// webhookURL is what the servers register with setWebhook; the fake
	// only records it and delivers to each replica's own address.
	webhookURL = "https://loadtest.invalid/telegram/webhook"
)

// Bot names in the report.
const (
	BotRantevou = "rantevou"
	BotFloor    = "floor"
)

type runner struct {
	cfg    *Config
	tmp    string
	bin    string
	admin  string // URL of the PostgreSQL server's maintenance database
	dbName string
	dbURL  string
	rdb    *goredis.Client
	// unlock ends the hold of the Redis database (holdRedis); nil when
	// this run does not hold it, and then never flushes it.
	unlock func()
	fake   *FakeAPI
	bot    *FakeBot
	floorB *FakeBot

	catalogFile string
	office      office
	replicas    []*child
	floor       *child
	truth       truthLog
	ids         idSource
	phases      int
	seed        uint64
}

// Run starts the servers, runs every phase (or the memory mode), checks
// PostgreSQL and stops everything it started. The report is returned even
// when the check found violations (see Report.Check); an error means the
// run itself could not be done.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.Defaults()
	r := &runner{cfg: &cfg, seed: cfg.Seed}
	if r.seed == 0 {
		r.seed = mrand.Uint64()
	}
	// Simulated Telegram users: far from any real test's IDs, and
	// different in each run so that leftovers never collide.
	r.ids.next = 1_000_000_000 + int64(r.seed%1000)*1_000_000
	defer r.cleanup()
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	rep := &Report{Started: time.Now().UTC(), Label: cfg.Label, Replicas: cfg.Replicas, MaxConnections: cfg.MaxConnections, Catalog: catalogName(cfg.Catalog),
		Seed: r.seed, LoadStart: loadAverage(), Duration: cfg.Duration.Seconds(), Mix: cfg.Mix}
	if cfg.Open == 0 && !cfg.NoFloor {
		rep.Interleave = cfg.Interleave.Seconds()
	}
	if cfg.Open > 0 {
		m, err := r.memory(ctx)
		if err != nil {
			return nil, err
		}
		rep.Memory = m
	} else {
		for _, n := range cfg.Citizens {
			phases, err := r.phasesOf(ctx, n)
			if err != nil {
				return nil, err
			}
			for _, p := range phases {
				rep.Phases = append(rep.Phases, p)
				r.progress("%-8s %4d citizens: %7.1f steps/s, %6.1f bookings/s, p50 %s p99 %s, %d errors",
					p.Bot, n, p.StepsPerSec, p.BookingsPerSec, fmtMS(p.Latency.P50), fmtMS(p.Latency.P99), p.errorCount())
			}
		}
		// Let the last replies and the notifications of the last phase
		// land before the database is read: a booking in flight is
		// neither lost nor told.
		time.Sleep(time.Second)
		res, err := r.check(ctx)
		if err != nil {
			return nil, err
		}
		rep.Check = res
	}
	rep.LoadEnd = loadAverage()
	rep.Complaints = map[string]int{}
	for _, c := range r.replicas {
		for k, v := range c.logs.complaints() {
			rep.Complaints[k] += v
		}
	}
	if r.floor != nil {
		for k, v := range r.floor.logs.complaints() {
			rep.Complaints["floor: "+k] += v
		}
	}
	rep.Targets = targets(rep)
	return rep, nil
}

func catalogName(s string) string {
	if s == "" {
		return "load (testdata/catalog.toml)"
	}
	return s
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "loadtest: "+format+"\n", args...)
}

func (r *runner) setup(ctx context.Context) error {
	var err error
	if r.tmp, err = os.MkdirTemp("", "rantevou-load-"); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if r.bin = r.cfg.Bin; r.bin == "" {
		r.bin = filepath.Join(r.tmp, "rantevou")
		r.progress("building rantevou")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", r.bin, "github.com/rantevou/rantevou/cmd/rantevou")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("loadtest: go build rantevou: %w\n%s", err, out)
		}
	}
	if r.catalogFile, r.office, err = catalogFor(r.cfg.Catalog, r.tmp); err != nil {
		return err
	}
	if err := r.createDatabase(ctx); err != nil {
		return err
	}
	opts, err := goredis.ParseURL(r.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("loadtest: -redis: %w", err)
	}
	r.rdb = goredis.NewClient(opts)
	if err := r.holdRedis(ctx); err != nil {
		return err
	}

	r.bot = NewFakeBot(botToken, randomHex(16))
	r.floorB = NewFakeBot(floorToken, randomHex(16))
	r.bot.SetMaxConnections(r.cfg.MaxConnections)
	r.floorB.SetMaxConnections(r.cfg.MaxConnections)
	r.fake = NewFakeAPI(r.bot, r.floorB)
	apiURL, err := r.fake.Start()
	if err != nil {
		return err
	}

	r.progress("starting %d rantevou replica(s), database %s", r.cfg.Replicas, r.dbName)
	var targets []string
	for i := range r.cfg.Replicas {
		addr, err := freeAddr()
		if err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		env := []string{
			"DATABASE_URL=" + r.dbURL,
			"REDIS_URL=" + r.cfg.RedisURL,
			"TELEGRAM_BOT_TOKEN=" + botToken,
			"TELEGRAM_API_URL=" + apiURL,
			"TELEGRAM_WEBHOOK_URL=" + webhookURL,
			"TELEGRAM_WEBHOOK_SECRET=" + r.bot.secret,
			"HTTP_ADDR=" + addr,
			"LOG_LEVEL=warn",
			"LOG_FORMAT=json",
		}
		if r.catalogFile != "" {
			env = append(env, "CATALOG_FILE="+r.catalogFile)
		}
		c, err := startChild(fmt.Sprintf("rantevou replica %d", i+1), "http://"+addr, []string{r.bin, "serve"}, env)
		if err != nil {
			return err
		}
		r.replicas = append(r.replicas, c)
		targets = append(targets, c.url+"/telegram/webhook")
	}
	for _, c := range r.replicas {
		if err := c.waitReady(ctx, 90*time.Second); err != nil {
			return err
		}
	}
	r.bot.SetTargets(targets...)

	if !r.cfg.NoFloor && r.cfg.Open == 0 {
		argv := r.cfg.FloorCommand
		if len(argv) == 0 {
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("loadtest: floor: %w", err)
			}
			argv = []string{exe, "floor"}
		}
		addr, err := freeAddr()
		if err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		env := []string{envFloorAddr + "=" + addr, envFloorRedis + "=" + r.cfg.RedisURL, envFloorToken + "=" + floorToken,
			envFloorAPI + "=" + apiURL, envFloorSecret + "=" + r.floorB.secret}
		if r.floor, err = startChild("floor bot", "http://"+addr, argv, env); err != nil {
			return err
		}
		if err := r.floor.waitReady(ctx, 30*time.Second); err != nil {
			return err
		}
		r.floorB.SetTargets(r.floor.url + "/telegram/webhook")
	}
	return nil
}

// createDatabase creates a fresh database on the server of DatabaseURL.
func (r *runner) createDatabase(ctx context.Context) error {
	u, err := url.Parse(r.cfg.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("loadtest: -database: want a postgres:// URL")
	}
	conn, err := pgx.Connect(ctx, r.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("loadtest: postgres: %w", err)
	}
	defer conn.Close(ctx)
	r.dbName = "rantevou_load_" + randomHex(4)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+r.dbName); err != nil {
		return fmt.Errorf("loadtest: create database: %w", err)
	}
	r.admin = r.cfg.DatabaseURL
	u.Path = "/" + r.dbName
	r.dbURL = u.String()
	return nil
}

// cleanup stops every process the run started and removes what it made.
func (r *runner) cleanup() {
	var wg sync.WaitGroup
	for _, c := range append(append([]*child(nil), r.replicas...), r.floor) {
		if c != nil {
			wg.Go(func() { c.stop(15 * time.Second) })
		}
	}
	wg.Wait()
	if r.fake != nil {
		r.fake.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.rdb != nil {
		if r.unlock != nil {
			r.unlock()
			if !r.cfg.Keep {
				r.rdb.FlushDB(ctx)
			} else {
				r.rdb.Del(ctx, redisHold)
			}
		}
		r.rdb.Close()
	}
	if r.dbName != "" {
		if r.cfg.Keep {
			r.progress("kept database %s (and the Redis database of %s)", r.dbName, r.cfg.RedisURL)
		} else if conn, err := pgx.Connect(ctx, r.admin); err == nil {
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+r.dbName+" WITH (FORCE)"); err != nil {
				r.progress("drop database %s: %v", r.dbName, err)
			}
			conn.Close(ctx)
		}
	}
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// phasesOf measures rantevou with n citizens, then the floor bot (unless
// NoFloor): one after the other, or in turns (Interleave).
func (r *runner) phasesOf(ctx context.Context, n int) ([]Phase, error) {
	bots := []string{BotRantevou, BotFloor}
	switch {
	case r.cfg.NoFloor:
		bots = bots[:1]
	case r.cfg.Interleave > 0:
		return r.interleaved(ctx, n)
	}
	var phases []Phase
	for _, b := range bots {
		p, err := r.phase(ctx, b, n)
		if err != nil {
			return nil, err
		}
		phases = append(phases, p)
	}
	return phases, nil
}

// phase runs n citizens of bot for the warm-up and the measured duration,
// one bot after the other (Config.Interleave 0).
func (r *runner) phase(ctx context.Context, bot string, n int) (Phase, error) {
	c, err := r.start(ctx, bot, n, true)
	if err != nil {
		return Phase{}, err
	}
	r.progress("%s with %d citizens: %s warm-up, %s measured", bot, n, r.cfg.Warmup, r.cfg.Duration)
	sleepCtx(ctx, r.cfg.Warmup)
	// The database starts empty, and its planner statistics say so until
	// autovacuum catches up: plans chosen for an empty table (a scan of a
	// whole partial index where the primary key would do) made PostgreSQL
	// read a thousand rows per outbox update. A deployed database has its
	// statistics; so does the measured part of the run.
	r.analyze(ctx)
	r.dbStats0(ctx, c)
	r.measure(ctx, c, r.cfg.Duration, false)
	r.dbStats1(ctx, c)
	return r.finish(ctx, c)
}

// crowdRun is one phase's citizens of one bot, and what has been measured
// of them so far.
type crowdRun struct {
	bot    string
	n      int
	fb     *FakeBot
	procs  []*child
	w      *window
	g      *gate
	cr     *crowd
	cancel context.CancelFunc
	unhook func() bool
	wg     sync.WaitGroup
	pt     phaseTally
	m      measured
}

// measured adds up a crowd's measured time: one stretch, or its turns.
type measured struct {
	elapsed                 time.Duration
	server, self, pg, redis time.Duration
	calls                   Counters
	loadSum                 float64
	stretches               int
	peakReset               bool
	db0, db1                map[string]int64
	redisStats              map[string]int64 // Redis's counters over the stretches (redisStats)
}

// start sets n citizens of bot going, stepping at once when open, else
// once their gate opens.
func (r *runner) start(ctx context.Context, bot string, n int, open bool) (*crowdRun, error) {
	r.phases++
	c := &crowdRun{bot: bot, n: n, fb: r.bot, procs: r.replicas, w: &window{}, g: newGate(open)}
	if bot == BotFloor {
		c.fb, c.procs = r.floorB, []*child{r.floor}
	}
	for _, p := range c.procs {
		if p.exited() {
			return nil, fmt.Errorf("loadtest: %s has exited (%v):\n%s", p.name, p.err, p.logs.tail())
		}
	}
	pctx, cancel := context.WithCancel(ctx)
	c.cancel, c.unhook = cancel, openOnEnd(pctx, c.g)
	c.cr = &crowd{cfg: r.cfg, bot: c.fb, office: r.office, w: c.w, g: c.g, ctx: pctx, stop: make(chan struct{}), truth: &r.truth, ids: &r.ids}
	phase := r.phases
	for i := range n {
		c.wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(r.seed, uint64(phase)<<32|uint64(i)))
			t := newTally(c.w)
			defer c.pt.merge(t)
			for !c.cr.stopped() {
				cz := newCitizen(c.cr, t, rng)
				if bot == BotFloor {
					cz.tapForever()
				} else {
					cz.converse()
				}
			}
		})
	}
	return c, nil
}

// measure measures c for d: its steps that end within it, and the CPU of
// its servers, of PostgreSQL, Redis and the generator. A turn (turn true)
// opens c's gate for d, then closes it and waits for the steps under way,
// whose time is the turn's.
func (r *runner) measure(ctx context.Context, c *crowdRun, d time.Duration, turn bool) {
	if c.m.stretches == 0 {
		c.m.peakReset = true
		for _, p := range c.procs {
			c.m.peakReset = resetPeak(p.pid()) && c.m.peakReset
		}
	}
	before := make([]procSample, len(c.procs))
	for i, p := range c.procs {
		before[i] = sampleProc(p.pid())
	}
	self0 := sampleProc(os.Getpid())
	pg0, redis0 := cpuOf("postgres"), cpuOf("redis-server")
	rs0 := r.redisStats(ctx)
	calls0 := c.fb.Counters()
	load0 := loadAverage()
	c.w.on.Store(true)
	t0 := time.Now()
	if turn {
		c.g.set(true)
	}
	sleepCtx(ctx, d)
	if turn {
		c.g.set(false)
		c.g.drain()
	}
	c.w.on.Store(false)
	c.m.elapsed += time.Since(t0)
	for i, p := range c.procs {
		c.m.server += sampleProc(p.pid()).cpu - before[i].cpu
	}
	c.m.self += sampleProc(os.Getpid()).cpu - self0.cpu
	c.m.pg += cpuOf("postgres") - pg0
	c.m.redis += cpuOf("redis-server") - redis0
	if rs1 := r.redisStats(ctx); rs0 != nil && rs1 != nil {
		if c.m.redisStats == nil {
			c.m.redisStats = map[string]int64{}
		}
		for k, v := range rs1 {
			c.m.redisStats[k] += v - rs0[k]
		}
	}
	c.m.calls = c.m.calls.Add(c.fb.Counters().Sub(calls0))
	c.m.loadSum += (load0 + loadAverage()) / 2
	c.m.stretches++
}

// dbStats0 and dbStats1 read PostgreSQL's counters before c's first
// measured stretch and after its last: what the database did for
// rantevou's steps (the floor bot has none). Once each, not per turn:
// each is a connection of its own.
func (r *runner) dbStats0(ctx context.Context, c *crowdRun) {
	if c.bot == BotRantevou {
		c.m.db0 = r.dbStats(ctx)
	}
}

func (r *runner) dbStats1(ctx context.Context, c *crowdRun) {
	if c.bot == BotRantevou {
		c.m.db1 = r.dbStats(ctx)
	}
}

// finish stops c's citizens after their step in hand and makes its phase.
func (r *runner) finish(ctx context.Context, c *crowdRun) (Phase, error) {
	defer c.cancel()
	c.unhook()
	c.g.set(true)
	// Citizens finish the step in hand; a step is bounded by its timeout.
	close(c.cr.stop)
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.cfg.StepTimeout + 5*time.Second):
		c.cancel()
		<-done
	}
	if err := ctx.Err(); err != nil {
		return Phase{}, err
	}

	pt, m := &c.pt, &c.m
	elapsed := m.elapsed
	p := Phase{Bot: c.bot, Citizens: c.n, Seconds: elapsed.Seconds(), Steps: int64(len(pt.lat)), Bookings: pt.bookings,
		Latency: latencyOf(pt.lat), ByKind: kindLatencies(pt.byKind), Errors: pt.errors, ErrorExamples: pt.samples, Outcomes: pt.outcomes,
		Calls: m.calls, PeakSincePhaseStart: m.peakReset}
	if m.stretches > 0 {
		p.LoadAverage = m.loadSum / float64(m.stretches)
	}
	if elapsed <= 0 {
		return p, nil
	}
	p.StepsPerSec = float64(p.Steps) / elapsed.Seconds()
	p.BookingsPerSec = float64(p.Bookings) / elapsed.Seconds()
	for _, proc := range c.procs {
		p.PeakRSSMB = max(p.PeakRSSMB, float64(sampleProc(proc.pid()).hwmKB)/1024)
	}
	p.ServerCPUPercent = 100 * m.server.Seconds() / elapsed.Seconds()
	p.GeneratorCPUPercent = 100 * m.self.Seconds() / elapsed.Seconds()
	p.PostgresCPUPercent = 100 * m.pg.Seconds() / elapsed.Seconds()
	p.RedisCPUPercent = 100 * m.redis.Seconds() / elapsed.Seconds()
	if p.Steps > 0 {
		p.CPUPerStepMs = ms(m.server) / float64(p.Steps)
		if m.db0 != nil && m.db1 != nil {
			p.DBPerStep = map[string]float64{}
			for k, v := range m.db1 {
				p.DBPerStep[k] = float64(v-m.db0[k]) / float64(p.Steps)
			}
		}
		if m.redisStats != nil {
			p.RedisPerStep = map[string]float64{}
			for k, v := range m.redisStats {
				p.RedisPerStep[k] = float64(v) / float64(p.Steps)
			}
		}
		p.CallsPerStep = map[string]float64{}
		for method, v := range m.calls.Calls {
			p.CallsPerStep[method] = float64(v) / float64(p.Steps)
		}
	}
	return p, nil
}

// dbStats reads the run database's counters from pg_stat_database: what
// PostgreSQL did for the servers (nothing else uses the database). The
// counters lag by up to a second, as backends report them when idle.
func (r *runner) dbStats(ctx context.Context) map[string]int64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.admin)
	if err != nil {
		return nil
	}
	defer conn.Close(ctx)
	var commits, rollbacks, returned, fetched, inserted, updated, hit, read int64
	err = conn.QueryRow(ctx, `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, blks_hit, blks_read
		FROM pg_stat_database WHERE datname = $1`, r.dbName).Scan(&commits, &rollbacks, &returned, &fetched, &inserted, &updated, &hit, &read)
	if err != nil {
		return nil
	}
	return map[string]int64{"transactions": commits + rollbacks, "rollbacks": rollbacks, "rows scanned": returned,
		"rows fetched": fetched, "rows written": inserted + updated, "buffer hits": hit, "blocks read": read}
}

// redisStats reads Redis's counters (INFO stats), of the whole server: the
// commands it ran and the reads of its clients' sockets, about one per
// pipeline or lone command received, so its round trips. Nil when it
// cannot be read.
func (r *runner) redisStats(ctx context.Context) map[string]int64 {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := r.rdb.Info(ctx, "stats").Result()
	if err != nil {
		return nil
	}
	return parseRedisStats(info)
}

// parseRedisStats picks the counters redisStats reports out of INFO's
// answer; nil when one is missing.
func parseRedisStats(info string) map[string]int64 {
	names := map[string]string{"total_commands_processed": "commands", "total_reads_processed": "round trips"}
	out := map[string]int64{}
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if name, known := names[k]; ok && known {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil
			}
			out[name] = n
		}
	}
	if len(out) != len(names) {
		return nil
	}
	return out
}

// analyze refreshes the planner statistics of the run's database.
func (r *runner) analyze(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.dbURL)
	if err != nil {
		r.progress("analyze: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		r.progress("analyze: %v", err)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (r *runner) check(ctx context.Context) (*CheckResult, error) {
	conn, err := pgx.Connect(ctx, r.dbURL)
	if err != nil {
		return nil, fmt.Errorf("loadtest: check: %w", err)
	}
	defer conn.Close(ctx)
	res, err := check(ctx, conn, r.truth.all(), r.office.loc)
	if err != nil {
		return nil, err
	}
	r.progress("check: %d bookings told, %d verified, %d violation kinds", res.Told, res.Verified, len(res.Violations))
	return res, nil
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0fms", v)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".") + "ms"
	}
}

// redisHold is the key a run keeps in its Redis database while it runs,
// its value the run's PostgreSQL database, for redisHoldFor after its last
// renewal. A run flushes that database and its servers are one bot, with
// one bot's keys: a second run on it would take the first's updates for
// repeats and flush its sessions, and both would fail their checks.
const redisHold = "loadtest:run"

const redisHoldFor = 30 * time.Second

// holdRedis takes the run's Redis database, refusing one another run
// holds, then flushes it and keeps the hold renewed until unlock.
func (r *runner) holdRedis(ctx context.Context) error {
	ok, err := r.rdb.SetNX(ctx, redisHold, r.dbName, redisHoldFor).Result()
	if err != nil {
		return fmt.Errorf("loadtest: redis at %s: %w", r.cfg.RedisURL, err)
	}
	if !ok {
		holder, _ := r.rdb.Get(ctx, redisHold).Result()
		return fmt.Errorf("loadtest: the Redis database of %s is in use by another load test (%s; held for %s after it stops): give this run its own with -redis", r.cfg.RedisURL, holder, redisHoldFor)
	}
	if err := r.rdb.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("loadtest: redis at %s: %w", r.cfg.RedisURL, err)
	}
	if err := r.rdb.Set(ctx, redisHold, r.dbName, redisHoldFor).Err(); err != nil {
		return fmt.Errorf("loadtest: redis at %s: %w", r.cfg.RedisURL, err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(redisHoldFor / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				r.rdb.Expire(context.Background(), redisHold, redisHoldFor)
			}
		}
	}()
	r.unlock = func() { close(stop); <-done }
	return nil
}
