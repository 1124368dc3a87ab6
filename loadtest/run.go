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
	if cfg.Open > 0 {
		m, err := r.memory(ctx)
		if err != nil {
			return nil, err
		}
		rep.Memory = m
	} else {
		for _, n := range cfg.Citizens {
			bots := []string{BotRantevou, BotFloor}
			if cfg.NoFloor {
				bots = bots[:1]
			}
			for _, b := range bots {
				p, err := r.phase(ctx, b, n)
				if err != nil {
					return nil, err
				}
				rep.Phases = append(rep.Phases, p)
				r.progress("%-8s %4d citizens: %7.1f steps/s, %6.1f bookings/s, p50 %s p99 %s, %d errors",
					b, n, p.StepsPerSec, p.BookingsPerSec, fmtMS(p.Latency.P50), fmtMS(p.Latency.P99), p.errorCount())
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
	if err := r.rdb.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("loadtest: redis at %s: %w", opts.Addr, err)
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
		if !r.cfg.Keep {
			r.rdb.FlushDB(ctx)
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

// phase runs n citizens of bot for the warm-up and the measured duration.
func (r *runner) phase(ctx context.Context, bot string, n int) (Phase, error) {
	r.phases++
	fb, procs := r.bot, r.replicas
	if bot == BotFloor {
		fb, procs = r.floorB, []*child{r.floor}
	}
	for _, c := range procs {
		if c.exited() {
			return Phase{}, fmt.Errorf("loadtest: %s has exited (%v):\n%s", c.name, c.err, c.logs.tail())
		}
	}
	r.progress("%s with %d citizens: %s warm-up, %s measured", bot, n, r.cfg.Warmup, r.cfg.Duration)
	w := &window{}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cr := &crowd{cfg: r.cfg, bot: fb, office: r.office, w: w, ctx: pctx, stop: make(chan struct{}), truth: &r.truth, ids: &r.ids}
	var pt phaseTally
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(r.seed, uint64(r.phases)<<32|uint64(i)))
			t := newTally(w)
			defer pt.merge(t)
			for !cr.stopped() {
				c := newCitizen(cr, t, rng)
				if bot == BotFloor {
					c.tapForever()
				} else {
					c.converse()
				}
			}
		})
	}
	sleepCtx(ctx, r.cfg.Warmup)
	// The database starts empty, and its planner statistics say so until
	// autovacuum catches up: plans chosen for an empty table (a scan of a
	// whole partial index where the primary key would do) made PostgreSQL
	// read a thousand rows per outbox update. A deployed database has its
	// statistics; so does the measured part of the run.
	r.analyze(ctx)

	peakReset := true
	for _, c := range procs {
		peakReset = resetPeak(c.pid()) && peakReset
	}
	before := make([]procSample, len(procs))
	for i, c := range procs {
		before[i] = sampleProc(c.pid())
	}
	self0 := sampleProc(os.Getpid())
	pg0, redis0 := cpuOf("postgres"), cpuOf("redis-server")
	db0 := r.dbStats(ctx)
	calls0 := fb.Counters()
	load0 := loadAverage()
	w.on.Store(true)
	t0 := time.Now()
	sleepCtx(ctx, r.cfg.Duration)
	w.on.Store(false)
	elapsed := time.Since(t0)
	after := make([]procSample, len(procs))
	for i, c := range procs {
		after[i] = sampleProc(c.pid())
	}
	self1 := sampleProc(os.Getpid())
	pg1, redis1 := cpuOf("postgres"), cpuOf("redis-server")
	db1 := r.dbStats(ctx)
	calls := fb.Counters().Sub(calls0)
	load1 := loadAverage()

	// Citizens finish the step in hand; a step is bounded by its timeout.
	close(cr.stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.cfg.StepTimeout + 5*time.Second):
		cancel()
		<-done
	}
	if err := ctx.Err(); err != nil {
		return Phase{}, err
	}

	p := Phase{Bot: bot, Citizens: n, Seconds: elapsed.Seconds(), Steps: int64(len(pt.lat)), Bookings: pt.bookings,
		Latency: latencyOf(pt.lat), ByKind: kindLatencies(pt.byKind), Errors: pt.errors, ErrorExamples: pt.samples, Outcomes: pt.outcomes,
		Calls: calls, LoadAverage: (load0 + load1) / 2, PeakSincePhaseStart: peakReset}
	p.StepsPerSec = float64(p.Steps) / elapsed.Seconds()
	p.BookingsPerSec = float64(p.Bookings) / elapsed.Seconds()
	var cpu time.Duration
	for i := range procs {
		cpu += after[i].cpu - before[i].cpu
		p.PeakRSSMB = max(p.PeakRSSMB, float64(after[i].hwmKB)/1024)
	}
	p.ServerCPUPercent = 100 * cpu.Seconds() / elapsed.Seconds()
	p.GeneratorCPUPercent = 100 * (self1.cpu - self0.cpu).Seconds() / elapsed.Seconds()
	p.PostgresCPUPercent = 100 * (pg1 - pg0).Seconds() / elapsed.Seconds()
	p.RedisCPUPercent = 100 * (redis1 - redis0).Seconds() / elapsed.Seconds()
	if p.Steps > 0 {
		p.CPUPerStepMs = ms(cpu) / float64(p.Steps)
		if db0 != nil && db1 != nil && bot == BotRantevou {
			p.DBPerStep = map[string]float64{}
			for k, v := range db1 {
				p.DBPerStep[k] = float64(v-db0[k]) / float64(p.Steps)
			}
		}
		p.CallsPerStep = map[string]float64{}
		for m, v := range calls.Calls {
			p.CallsPerStep[m] = float64(v) / float64(p.Steps)
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
