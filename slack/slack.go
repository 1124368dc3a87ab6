// Package slack is the staff side of rantevou on Slack: each department's
// daily roster and alerts in its channel (delivered from the outbox), the
// /rantevou slash command (roster, book for a caller, walk-in, move,
// cancel, close a day once confirmed, find, help), the roster's buttons
// (attended, no-show and their undo, move, cancel with a reason), all over
// the public HTTP endpoints with Slack's request signatures checked, or over
// Socket Mode, routed to the same handlers. Staff act only on the
// departments the catalog gives them and read in their department's
// language, Greek by default.
package slack

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Office is what staff do through Slack; *booking.Office implements it.
type Office interface {
	Catalog() *booking.Catalog
	Roster(ctx context.Context, dept string, d booking.Date) (booking.Roster, error)
	Cancel(ctx context.Context, a booking.Actor, ref, reason string) (booking.Booking, error)
	Mark(ctx context.Context, a booking.Actor, ref string, s booking.Status) (booking.Booking, error)
	CloseDay(ctx context.Context, a booking.Actor, dept string, d booking.Date, reason string) ([]booking.Booking, error)
	Find(ctx context.Context, a booking.Actor, query string) ([]booking.Booking, error)
	StaffDepartments(slackUserID string) []string
	// StaffBooking is the check before every staff action on a booking.
	StaffBooking(ctx context.Context, a booking.Actor, ref string) (booking.Booking, error)
	callerActions // caller.go: book for a caller, walk-ins, moves, undoing a mark
}

// Bookings looks bookings up by id, for alerts. booking.Store implements
// it.
type Bookings interface {
	BookingByID(ctx context.Context, id int64) (booking.Booking, error)
}

// Config configures the adapter; cmd fills it from the environment.
type Config struct {
	BotToken      string // SLACK_BOT_TOKEN, xoxb-…
	SigningSecret string // SLACK_SIGNING_SECRET
	AppToken      string // SLACK_APP_TOKEN, xapp-…, for Socket Mode
	APIURL        string // SLACK_API_URL, ending in "/"; empty for Slack itself
	Command       string // the slash command, "/rantevou" by default
	// Now is the clock for signatures and "today"; time.Now by default.
	Now func() time.Time
	// HTTPClient posts to response_url; http.DefaultClient by default.
	HTTPClient *http.Client
	// Replays remembers the signatures of the requests let through, so
	// that a replayed one is refused; nil checks signatures and
	// timestamps only (tests of other things).
	Replays Replays
}

// Adapter is the Slack adapter.
type Adapter struct {
	cfg      Config
	office   Office
	bookings Bookings
	api      *slackapi.Client
	log      *slog.Logger
	loc      *time.Location

	// slow runs work that outlives the 3-second answer (close, roster);
	// tests wait on it.
	slow chan struct{}
}

// New returns the adapter. logger may be nil.
func New(cfg Config, office Office, bookings Bookings, logger *slog.Logger) *Adapter {
	if cfg.Command == "" {
		cfg.Command = "/rantevou"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.Default()
	}
	// OptionRetry wraps the HTTP client, so it must come after it: before,
	// the client replaced the retrying one and no 429 was waited out.
	opts := []slackapi.Option{slackapi.OptionHTTPClient(cfg.HTTPClient), slackapi.OptionRetry(2)}
	if cfg.APIURL != "" {
		opts = append(opts, slackapi.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	loc := office.Catalog().Location
	if loc == nil {
		loc, _ = time.LoadLocation("Europe/Athens")
	}
	return &Adapter{
		cfg:      cfg,
		office:   office,
		bookings: bookings,
		api:      slackapi.New(cfg.BotToken, opts...),
		log:      logger,
		loc:      loc,
		slow:     make(chan struct{}, 64),
	}
}

// Routes returns the HTTP endpoints Slack calls: /slack/commands and
// /slack/interactions, both behind the signature check.
func (a *Adapter) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", a.verified(http.HandlerFunc(a.serveCommand)))
	mux.Handle("POST /slack/interactions", a.verified(http.HandlerFunc(a.serveInteraction)))
	return mux
}

// deptLang is the staff language of a department: Greek unless set.
func (a *Adapter) deptLang(code string) booking.Lang {
	if d, ok := a.office.Catalog().Department(code); ok && d.Slack.Lang == booking.English {
		return booking.English
	}
	return booking.Greek
}

// userPrinter speaks the language of the user's first department.
func (a *Adapter) userPrinter(userID string) *locales.Printer {
	if ds := a.office.StaffDepartments(userID); len(ds) > 0 {
		return locales.For(a.deptLang(ds[0]))
	}
	return locales.For(booking.Greek)
}

func (a *Adapter) today() booking.Date { return booking.DateOf(a.cfg.Now(), a.loc) }

func staffActor(userID, name string) booking.Actor {
	return booking.Actor{Kind: booking.ActorStaff, ID: userID, Name: name}
}

// goSlow runs f after the 3-second answer, with its own deadline.
func (a *Adapter) goSlow(f func(ctx context.Context)) {
	a.slow <- struct{}{}
	go func() {
		defer func() { <-a.slow }()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		f(ctx)
	}()
}

// Wait blocks until the slow work started so far has finished (tests, and a
// graceful shutdown).
func (a *Adapter) Wait() {
	for i := 0; i < cap(a.slow); i++ {
		a.slow <- struct{}{}
	}
	for i := 0; i < cap(a.slow); i++ {
		<-a.slow
	}
}
