package notify_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/notify"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// unfold undoes RFC 5545 line folding.
func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

func TestICS(t *testing.T) {
	athens, _ := time.LoadLocation("Europe/Athens")
	e := notify.Event{
		UID:         "rantevou-K7P4QX@rantevou.example.gr",
		Sequence:    3,
		Start:       time.Date(2026, 10, 25, 9, 30, 0, 0, athens), // the morning after the clocks go back
		End:         time.Date(2026, 10, 25, 9, 45, 0, 0, athens),
		Summary:     "Πιστοποιητικό γέννησης; με ταυτότητα, διαβατήριο",
		Location:    "Δήμος Θεσσαλονίκης — Δημοτολόγιο",
		Description: strings.Repeat("Κωδικός ραντεβού: K7P4QX\n", 6),
		Stamp:       time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC),
	}
	out := string(notify.ICS(e))

	t.Run("LinesEndInCRLFAndFitIn75Octets", func(t *testing.T) {
		if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
			t.Fatal("file does not end with END:VCALENDAR CRLF")
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || strings.Contains(l, "\n") {
				t.Fatalf("bad line (%d octets): %q", len(l), l)
			}
		}
	})
	t.Run("LocalTimeWithZone", func(t *testing.T) {
		u := unfold(out)
		for _, w := range []string{"DTSTART;TZID=Europe/Athens:20261025T093000", "DTEND;TZID=Europe/Athens:20261025T094500",
			"TZOFFSETFROM:+0300", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "DTSTAMP:20261001T120000Z", "SEQUENCE:3",
			`SUMMARY:Πιστοποιητικό γέννησης\; με ταυτότητα\, διαβατήριο`, `DESCRIPTION:Κωδικός ραντεβού: K7P4QX\nΚωδικός`} {
			if !strings.Contains(u, w) {
				t.Errorf("missing %q", w)
			}
		}
	})
	t.Run("CancelRemovesTheSameEvent", func(t *testing.T) {
		c := e
		c.Cancelled = true
		c.Sequence = 4
		u := unfold(string(notify.ICS(c)))
		for _, w := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "UID:" + e.UID, "SEQUENCE:4"} {
			if !strings.Contains(u, w) {
				t.Errorf("missing %q", w)
			}
		}
	})
}

// FuzzICSText checks the text codec: whatever a summary holds (Greek,
// separators, newlines), the file keeps lines short and valid, and
// unfolding and unescaping gives the text back.
func FuzzICSText(f *testing.F) {
	f.Add("Πιστοποιητικό γέννησης")
	f.Add("a;b,c\\d\ne")
	f.Add(strings.Repeat("αβγ", 60))
	f.Add("\r\n\r")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := string(notify.ICS(notify.Event{UID: "u", Summary: s, Start: time.Unix(0, 0), End: time.Unix(60, 0)}))
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Fatalf("bad line %q", l)
			}
		}
		var summary string
		for _, l := range strings.Split(unfold(out), "\r\n") {
			if v, ok := strings.CutPrefix(l, "SUMMARY:"); ok {
				summary = v
			}
		}
		want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
		if got := unescape(summary); got != want {
			t.Fatalf("round trip: got %q, want %q", got, want)
		}
	})
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
