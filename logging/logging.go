// Package logging builds the program's slog logger: text on a terminal, JSON
// otherwise, and a handler that scrubs secrets (bot tokens, signing secrets)
// and phone numbers from every message and string attribute before they are
// written, so that no code path can leak them by accident.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
)

// New returns a logger writing to w. format is "text", "json", or "" to pick
// text when w is a terminal. Every secret (empty ones are ignored) is replaced
// by "[redacted]" wherever it appears.
func New(w io.Writer, format string, level slog.Leveler, secrets ...string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "text" || (format == "" && isTerminal(w)) {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(NewScrubber(h, secrets...))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// phoneRE matches Greek phone numbers as citizens type them or as we store
// them: +30 or 0030 prefixes, mobiles 69…, landlines 2…, with spaces or dashes.
// Chat IDs are logged as integers and so are not touched.
var phoneRE = regexp.MustCompile(`(?:\+|00)30[ -]?\d(?:[ -]?\d){9}|\b(?:69|2\d)(?:[ -]?\d){8}\b`)

// Scrubber is a slog.Handler that redacts secrets and phone numbers.
type Scrubber struct {
	next    slog.Handler
	secrets []string
}

// NewScrubber wraps next.
func NewScrubber(next slog.Handler, secrets ...string) *Scrubber {
	s := &Scrubber{next: next}
	for _, sec := range secrets {
		if sec != "" {
			s.secrets = append(s.secrets, sec)
		}
	}
	return s
}

// Scrub returns s with secrets and phone numbers redacted.
func (s *Scrubber) Scrub(str string) string {
	for _, sec := range s.secrets {
		str = strings.ReplaceAll(str, sec, "[redacted]")
	}
	return phoneRE.ReplaceAllString(str, "[phone]")
}

func (s *Scrubber) Enabled(ctx context.Context, l slog.Level) bool { return s.next.Enabled(ctx, l) }

func (s *Scrubber) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, s.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(s.attr(a))
		return true
	})
	return s.next.Handle(ctx, out)
}

func (s *Scrubber) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = s.attr(a)
	}
	return &Scrubber{next: s.next.WithAttrs(clean), secrets: s.secrets}
}

func (s *Scrubber) WithGroup(name string) slog.Handler {
	return &Scrubber{next: s.next.WithGroup(name), secrets: s.secrets}
}

func (s *Scrubber) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, s.Scrub(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = s.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors, URLs, structs: what they print is what gets logged.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, s.Scrub(err.Error()))
		}
		if str, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, s.Scrub(str.String()))
		}
		return a
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
