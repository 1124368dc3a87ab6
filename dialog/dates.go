package dialog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/rantevou/rantevou/booking"
)

// fold lower-cases s and strips accents and diaeresis, so that "ΑΥΡΙΟ",
// "αύριο" and "Αύριο" compare equal; final sigma becomes σ.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ς':
			b.WriteRune('σ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// relativeDays are words for today, tomorrow and the day after, in Greek,
// Greeklish and English, folded.
var relativeDays = map[string]int{
	"σημερα": 0, "simera": 0, "today": 0,
	"αυριο": 1, "avrio": 1, "aurio": 1, "tomorrow": 1,
	"μεθαυριο": 2, "methavrio": 2, "methaurio": 2, "day after tomorrow": 2,
}

var weekdayNames = map[string]time.Weekday{}

var monthNames = map[string]time.Month{}

func init() {
	days := [7][]string{
		{"κυριακη", "κυρ", "kyriaki", "kiriaki", "sunday", "sun"},
		{"δευτερα", "δευ", "deftera", "deftera", "deutera", "monday", "mon"},
		{"τριτη", "τρι", "triti", "tuesday", "tue", "tues"},
		{"τεταρτη", "τετ", "tetarti", "wednesday", "wed"},
		{"πεμπτη", "πεμ", "pempti", "pemti", "thursday", "thu", "thur", "thurs"},
		{"παρασκευη", "παρ", "paraskevi", "paraskeui", "friday", "fri"},
		{"σαββατο", "σαβ", "savvato", "savato", "sabbato", "saturday", "sat"},
	}
	for wd, names := range days {
		for _, n := range names {
			weekdayNames[n] = time.Weekday(wd)
		}
	}
	months := [12][]string{
		{"ιανουαριου", "ιανουαριος", "ιαν", "january", "jan"},
		{"φεβρουαριου", "φεβρουαριος", "φεβ", "february", "feb"},
		{"μαρτιου", "μαρτιος", "μαρ", "march", "mar"},
		{"απριλιου", "απριλιος", "απρ", "april", "apr"},
		{"μαιου", "μαιος", "μαι", "may"},
		{"ιουνιου", "ιουνιος", "ιουν", "june", "jun"},
		{"ιουλιου", "ιουλιος", "ιουλ", "july", "jul"},
		{"αυγουστου", "αυγουστος", "αυγ", "august", "aug"},
		{"σεπτεμβριου", "σεπτεμβριος", "σεπ", "september", "sep", "sept"},
		{"οκτωβριου", "οκτωβριος", "οκτ", "october", "oct"},
		{"νοεμβριου", "νοεμβριος", "νοε", "november", "nov"},
		{"δεκεμβριου", "δεκεμβριος", "δεκ", "december", "dec"},
	}
	for m, names := range months {
		for _, n := range names {
			monthNames[n] = time.Month(m + 1)
		}
	}
}

// ParseTypedDate understands a date as a citizen types it, relative to
// today: "25/3", "25-03-2027", "25.3.27", "25 Μαρτίου", "March 25", "αύριο",
// "ΑΥΡΙΟ", "tomorrow", "Δευτέρα", "deftera", "monday". A weekday means its
// next occurrence after today; a day and month without a year mean the next
// such date from today on.
func ParseTypedDate(s string, today booking.Date) (booking.Date, bool) {
	f := strings.Trim(fold(s), " .!?,;«»\"'")
	f = strings.Join(strings.Fields(f), " ")
	if f == "" || len(f) > 40 {
		return booking.Date{}, false
	}
	if n, ok := relativeDays[f]; ok {
		return today.AddDays(n), true
	}
	for _, prefix := range []string{"την ", "τη ", "την επομενη ", "επομενη ", "next ", "on ", "this "} {
		f = strings.TrimPrefix(f, prefix)
	}
	if wd, ok := weekdayNames[f]; ok {
		n := (int(wd) - int(today.Weekday()) + 7) % 7
		if n == 0 {
			n = 7
		}
		return today.AddDays(n), true
	}
	if d, ok := parseNumericDate(f, today); ok {
		return d, true
	}
	return parseNamedDate(f, today)
}

func parseNumericDate(f string, today booking.Date) (booking.Date, bool) {
	parts := strings.FieldsFunc(f, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })
	if len(parts) < 2 || len(parts) > 3 {
		return booking.Date{}, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if len(p) > 4 {
			return booking.Date{}, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return booking.Date{}, false
		}
		nums[i] = n
	}
	year := -1
	if len(nums) == 3 {
		year = nums[2]
		if len(parts[2]) <= 2 {
			year += 2000
		}
	}
	return makeDate(nums[0], time.Month(nums[1]), year, today)
}

func parseNamedDate(f string, today booking.Date) (booking.Date, bool) {
	parts := strings.Fields(f)
	if len(parts) < 2 || len(parts) > 3 {
		return booking.Date{}, false
	}
	day, month, year := -1, time.Month(0), -1
	for _, p := range parts {
		if m, ok := monthNames[p]; ok && month == 0 {
			month = m
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(p, "th"), ","))
		switch {
		case err != nil:
			return booking.Date{}, false
		case day < 0 && n <= 31:
			day = n
		case year < 0 && n >= 2000:
			year = n
		default:
			return booking.Date{}, false
		}
	}
	if month == 0 || day < 0 {
		return booking.Date{}, false
	}
	return makeDate(day, month, year, today)
}

// makeDate checks that day/month/year is a real date; a year < 0 means the
// first such date from today on.
func makeDate(day int, month time.Month, year int, today booking.Date) (booking.Date, bool) {
	if month < time.January || month > time.December || day < 1 || day > 31 {
		return booking.Date{}, false
	}
	y := year
	if y < 0 {
		y = today.Year
	}
	if y < 2000 || y > 2200 {
		return booking.Date{}, false
	}
	t := time.Date(y, month, day, 12, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return booking.Date{}, false // 31/4, 30/2
	}
	d := booking.Date{Year: y, Month: month, Day: day}
	if year < 0 && d.Before(today) {
		return makeDate(day, month, today.Year+1, today)
	}
	return d, true
}

// ParseTypedTime understands "9:30", "09.30", "0930", "9" as a local clock
// time.
func ParseTypedTime(s string) (booking.Clock, bool) {
	f := strings.TrimSpace(strings.ToLower(s))
	f = strings.TrimSuffix(strings.TrimSuffix(f, "πμ"), "am")
	f = strings.TrimSpace(f)
	h, m := f, "0"
	if i := strings.IndexAny(f, ":. "); i >= 0 {
		h, m = f[:i], f[i+1:]
	} else if len(f) == 4 || len(f) == 3 {
		h, m = f[:len(f)-2], f[len(f)-2:]
	}
	if len(h) == 0 || len(h) > 2 || len(m) == 0 || len(m) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return booking.Clock(hh*60 + mm), true
}

// The calendar screen shows one week at a time, Monday to Sunday: week 0 is
// the current one, and of each week only the days from today to the last
// bookable one count.

// lastDay is the last bookable date.
func (e Env) lastDay() booking.Date {
	h := e.Catalog.Horizon
	if h <= 0 {
		h = 30
	}
	return e.Today.AddDays(h)
}

func (e Env) monday() booking.Date {
	return e.Today.AddDays(-((int(e.Today.Weekday()) + 6) % 7))
}

// weekRange returns the bookable days of calendar week w.
func (e Env) weekRange(w int) (from, to booking.Date) {
	start := e.monday().AddDays(7 * w)
	from, to = start, start.AddDays(6)
	if from.Before(e.Today) {
		from = e.Today
	}
	if last := e.lastDay(); last.Before(to) {
		to = last
	}
	return from, to
}

func (e Env) maxWeek() int { return daysBetween(e.monday(), e.lastDay()) / 7 }

// weekOf returns the calendar week of d, within range.
func (e Env) weekOf(d booking.Date) int {
	w := daysBetween(e.monday(), d) / 7
	if w < 0 || d.Year == 0 {
		return 0
	}
	return min(w, e.maxWeek())
}

func daysBetween(a, b booking.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Round(time.Hour).Hours()) / 24
}

// Dates and times travel in callback data as YYYYMMDD and HHMM.

func compactDate(d booking.Date) string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
}

func parseCompactDate(s string) (booking.Date, bool) {
	t, err := time.Parse("20060102", s)
	if err != nil || len(s) != 8 {
		return booking.Date{}, false
	}
	return booking.DateOf(t, time.UTC), true
}

func compactClock(c booking.Clock) string {
	return fmt.Sprintf("%02d%02d", int(c)/60, int(c)%60)
}

func parseCompactClock(s string) (booking.Clock, bool) {
	if len(s) != 4 {
		return 0, false
	}
	return ParseTypedTime(s)
}

func clockOf(t time.Time, loc *time.Location) booking.Clock {
	l := t.In(loc)
	return booking.Clock(l.Hour()*60 + l.Minute())
}
