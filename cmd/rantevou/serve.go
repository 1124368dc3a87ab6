package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/bot"
	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/logging"
	"github.com/rantevou/rantevou/metrics"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/sandbox"
	"github.com/rantevou/rantevou/schedule"
	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

func init() {
	commands["serve"] = command{
		summary: "run the bot, the Slack adapter, the notification worker and the HTTP server (default)",
		run:     runServe,
	}
	defaultCommand = "serve"
}

func runServe(ctx context.Context, e cmdEnv, args []string) error {
	if len(args) > 0 {
		usage(e.stderr, "serve "+args[0])
		return errUsage
	}
	cfg, err := LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	m := NewMain(cfg, e.stdout)
	defer m.Close()
	return m.Run(ctx)
}

// redisLogOnce sets go-redis's process-wide logger for the first Main.
var redisLogOnce sync.Once

// sandboxToken is the bot token of the in-process fake Telegram server: it
// only has to look like a real one.
const sandboxToken = "100000001:sandbox-token-not-a-real-one"

// Main is the whole program: it opens the databases, wires every adapter and
// serves until its context ends. Tests start it in process.
type Main struct {
	cfg    Config
	stdout io.Writer

	// RedisPrefix namespaces every Redis key; tests set a unique one.
	RedisPrefix string
	// Now is the clock of the office and the scheduler; time.Now by default.
	Now func() time.Time

	log     *slog.Logger
	metrics *metrics.Metrics
	pool    *pgxpool.Pool
	rdb     goredis.UniversalClient
	office  *booking.Office

	tgFake    *telegramfake.Server // sandbox only
	slackFake *slackfake.Server    // sandbox only

	ready     chan struct{}
	url       string
	debugURL  string // the profiler's, when DEBUG_ADDR is set
	closeOnce sync.Once
}

// NewMain returns a Main for cfg that logs to stdout.
func NewMain(cfg Config, stdout io.Writer) *Main {
	return &Main{cfg: cfg, stdout: stdout, RedisPrefix: redis.Prefix(cfg.TelegramToken), Now: time.Now, ready: make(chan struct{})}
}

// Ready is closed once the HTTP server listens.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// URL is the base URL of the HTTP server, valid after Ready.
func (m *Main) URL() string { return m.url }

// Office is the booking service, valid after Ready.
func (m *Main) Office() *booking.Office { return m.office }

// Run starts everything and serves until ctx ends; then it stops taking
// work, lets in-flight updates and the current outbox batch finish, and
// returns.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.cfg
	m.log = logging.New(m.stdout, cfg.LogFormat, cfg.LogLevel,
		cfg.TelegramToken, cfg.TelegramWebhookSecret, cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAppToken)
	slog.SetDefault(m.log)
	redisLogOnce.Do(func() { redis.LogTo(m.log) })
	m.metrics = metrics.New()

	db, err := openDatabase(ctx, cfg.DatabaseURL, cfg.CatalogFile)
	if err != nil {
		return err
	}
	m.pool = db.pool
	store, catalog := db.store, db.catalog
	if off, err := postgres.AutoanalyseOff(ctx, m.pool); err != nil {
		m.log.Warn("could not read postgres's autovacuum settings", "err", err)
	} else if len(off) > 0 {
		m.log.Warn("postgres will not analyse the tables by itself: their statement plans go stale as they fill; "+
			"turn autovacuum on, or run ANALYZE after bulk imports and regularly (README, Deploying)",
			"why", off)
	}
	if m.rdb, err = redis.Open(cfg.RedisURL); err != nil {
		return err
	}
	if err := m.rdb.Ping(ctx).Err(); err != nil {
		// Redis is soft: start anyway, /readyz says not ready, and the bot
		// tells citizens to try again until Redis is back.
		m.log.Warn("redis not reachable at start", "err", err)
	}
	m.office = booking.NewOffice(catalog, booking.WithReadCache(store, cfg.AvailabilityCache), m.Now)
	m.office.ConfirmInChat() // the dialog shows every confirmation of the bot's own
	m.office.Observe(m.metrics.Booking)
	m.office.Limit(booking.CitizenLimits{ReleaseDelay: cfg.ReleaseDelay, ChangesPerHour: cfg.ChangesPerHour})
	// The waiting list reads and writes the database itself, never the
	// read cache: what it offers must be what is free.
	m.office.UseWaitlist(store, booking.WaitlistConfig{Hold: cfg.OfferHold})
	m.office.ObserveWaitlist(m.metrics)
	outbox := postgres.NewOutbox(m.pool)

	// Telegram: the real API, or the in-process fake in the sandbox.
	botCfg := bot.Config{
		Token:                 cfg.TelegramToken,
		APIURL:                cfg.TelegramAPIURL,
		WebhookURL:            cfg.TelegramWebhookURL,
		WebhookSecret:         cfg.TelegramWebhookSecret,
		WebhookMaxConnections: cfg.TelegramWebhookMaxConns,
		Transport:             m.metrics.Transport("telegram", bot.NewTransport()),
	}
	if cfg.Sandbox() {
		m.tgFake = telegramfake.New(sandboxToken)
		botCfg.Token, botCfg.APIURL = sandboxToken, m.tgFake.Start()
	}
	// What is sent to Telegram: conversation turns at once (per-chat 429s
	// honoured), notifications at the bulk pace shared in Redis with every
	// replica using the same token (this process paces alone while Redis
	// is down).
	sender := throttle.New(throttle.Config{OnBlocked: func(chatID int64) {
		if err := store.MarkUnreachable(context.WithoutCancel(ctx), chatID); err != nil {
			m.log.Error("mark citizen unreachable", "chat", chatID, "err", err)
		}
	}, Limiter: redis.NewLimiter(m.rdb, m.RedisPrefix, 0, 0), Logger: m.log})
	defer sender.Close()
	sessions := redis.NewSessions(m.rdb, m.RedisPrefix, cfg.SessionTTL)
	engine := conversation.NewEngine(m.office, sessions, m.Now, conversation.WithStepLimit(cfg.StepsPerHour),
		conversation.WithRetentionDays(int(cfg.Retention.Bookings/(24*time.Hour))))
	// The update's dedupe and its chat's session are read in one round trip.
	dedupe := redis.NewDeduper(m.rdb, m.RedisPrefix, 24*time.Hour).WithSessions(sessions)
	tg, err := bot.New(botCfg, engine, dedupe, m.log)
	if err != nil {
		return err
	}
	tg.SetHooks(bot.Hooks{
		Update: m.metrics.Update,
		Step:   m.metrics.Step,
		Reply:  sender.Reply,
	})

	// Slack: the real API, or the local stand-in in the sandbox.
	slackCfg := slack.Config{
		BotToken:      cfg.SlackBotToken,
		SigningSecret: cfg.SlackSigningSecret,
		AppToken:      cfg.SlackAppToken,
		APIURL:        cfg.SlackAPIURL,
		Command:       cfg.SlackCommand,
		Now:           m.Now,
		HTTPClient:    &http.Client{Timeout: 30 * time.Second, Transport: m.metrics.Transport("slack", nil)},
		// A signed request is let through once, by whichever replica.
		Replays: redis.NewSignatures(m.rdb, m.RedisPrefix),
	}
	if cfg.SlackSandbox() {
		m.slackFake = slackfake.New()
		slackCfg.BotToken, slackCfg.APIURL = "xoxb-sandbox", m.slackFake.APIURL()
		slackCfg.SigningSecret = randomSecret()
	}
	staff := slack.New(slackCfg, m.office, store, m.log)

	worker := notify.NewWorker(outbox, map[booking.Channel]notify.Deliverer{
		booking.ChannelTelegram: &notify.Telegram{
			API:      tg.API(),
			Sender:   sender,
			Bookings: store,
			Reach:    store,
			Renderer: &notify.Renderer{Catalog: catalog, Now: m.Now},
			Now:      m.Now,
		},
		booking.ChannelSlack: staff,
	}, notify.Config{Now: m.Now, Logger: m.log})
	scheduler := schedule.New(schedule.Config{
		Catalog:   catalog,
		At:        cfg.RosterAt,
		Retainer:  postgres.NewJobs(m.pool),
		Retention: cfg.Retention,
		Holds:     postgres.NewJobs(m.pool),
		Waitlist:  m.office,
		Now:       m.Now,
		Logger:    m.log,
	}, postgres.NewJobs(m.pool))

	m.watch(outbox, sessions, worker)

	// HTTP: health, metrics, webhooks, Slack, and the sandbox pages.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("GET /readyz", m.readiness())
	mux.Handle("GET /metrics", m.metrics.Handler())
	if cfg.TelegramWebhookURL != "" {
		mux.Handle("POST "+bot.WebhookPath, tg.WebhookHandler())
	}
	slackRoutes := staff.Routes()
	mux.Handle("/slack/", slackRoutes)
	if cfg.Sandbox() {
		mux.Handle("/", sandbox.New(sandbox.Config{
			Telegram:      m.tgFake,
			Catalog:       catalog,
			Slack:         m.slackFake,
			SlackHandler:  slackRoutes,
			SigningSecret: slackCfg.SigningSecret,
			SlackCommand:  cfg.SlackCommand,
			Done:          ctx.Done(),
			Log:           m.log,
		}))
	}
	if cfg.DebugAddr != "" {
		if err := m.serveDebug(ctx, cfg.DebugAddr); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s (HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	m.url = "http://" + displayAddr(ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	m.announce(catalog)
	close(m.ready)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		// Stop taking requests and let in-flight webhooks and Slack
		// commands finish.
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(gctx), 20*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdown)
		staff.Wait()
		return err
	})
	g.Go(func() error { return tg.Run(gctx) })
	g.Go(func() error { return worker.Run(gctx) })
	g.Go(func() error { return scheduler.Run(gctx) })
	if cfg.SlackAppToken != "" {
		g.Go(func() error { return staff.RunSocketMode(gctx) })
	}
	err = g.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		m.log.Info("stopped")
		return nil
	}
	return err
}

// watch exports the figures that live in the databases and the worker.
func (m *Main) watch(outbox *postgres.Outbox, sessions *redis.Sessions, worker *notify.Worker) {
	m.metrics.WatchOutbox(func(ctx context.Context) (int, int, time.Duration, error) {
		st, err := outbox.Stats(ctx)
		return st.Pending, st.Parked, st.OldestDue, err
	}, m.log)
	m.metrics.WatchSessions(sessions.Active, m.log)
	m.metrics.WatchWaitlist(postgres.NewStore(m.pool).WaitingTotal, m.log)
	for outcome, read := range map[string]func(notify.Stats) int64{
		"delivered": func(s notify.Stats) int64 { return s.Delivered },
		"retried":   func(s notify.Stats) int64 { return s.Retried },
		"parked":    func(s notify.Stats) int64 { return s.Parked },
		"skipped":   func(s notify.Stats) int64 { return s.Skipped },
	} {
		m.metrics.CountFunc("rantevou_notifications_total",
			"Outbox notifications handled by this replica, by outcome.",
			map[string]string{"outcome": outcome},
			func() float64 { return float64(read(worker.Stats())) })
	}
}

// serveDebug serves Go's profiler on its own listener until ctx ends.
func (m *Main) serveDebug(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s (DEBUG_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	context.AfterFunc(ctx, func() { srv.Close() })
	m.debugURL = "http://" + ln.Addr().String()
	m.log.Info("profiler listening", "url", m.debugURL+"/debug/pprof/")
	return nil
}

// announce prints where to look first: what a person trying it needs.
func (m *Main) announce(c *booking.Catalog) {
	if m.cfg.Sandbox() {
		fmt.Fprintf(m.stdout, "rantevou sandbox for %s is running (no Telegram token set).\n", c.Office.In(booking.English))
		fmt.Fprintf(m.stdout, "  Chat with the bot as a citizen:  %s/\n", m.url)
		fmt.Fprintf(m.stdout, "  See what staff get on Slack:     %s/staff\n", m.url)
	}
	m.log.Info("rantevou started", "config", m.cfg.String(), "url", m.url)
}

// readiness answers 200 when PostgreSQL and Redis answer and the schema is
// current, 503 naming what is not.
func (m *Main) readiness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var problems []string
		if err := postgres.CheckSchema(ctx, m.pool); err != nil {
			problems = append(problems, "postgres: "+err.Error())
		}
		if err := m.rdb.Ping(ctx).Err(); err != nil {
			problems = append(problems, "redis: "+err.Error())
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, p := range problems {
				fmt.Fprintln(w, p)
			}
			return
		}
		io.WriteString(w, "ready\n")
	})
}

// Close releases the connections. It is safe to call more than once.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		if m.tgFake != nil {
			m.tgFake.Close()
		}
		if m.slackFake != nil {
			m.slackFake.Close()
		}
		if m.rdb != nil {
			m.rdb.Close()
		}
		if m.pool != nil {
			m.pool.Close()
		}
	})
	return nil
}

func randomSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := "8080"
		if ok {
			port = strconv.Itoa(tcp.Port)
		}
		return "localhost:" + port
	}
	return a.String()
}
