package dialog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// fold is booking.Fold of s without its leading and trailing spaces, so
// that "ΑΥΡΙΟ", "αύριο" and "Αύριο" compare equal.
func fold(s string) string { return booking.Fold(strings.TrimSpace(s)) }

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
		{"ιανουαριου", "ιανουαριοσ", "ιαν", "january", "jan"},
		{"φεβρουαριου", "φεβρουαριοσ", "φεβ", "february", "feb"},
		{"μαρτιου", "μαρτιοσ", "μαρ", "march", "mar"},
		{"απριλιου", "απριλιοσ", "απρ", "april", "apr"},
		{"μαιου", "μαιοσ", "μαι", "may"},
		{"ιουνιου", "ιουνιοσ", "ιουν", "june", "jun"},
		{"ιουλιου", "ιουλιοσ", "ιουλ", "july", "jul"},
		{"αυγουστου", "αυγουστοσ", "αυγ", "august", "aug"},
		{"σεπτεμβριου", "σεπτεμβριοσ", "σεπ", "september", "sep", "sept"},
		{"οκτωβριου", "οκτωβριοσ", "οκτ", "october", "oct"},
		{"νοεμβριου", "νοεμβριοσ", "νοε", "november", "nov"},
		{"δεκεμβριου", "δεκεμβριοσ", "δεκ", "december", "dec"},
	}
	for m, names := range months {
		for _, n := range names {
			monthNames[n] = time.Month(m + 1)
		}
	}
}

// ParseTypedDate understands a date as a citizen types it, relative to
// today: "25/3", "25-03-2027", "25.3.27", "2027-03-25", "25 Μαρτίου",
// "March 25", "αύριο", "ΑΥΡΙΟ", "tomorrow", "Δευτέρα", "deftera", "monday",
// a weekday with a date ("Παρασκευή 4/12"), and a weekday of next week
// ("την άλλη Δευτέρα", "Monday next week"). A weekday alone means its next
// occurrence after today; a day and month without a year mean the next such
// date from today on. A weekday that contradicts its date ("Παρασκευή 7/12"
// when the 7th is a Monday) is no date: see parseTypedDate.
func ParseTypedDate(s string, today booking.Date) (booking.Date, bool) {
	t, ok := parseTypedDate(s, today)
	return t.date, ok && !t.mismatch()
}

// typedDate is what a typed date says: the date, and the weekday the
// citizen wrote with it, if any.
type typedDate struct {
	date    booking.Date
	said    time.Weekday
	hasSaid bool
}

// mismatch reports a weekday written with a date it does not fall on.
func (t typedDate) mismatch() bool { return t.hasSaid && t.date.Weekday() != t.said }

// Words around a weekday that mean "of next week": «την άλλη Δευτέρα»,
// «Δευτέρα της άλλης εβδομάδας», "Monday next week". They are folded in
// init, as typed text is before it is compared.
var (
	nextWeekPrefixes = []string{"την άλλη ", "τη άλλη ", "άλλη ", "tin alli ", "alli "}
	nextWeekSuffixes = []string{" της άλλης εβδομάδας", " της επόμενης εβδομάδας", " άλλης εβδομάδας",
		" next week", " of next week", " tis allis evdomadas"}
	// Words before a date that add nothing: «την Παρασκευή», "on Friday".
	datePrefixes = []string{"την επόμενη ", "επόμενη ", "την ", "τη ", "στις ", "next ", "on ", "this ", "the "}
)

func init() {
	for _, words := range [][]string{nextWeekPrefixes, nextWeekSuffixes, datePrefixes, timePrefixes} {
		for i, w := range words {
			// fold trims, and these keep the space that ends or starts them.
			words[i] = strings.Replace(w, strings.TrimSpace(w), fold(w), 1)
		}
	}
	for i := range timeSuffixes {
		timeSuffixes[i].word = fold(timeSuffixes[i].word)
	}
	for i := range clockWords {
		clockWords[i].word = strings.Replace(clockWords[i].word, strings.TrimSpace(clockWords[i].word), fold(clockWords[i].word), 1)
	}
}

// parseTypedDate reads s as ParseTypedDate does, and also returns a
// weekday that contradicts its date, so that the dialog can say so
// instead of guessing which of the two the citizen meant.
func parseTypedDate(s string, today booking.Date) (typedDate, bool) {
	f := strings.Trim(fold(s), " .!?,;«»\"'“”")
	f = strings.Join(strings.Fields(strings.ReplaceAll(f, ",", " ")), " ")
	if f == "" || len(f) > 60 {
		return typedDate{}, false
	}
	if n, ok := relativeDays[f]; ok {
		return typedDate{date: today.AddDays(n)}, true
	}
	nextWeek := false
	for _, p := range nextWeekPrefixes {
		if rest, ok := strings.CutPrefix(f, p); ok {
			f, nextWeek = rest, true
			break
		}
	}
	for _, suf := range nextWeekSuffixes {
		if rest, ok := strings.CutSuffix(f, suf); ok {
			f, nextWeek = rest, true
			break
		}
	}
	for _, p := range datePrefixes {
		f = strings.TrimPrefix(f, p)
	}
	if wd, ok := weekdayNames[f]; ok {
		if nextWeek {
			// The weekday of the calendar week after this one (Monday to
			// Sunday), as «την άλλη Πέμπτη» means on a Tuesday.
			monday := today.AddDays(7 - (int(today.Weekday())+6)%7)
			return typedDate{date: monday.AddDays((int(wd) + 6) % 7)}, true
		}
		n := (int(wd) - int(today.Weekday()) + 7) % 7
		if n == 0 {
			n = 7
		}
		return typedDate{date: today.AddDays(n)}, true
	}
	if nextWeek {
		return typedDate{}, false // "next week" goes with a weekday only
	}
	// A weekday written before or after the date: «Παρασκευή 4/12»,
	// "Friday 4 December", "4/12 Παρασκευή".
	var t typedDate
	if first, rest, ok := strings.Cut(f, " "); ok {
		if wd, ok := weekdayNames[strings.TrimSuffix(first, ".")]; ok {
			t.said, t.hasSaid, f = wd, true, rest
		} else if i := strings.LastIndex(f, " "); i > 0 {
			if wd, ok := weekdayNames[strings.TrimSuffix(f[i+1:], ".")]; ok {
				t.said, t.hasSaid, f = wd, true, f[:i]
			}
		}
	}
	f = strings.TrimPrefix(f, "στις ")
	d, ok := parseNumericDate(f, today)
	if !ok {
		d, ok = parseNamedDate(f, today)
	}
	if !ok {
		return typedDate{}, false
	}
	t.date = d
	return t, true
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
	if len(nums) == 3 && len(parts[0]) == 4 {
		// ISO 8601, as computers and some people write it: 2027-01-05.
		return makeDate(nums[2], time.Month(nums[1]), nums[0], today)
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
		p = strings.TrimSuffix(strings.TrimSuffix(p, ","), ".")
		if m, ok := monthNames[p]; ok && month == 0 {
			month = m
			continue
		}
		p = strings.TrimSuffix(p, "η") // «4η Δεκεμβρίου»
		for _, suf := range []string{"st", "nd", "rd", "th"} {
			p = strings.TrimSuffix(p, suf)
		}
		n, err := strconv.Atoi(p)
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

// Words for a time, folded: «στις 9», «9 και μισή», «10 παρά τέταρτο»,
// "half past 9", "9:30 pm".
var (
	timePrefixes = []string{"γύρω στις ", "στις ", "τις ", "στη ", "η ώρα ", "ώρα ", "at ", "around "}
	// timeSuffixes say the half of the day; "π.μ." and the like lose
	// their last dot to trimming before they are compared.
	timeSuffixes = []struct {
		word string
		pm   bool
	}{
		{"π.μ", false}, {"πμ", false}, {"a.m", false}, {"am", false}, {"το πρωί", false}, {"in the morning", false},
		{"μ.μ", true}, {"μμ", true}, {"p.m", true}, {"pm", true}, {"το μεσημέρι", true}, {"το απόγευμα", true},
		{"in the afternoon", true}, {"η ώρα", false}, {"o'clock", false}, {"oclock", false},
	}
	// clockWords are minutes said with words after the hour.
	clockWords = []struct {
		word   string
		offset int
	}{
		{" και μισή", 30}, {" και τέταρτο", 15}, {" παρά τέταρτο", -15},
		{" kai misi", 30}, {" kai tetarto", 15}, {" para tetarto", -15},
	}
)

// ParseTypedTime understands a local clock time as a citizen types it:
// "9:30", "09.30", "0930", "9", «στις 9 και μισή», «9 και τέταρτο»,
// «10 παρά τέταρτο», "half past 9", "quarter to 10", "2 μ.μ.", "2pm".
func ParseTypedTime(s string) (booking.Clock, bool) {
	c, _, ok := parseTypedTime(s)
	return c, ok
}

// parseTypedTime is ParseTypedTime that also says whether the citizen
// wrote which half of the day they meant ("π.μ.", "pm", «το απόγευμα»).
func parseTypedTime(s string) (c booking.Clock, half bool, ok bool) {
	f := strings.Join(strings.Fields(strings.Trim(fold(s), " .!?,;«»\"'“”")), " ")
	if len(f) > 40 {
		return 0, false, false
	}
	for _, p := range timePrefixes {
		f = strings.TrimPrefix(f, p)
	}
	pm := false
	for _, suf := range timeSuffixes {
		if rest, found := strings.CutSuffix(f, suf.word); found {
			f, pm = strings.TrimSpace(rest), suf.pm
			half = suf.word != fold("η ώρα") && suf.word != "o'clock" && suf.word != "oclock"
			break
		}
	}
	c, ok = parseClockWords(f)
	if !ok {
		return 0, false, false
	}
	if pm && c < 12*60 {
		c += 12 * 60
	}
	return c, half, true
}

// parseClockWords reads "9:30", "9 και μισή", "half past 9" and the like.
func parseClockWords(f string) (booking.Clock, bool) {
	offset := 0 // minutes added to the hour written
	switch {
	case strings.HasPrefix(f, "half past "):
		f, offset = strings.TrimPrefix(f, "half past "), 30
	case strings.HasPrefix(f, "quarter past "), strings.HasPrefix(f, "a quarter past "):
		f, offset = f[strings.Index(f, "past ")+5:], 15
	case strings.HasPrefix(f, "quarter to "), strings.HasPrefix(f, "a quarter to "):
		f, offset = f[strings.Index(f, "to ")+3:], -15
	default:
		for _, w := range clockWords {
			if rest, ok := strings.CutSuffix(f, w.word); ok {
				f, offset = rest, w.offset
				break
			}
		}
	}
	if offset != 0 {
		h, err := strconv.Atoi(f)
		if err != nil || h < 0 || h > 23 || len(f) > 2 {
			return 0, false
		}
		c := h*60 + offset
		if c < 0 {
			return 0, false
		}
		return booking.Clock(c), true
	}
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
