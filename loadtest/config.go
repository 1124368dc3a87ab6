// Package loadtest owns the load generator of rantevou (cmd/loadtest): it
// starts one or more real `rantevou serve` processes in webhook mode on a
// fresh PostgreSQL database and a dedicated Redis database, with its own
// lean fake of the Telegram Bot API; drives simulated citizens through
// whole conversations over the real webhook path (booking, cancelling,
// moving, double taps, redelivered updates, free text); measures the same
// run against a floor bot (the cheapest stateful webhook bot, a child
// process measured the same way); checks afterwards in PostgreSQL that no
// booking was lost, duplicated or overlapping and that every citizen was
// told the truth; and reports steps/s, bookings/s, step latency, errors,
// server CPU per step and peak RSS as a table, JSON and an SVG plot. Its
// memory mode opens many conversations and reports the server's RSS and the
// Redis bytes each conversation costs.
package loadtest

import (
	"io"
	"time"
)

// Config configures a run. The zero value of a field means its default
// (see Defaults).
type Config struct {
	// Bin is the rantevou binary to measure; "" builds
	// github.com/rantevou/rantevou/cmd/rantevou with `go build` into a
	// temporary directory (run from inside the module).
	Bin string
	// FloorCommand is the argv of the floor bot; nil runs this executable
	// with the argument "floor" (see FloorMain).
	FloorCommand []string
	// NoFloor skips the floor bot.
	NoFloor bool

	Replicas int // rantevou serve processes, 1 by default
	// MaxConnections > 0 keeps at most that many webhook deliveries in
	// flight at once per bot, as Telegram does (FakeBot.SetMaxConnections);
	// 0 delivers every citizen's step at once.
	MaxConnections int
	Citizens       []int         // concurrent citizens of each phase
	Duration       time.Duration // measured time of each phase
	Warmup         time.Duration // unmeasured time before it
	Think          time.Duration // mean pause between a citizen's steps (closed loop when 0)
	StepTimeout    time.Duration // longest wait for one webhook answer
	// Interleave > 0 measures rantevou and the floor bot in turns of at
	// most that long, alternating until each has had Duration (see
	// turns.go); 0 measures one whole phase after the other.
	Interleave time.Duration

	// Open > 0 is memory mode: open that many conversations instead of the
	// load phases, and report RSS and Redis bytes per conversation.
	Open        int
	OpenTimeout time.Duration // bound on opening them

	// DatabaseURL reaches the PostgreSQL server; a fresh database is
	// created there for the run and dropped after it unless Keep.
	DatabaseURL string
	// RedisURL names a Redis database of its own (the servers' key prefix
	// is fixed), flushed before and after the run unless Keep.
	RedisURL string
	Keep     bool
	// Catalog is the office: "" the load catalog (testdata/catalog.toml),
	// "builtin" the servers' own, or a catalog file.
	Catalog string

	// Mix is what citizens do besides booking; the zero Mix only books
	// (the command's flags default to DefaultMix).
	Mix  Mix
	Seed uint64 // 0 picks one

	// Label names what is measured (a commit, "before"), in the report.
	Label string

	// Progress receives a line per step of the run; nil discards it.
	Progress io.Writer
}

// Mix is the fraction of conversations that do each thing besides booking.
type Mix struct {
	Cancel     float64 // cancel the booking through "my bookings"
	Reschedule float64 // move it
	DoubleTap  float64 // tap confirm (or a day, or "yes, cancel") twice at once
	Redeliver  float64 // get the confirm update delivered twice
	FreeText   float64 // type something the bot does not expect
}

// DefaultMix is the mix of conversations when none is set.
var DefaultMix = Mix{Cancel: 0.15, Reschedule: 0.10, DoubleTap: 0.10, Redeliver: 0.10, FreeText: 0.10}

// Defaults fills the unset fields of c.
func (c *Config) Defaults() {
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if len(c.Citizens) == 0 {
		c.Citizens = []int{1, 10, 50, 200, 500}
	}
	if c.Duration <= 0 {
		c.Duration = 20 * time.Second
	}
	if c.Warmup <= 0 {
		c.Warmup = 3 * time.Second
	}
	if c.StepTimeout <= 0 {
		c.StepTimeout = 30 * time.Second
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = 15 * time.Minute
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "postgres://postgres@localhost:5432/postgres?sslmode=disable"
	}
	if c.RedisURL == "" {
		c.RedisURL = "redis://localhost:6379/9"
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}
