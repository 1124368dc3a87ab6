// Package conversation runs the citizen's conversation: it loads a chat's
// session, steps the pure dialog state machine, performs the effects it asks
// for against booking.Office, feeds their results back, and saves the session
// with an optimistic compare-and-set, redoing the whole update when another
// update of the same chat got there first. The transport (package bot) calls
// Engine.Handle once per update and sends the replies.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/locales"
)

// Sessions stores one versioned session per chat. Package redis implements it.
type Sessions interface {
	// Load returns the session bytes and version; (nil, 0, nil) when there is none.
	Load(ctx context.Context, chatID int64) (data []byte, version int64, err error)
	// Save stores data iff the stored version is still expect (0 = must not exist), with the
	// session TTL; returns the new version (expect+1) or ErrVersionConflict.
	Save(ctx context.Context, chatID int64, expect int64, data []byte) (int64, error)
}

// ErrVersionConflict is returned by Sessions.Save when the session changed
// since it was loaded.
var ErrVersionConflict = errors.New("conversation: session changed concurrently")

// Input is one update from a citizen, already decoded by the transport.
type Input struct {
	ChatID, UserID int64
	LangCode       string // Telegram's language_code of the sender
	Event          dialog.Event
	// Session, when set, is the chat's session as the transport read it
	// in the same round trip as the update's dedupe; the first attempt
	// starts from it instead of loading it again.
	Session *Snapshot
}

// Snapshot is a chat's session as read from the store: nil Data and
// Version 0 when there is none.
type Snapshot struct {
	Data    []byte
	Version int64
	// Steps is the chat's steps in the store's counting window (an hour),
	// this update's included; 0 when the store does not count them.
	Steps int64
}

// Engine runs conversations. It is safe for concurrent use: updates of one
// chat are serialised by the session's compare-and-set, not by a lock.
type Engine struct {
	office   *booking.Office
	sessions Sessions
	now      func() time.Time
	log      *slog.Logger
	maxSteps int64
	// retentionDays is what the privacy notice says about keeping names
	// and phones.
	retentionDays int
}

// Option configures an Engine.
type Option func(*Engine)

// WithLogger makes the engine log to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// WithStepLimit makes the engine refuse a chat's updates beyond max in the
// session store's counting window (Snapshot.Steps), without stepping: the
// first refused one is told so politely, the rest get at most a toast, so
// that a flood costs neither the database nor much sending. 0: no limit.
func WithStepLimit(max int) Option {
	return func(e *Engine) { e.maxSteps = int64(max) }
}

// WithRetentionDays makes the privacy notice say that names and phones
// are kept days after an appointment (RETENTION_BOOKING_DAYS).
func WithRetentionDays(days int) Option {
	return func(e *Engine) { e.retentionDays = days }
}

// NewEngine returns an Engine over office and sessions; now is the clock
// (time.Now in production, a fake in tests).
func NewEngine(office *booking.Office, sessions Sessions, now func() time.Time, opts ...Option) *Engine {
	e := &Engine{office: office, sessions: sessions, now: now, log: slog.Default()}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Bounds that keep one update cheap whatever happens: how often a lost
// compare-and-set is redone, and how many effects one update may run.
const (
	maxAttempts = 5
	maxEffects  = 8
)

// Handle processes one update and returns the replies to send, in order. It
// returns an error only when nothing sensible can be shown (the session
// store failed before anything happened); the booking errors a citizen can
// act on come back as friendly replies.
func (e *Engine) Handle(ctx context.Context, in Input) ([]dialog.Reply, error) {
	if e.maxSteps > 0 && in.Session != nil && in.Session.Steps > e.maxSteps {
		return e.tooManySteps(ctx, in), nil
	}
	ev := in.Event
	if ev.LangCode == "" {
		ev.LangCode = in.LangCode
	}
	// met is the citizen as the update's first start of a session found
	// them, kept for its redos: a first contact is remembered by that
	// look-up, so a redo must show the notice without asking again (it
	// would find them known), and asks nothing again either way.
	var met *meeting
	// ranEffects says an attempt already ran effects, whose outcome the
	// session a redo starts from may not show.
	ranEffects := false
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var data []byte
		var version int64
		if attempt == 1 && in.Session != nil {
			data, version = in.Session.Data, in.Session.Version
		} else {
			var err error
			if data, version, err = e.sessions.Load(ctx, in.ChatID); err != nil {
				return nil, fmt.Errorf("conversation: load session: %w", err)
			}
		}
		// The session is decoded and encoded again on every step, with
		// goccy/go-json: for the half-kilobyte session of a booking under
		// way, 8 µs against encoding/json's 33 µs on the project's machine,
		// which was a twelfth of the server's CPU at 200 citizens.
		var s dialog.State
		if data != nil {
			if err := json.Unmarshal(data, &s); err != nil {
				// A session we cannot read (an older format, say) is treated
				// as expired: the citizen starts again, nothing is lost.
				e.log.WarnContext(ctx, "conversation: unreadable session", slog.Int64("chat", in.ChatID), slog.Any("err", err))
				s = dialog.State{}
			}
		}
		if s.Screen == dialog.ScreenNone && met == nil {
			met = e.meet(ctx, in.UserID, dialog.StartLang(ev.LangCode))
		}
		env := e.env(in, met)
		s, replies, effects := dialog.Step(s, ev, env)
		if ranEffects {
			// An earlier attempt may have booked or linked a number (a
			// redo on a newer session does not do it again): the session
			// no longer vouches that the citizen holds no booking.
			s.NoBookings = false
		}
		forgotten := false
		for n := 0; len(effects) > 0; n++ {
			if n == maxEffects {
				e.log.ErrorContext(ctx, "conversation: too many effects", slog.Int64("chat", in.ChatID))
				break
			}
			res := e.run(ctx, in, effects[0])
			ranEffects = true
			forgotten = forgotten || res.Effect == dialog.Forget && res.Err == ""
			effects = effects[1:]
			var more []dialog.Reply
			var next []dialog.Effect
			s, more, next = dialog.Step(s, dialog.Event{Kind: dialog.KindResult, Result: &res}, env)
			replies = append(replies, more...)
			effects = append(effects, next...)
		}
		if forgotten {
			// The citizen asked to be forgotten: their conversation goes
			// too, and the next update starts a new one, as a stranger's.
			e.forgetSession(ctx, in.ChatID)
			return replies, nil
		}
		out, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("conversation: encode session: %w", err)
		}
		_, err = e.sessions.Save(ctx, in.ChatID, version, out)
		if errors.Is(err, ErrVersionConflict) {
			// Another update of this chat won. Redo this one on top of it:
			// a stale button is then recognised, and a booking already made
			// is found again through its idempotency key.
			continue
		}
		if err != nil {
			// Redis is soft: whatever was booked is in PostgreSQL. Show the
			// replies; the next update finds the session as it was, or none.
			e.log.ErrorContext(ctx, "conversation: save session", slog.Int64("chat", in.ChatID), slog.Any("err", err))
		}
		return replies, nil
	}
	e.log.WarnContext(ctx, "conversation: gave up after concurrent updates", slog.Int64("chat", in.ChatID))
	return []dialog.Reply{{Text: e.busyText(ctx, in), Toast: e.busyText(ctx, in)}}, nil
}

// meeting is what the start of a session learnt of the citizen; the zero
// meeting is a look-up that failed.
type meeting struct {
	lang  booking.Lang // the language they chose, when known
	known bool
	// first says they were not known and are remembered from now on.
	first bool
}

// env gathers what Step may know. The citizen (met) is looked up only when
// a session starts, so an ordinary update costs no database round trip;
// met is nil when it was not.
func (e *Engine) env(in Input, met *meeting) dialog.Env {
	c := e.office.Catalog()
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	now := e.now()
	// The nonce only has to differ from the epoch of the chat's previous
	// session, whose buttons may still be on screen; a random one does.
	env := dialog.Env{Catalog: c, Today: booking.DateOf(now, loc), Now: now, ChatID: in.ChatID, Nonce: rand.Uint32(),
		RetentionDays: e.retentionDays}
	switch {
	case met == nil:
		// A session under way: the citizen is in it already.
	case met.known:
		env.KnownLang = met.lang
	case met.first:
		// Remembered as they were looked up: the notice is shown in this
		// update, and the dialog asks for no Remember of its own.
		env.FirstContact, env.Remembered = true, true
	default:
		// Unknown whether they are new: no notice this time.
	}
	return env
}

// meet looks the citizen up at a session's start and remembers one not
// known with lang, the language the session starts in, in one statement
// (Office.MeetCitizen). A failure leaves it unknown whether they are new,
// and nobody remembered: no notice this time, the next session asks again.
func (e *Engine) meet(ctx context.Context, userID int64, lang booking.Lang) (met *meeting) {
	defer func() {
		if r := recover(); r != nil {
			e.log.ErrorContext(ctx, "conversation: meeting the citizen panicked", slog.Any("panic", r))
			met = &meeting{}
		}
	}()
	l, first, err := e.office.MeetCitizen(ctx, userID, lang)
	if err != nil {
		e.log.WarnContext(ctx, "conversation: meeting the citizen", slog.Any("err", err))
		return &meeting{}
	}
	return &meeting{lang: l, known: !first, first: first}
}

func (e *Engine) citizenLang(ctx context.Context, userID int64) (l booking.Lang, ok bool) {
	l, ok, err := e.citizen(ctx, userID)
	return l, ok && err == nil
}

// citizen reads whether the office knows the citizen, and their language.
func (e *Engine) citizen(ctx context.Context, userID int64) (l booking.Lang, known bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.ErrorContext(ctx, "conversation: citizen language panicked", slog.Any("panic", r))
			l, known, err = "", false, fmt.Errorf("conversation: citizen language: panic")
		}
	}()
	l, known, err = e.office.CitizenLang(ctx, userID)
	if err != nil {
		e.log.WarnContext(ctx, "conversation: citizen language", slog.Any("err", err))
		return "", false, err
	}
	return l, known, nil
}

// forgetSession deletes the chat's session, when the store can.
func (e *Engine) forgetSession(ctx context.Context, chatID int64) {
	d, ok := e.sessions.(interface {
		Delete(ctx context.Context, chatID int64) error
	})
	if !ok {
		return
	}
	if err := d.Delete(ctx, chatID); err != nil {
		// It expires with its TTL; what it held of the citizen is in a
		// session that the next update replaces.
		e.log.ErrorContext(ctx, "conversation: delete session", slog.Int64("chat", chatID), slog.Any("err", err))
	}
}

func (e *Engine) busyText(ctx context.Context, in Input) string {
	l, ok := e.citizenLang(ctx, in.UserID)
	if !ok {
		l = booking.Greek
		if in.LangCode != "" && !strings.HasPrefix(strings.ToLower(in.LangCode), "el") {
			l = booking.English
		}
	}
	return locales.For(l).T("Busy", nil)
}

// tooManySteps answers an update beyond the step limit, in the session's
// language (or the sender's): with a message the first time, with a toast
// only after, and nothing for a message after.
func (e *Engine) tooManySteps(ctx context.Context, in Input) []dialog.Reply {
	e.log.WarnContext(ctx, "conversation: step limit reached", slog.Int64("chat", in.ChatID), slog.Int64("steps", in.Session.Steps))
	l := booking.Greek
	var s dialog.State
	if json.Unmarshal(in.Session.Data, &s) == nil && s.Lang != "" {
		l = s.Lang
	} else if in.LangCode != "" && !strings.HasPrefix(strings.ToLower(in.LangCode), "el") {
		l = booking.English
	}
	text := locales.For(l).T("TooManySteps", nil)
	if in.Session.Steps == e.maxSteps+1 {
		return []dialog.Reply{{Text: text, Toast: text}}
	}
	return []dialog.Reply{{Toast: text}}
}
