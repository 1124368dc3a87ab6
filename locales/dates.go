package locales

import (
	"regexp"
	"strconv"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Greek dates read naturally with the weekday in the nominative and the month
// in the genitive: «Δευτέρα 3 Μαΐου». A table is smaller and clearer than
// CLDR's full formats, which add a comma and the year.
var (
	elWeekdays = [7]string{"Κυριακή", "Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο"}
	elMonths   = [12]string{"Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου",
		"Ιουλίου", "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"}
)

// Weekday returns the name of w, e.g. "Δευτέρα" or "Monday".
func (p *Printer) Weekday(w time.Weekday) string {
	if w < time.Sunday || w > time.Saturday {
		return ""
	}
	if p.lang == booking.English {
		return w.String()
	}
	return elWeekdays[w]
}

// Date returns d as a person says it: «Δευτέρα 3 Μαΐου», "Monday 3 May".
func (p *Printer) Date(d booking.Date) string {
	if d.Month < time.January || d.Month > time.December {
		return d.String()
	}
	day := strconv.Itoa(d.Day)
	if p.lang == booking.English {
		return d.Weekday().String() + " " + day + " " + d.Month.String()
	}
	return elWeekdays[d.Weekday()] + " " + day + " " + elMonths[d.Month-1]
}

// DayMonth returns d without its weekday: «7 Δεκεμβρίου», "7 December".
func (p *Printer) DayMonth(d booking.Date) string {
	if d.Month < time.January || d.Month > time.December {
		return d.String()
	}
	if p.lang == booking.English {
		return strconv.Itoa(d.Day) + " " + d.Month.String()
	}
	return strconv.Itoa(d.Day) + " " + elMonths[d.Month-1]
}

// Time returns the 24-hour local clock time of t in loc, e.g. "09:30".
func (p *Printer) Time(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("15:04")
}

// Until returns the end of something as the sentence "until …" wants it,
// for t in loc seen at now: the time alone when t is today («τις 10:25»,
// "10:25"), else with its day, in Greek with the day's article («την
// Παρασκευή 4 Δεκεμβρίου, 00:05», «το Σάββατο 5 Δεκεμβρίου, 00:05»).
func (p *Printer) Until(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	sameDay := booking.DateOf(t, loc) == booking.DateOf(now, loc)
	switch {
	case p.lang == booking.English && sameDay:
		return p.Time(t, loc)
	case p.lang == booking.English:
		return p.When(t, loc)
	case sameDay:
		return "τις " + p.Time(t, loc)
	case t.In(loc).Weekday() == time.Saturday:
		return "το " + p.When(t, loc)
	default:
		return "την " + p.When(t, loc)
	}
}

// When returns "Δευτέρα 3 Μαΐου, 09:30" for t in loc.
func (p *Printer) When(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return p.Date(booking.DateOf(t, loc)) + ", " + p.Time(t, loc)
}

// postcode is a Greek postal code as written, "546 40".
var postcode = regexp.MustCompile(`\b(\d{3}) (\d{2})\b`)

// Address returns an address for a chat message, its postal code bound by
// a no-break space so that a narrow screen never wraps "546 40" in two.
func Address(s string) string { return postcode.ReplaceAllString(s, "$1\u00a0$2") }
