// Command loadtest measures rantevou under load: simulated citizens hold
// whole conversations over the real webhook path against running `rantevou
// serve` processes, beside a floor bot measured in the same run; then it
// checks PostgreSQL and prints the figures. `loadtest floor` is the floor
// bot itself, started by the generator. See package loadtest.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rantevou/rantevou/loadtest"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		os.Exit(loadtest.FloorMain(os.Getenv))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: loadtest [flags]      run the load phases (or memory mode with -open) and check PostgreSQL
       loadtest floor        the floor bot (started by the generator; configured by its environment)

Run from inside the module. It starts -replicas rantevou serve processes in webhook mode
on a fresh PostgreSQL database (dropped afterwards unless -keep) and the Redis database
of -redis (flushed before and after), with its own fake Telegram Bot API on loopback.
Exit status 1 when the PostgreSQL check finds a lost, duplicated or overlapping booking
or a citizen told something untrue; 2 when the run could not be done.

flags:`)
		fs.PrintDefaults()
	}
	var (
		cfg      loadtest.Config
		citizens = fs.String("citizens", "1,10,50,200,500", "concurrent citizens of each phase, comma-separated; a count repeated (200,200,200) measures a rantevou and floor pair each time, and the targets are judged on the median pair")
		jsonOut  = fs.String("json", "", "write the report as JSON to this file")
		plotOut  = fs.String("plot", "", "write an SVG plot of steps/s and p99 against citizens to this file")
		quiet    = fs.Bool("q", false, "no progress lines on stderr")
		cpuProf  = fs.String("cpuprofile", "", "write the generator's own CPU profile to this file (to see what measuring costs)")
	)
	fs.StringVar(&cfg.Bin, "bin", "", "rantevou binary to measure (default: go build ./cmd/rantevou into a temporary directory)")
	fs.IntVar(&cfg.Replicas, "replicas", 1, "rantevou serve processes behind the fake's round-robin delivery")
	fs.IntVar(&cfg.MaxConnections, "max-connections", 0, "webhook deliveries in flight at once per bot, as Telegram's setWebhook max_connections (1-100, 40 by default there); 0: every citizen's step at once")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "measured time of each phase")
	fs.DurationVar(&cfg.Warmup, "warmup", 3*time.Second, "unmeasured time before each phase")
	fs.DurationVar(&cfg.Interleave, "interleave", 2*time.Second, "measure rantevou and the floor bot in turns of at most this long, alternating until each has had -duration, so that both meet the same machine (0: one whole phase after the other)")
	fs.DurationVar(&cfg.Think, "think", 0, "mean pause between a citizen's steps (0: closed loop)")
	fs.DurationVar(&cfg.StepTimeout, "timeout", 30*time.Second, "longest wait for one webhook answer")
	fs.BoolVar(&cfg.NoFloor, "no-floor", false, "do not measure the floor bot")
	fs.IntVar(&cfg.Open, "open", 0, "memory mode: open this many conversations, report RSS and Redis bytes per conversation")
	fs.DurationVar(&cfg.OpenTimeout, "open-timeout", 15*time.Minute, "bound on opening the conversations of -open")
	fs.StringVar(&cfg.DatabaseURL, "database", "postgres://postgres@localhost:5432/postgres?sslmode=disable", "PostgreSQL server (its maintenance database) on which to create the run's database")
	fs.StringVar(&cfg.RedisURL, "redis", "redis://localhost:6379/9", "Redis database of the run's own: it is flushed, and refused while another run holds it")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the database and the Redis keys afterwards")
	fs.StringVar(&cfg.Catalog, "catalog", "", `office to book at: "" the load catalog (loadtest/testdata/catalog.toml), "builtin" the server's own, or a catalog file`)
	fs.Float64Var(&cfg.Mix.Cancel, "cancel", loadtest.DefaultMix.Cancel, "fraction of citizens who cancel their booking")
	fs.Float64Var(&cfg.Mix.Reschedule, "reschedule", loadtest.DefaultMix.Reschedule, "fraction who move it")
	fs.Float64Var(&cfg.Mix.DoubleTap, "double-tap", loadtest.DefaultMix.DoubleTap, "fraction who tap confirm (or a day, or yes-cancel) twice at once")
	fs.Float64Var(&cfg.Mix.Redeliver, "redeliver", loadtest.DefaultMix.Redeliver, "fraction whose confirm update is delivered twice")
	fs.Float64Var(&cfg.Mix.FreeText, "free-text", loadtest.DefaultMix.FreeText, "fraction who type something the bot does not expect")
	fs.StringVar(&cfg.Label, "label", "", "what is measured (a commit, a branch), shown in the report and the plot")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "random seed (0: a new one)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadtest: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	for _, f := range strings.Split(*citizens, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 20000 {
			fmt.Fprintf(stderr, "loadtest: -citizens: %q is not a number of citizens (1–20000)\n", f)
			return 2
		}
		cfg.Citizens = append(cfg.Citizens, n)
	}
	for _, v := range []float64{cfg.Mix.Cancel, cfg.Mix.Reschedule, cfg.Mix.DoubleTap, cfg.Mix.Redeliver, cfg.Mix.FreeText} {
		if v < 0 || v > 1 {
			fmt.Fprintln(stderr, "loadtest: fractions must be between 0 and 1")
			return 2
		}
	}
	if cfg.Mix.Cancel+cfg.Mix.Reschedule > 1 {
		fmt.Fprintln(stderr, "loadtest: -cancel and -reschedule add up to more than 1")
		return 2
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest: -cpuprofile:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "loadtest: -cpuprofile:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "loadtest: interrupted; the servers it started are stopped")
			return 2
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	rep.Print(stdout)
	if *jsonOut != "" {
		if err := rep.WriteJSON(*jsonOut); err != nil {
			fmt.Fprintln(stderr, "loadtest: -json:", err)
			return 2
		}
	}
	if *plotOut != "" && len(rep.Phases) > 0 {
		if err := rep.WritePlot(*plotOut); err != nil {
			fmt.Fprintln(stderr, "loadtest: -plot:", err)
			return 2
		}
	}
	if rep.Check != nil && !rep.Check.OK() {
		return 1
	}
	return 0
}
