// Command rantevou runs the appointment-booking service of the City of
// Thessaloniki and its maintenance subcommands (migrate, slots, catalog
// check).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"
)

// cmdEnv is what a subcommand may touch of the outside world, so that tests
// run the real commands in-process.
type cmdEnv struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time // the clock; tests fix it
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e cmdEnv, args []string) error
}

// commands holds the subcommands by name; each file of this package
// registers its own in an init function, so adding one (serve) touches no
// other file.
var commands = map[string]command{}

// defaultCommand runs when no subcommand is named ("" prints usage).
var defaultCommand = ""

// errUsage marks a command-line mistake; the usage has already been printed.
var errUsage = errors.New("usage")

// gcPercent is the garbage collector's target (GOGC) unless the
// environment sets one. A conversation step allocates a few kB that are
// garbage at once while the heap that lives is small (sessions are in
// Redis), so Go's default of 100 collects very often: under load the
// collector took ~8% of the server's CPU. At 200 it runs half as often,
// for more heap: RSS ~20–35 MB higher at 200 citizens at once
// (BENCHMARKS.md, README's GOGC).
const gcPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "rantevou:", err)
		}
		os.Exit(1)
	}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	e := cmdEnv{stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	name := defaultCommand
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		usage(stderr, name)
		return errUsage
	}
	return cmd.run(ctx, e, args)
}

func usage(w io.Writer, name string) {
	if name != "" && name != "help" && name != "-h" && name != "-help" {
		fmt.Fprintf(w, "rantevou: unknown command %q\n", name)
	}
	fmt.Fprintln(w, "usage: rantevou <command> [flags]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "configuration: environment variables (DATABASE_URL, REDIS_URL, TELEGRAM_*, SLACK_*, CATALOG_FILE, HTTP_ADDR, …); see README")
}

// firstLine keeps error output to one line.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
