package booking

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gr"
)

// nationalHolidays are the Greek public holidays that close public services.
// Dates come from rickar/cal's gr package (Orthodox Easter for the movable
// ones); names are ours, since gr's are Greek only and it calls New Year's
// Day "Xristougenna".
var nationalHolidays = []struct {
	h    *cal.Holiday
	name Text
}{
	{gr.Protoxronia, Text{EL: "Πρωτοχρονιά", EN: "New Year's Day"}},
	{gr.Theophania, Text{EL: "Θεοφάνεια", EN: "Epiphany"}},
	{gr.KatharaDeftera, Text{EL: "Καθαρά Δευτέρα", EN: "Clean Monday"}},
	{gr.IkostiPemptiMartiou, Text{EL: "Εθνική Εορτή 25ης Μαρτίου", EN: "Independence Day"}},
	{gr.MegaliParaskevi, Text{EL: "Μεγάλη Παρασκευή", EN: "Good Friday"}},
	{gr.DefteraPascha, Text{EL: "Δευτέρα του Πάσχα", EN: "Easter Monday"}},
	{gr.ErgatikiProtomagia, Text{EL: "Εργατική Πρωτομαγιά", EN: "Labour Day"}},
	{gr.AgiouPrevmatos, Text{EL: "Αγίου Πνεύματος", EN: "Holy Spirit Monday"}},
	{gr.KimisiTisTheotokou, Text{EL: "Κοίμηση της Θεοτόκου", EN: "Assumption of the Virgin Mary"}},
	{gr.ImeraTouOchi, Text{EL: "Επέτειος του «Όχι»", EN: "Ochi Day"}},
	{gr.Christougenna, Text{EL: "Χριστούγεννα", EN: "Christmas Day"}},
	{gr.SinaxisYperagiasTheotokou, Text{EL: "Σύναξη της Θεοτόκου", EN: "Synaxis of the Theotokos (Boxing Day)"}},
}

// Reasons given for a day on which a department has no opening hours.
var (
	reasonWeekend = Text{EL: "Κλειστά τα Σαββατοκύριακα", EN: "Closed at weekends"}
	reasonNoHours = Text{EL: "Κλειστά αυτή την ημέρα της εβδομάδας", EN: "Closed on this day of the week"}
	reasonClosure = Text{EL: "Κλειστά", EN: "Closed"}
)

// Calendar answers when the office is open and which slots are free. It is
// pure: "now" and the busy times are passed in. It is safe for concurrent
// use.
type Calendar struct {
	cat       *Catalog
	loc       *time.Location
	overrides map[Date]HolidayOverride
	local     map[[2]int]Text // {month, day}

	mu    sync.RWMutex
	years map[int]map[Date]Text // national holidays by year, computed on first use
}

// NewCalendar returns the calendar of c, which must be valid.
func NewCalendar(c *Catalog) *Calendar {
	cal := &Calendar{
		cat:       c,
		loc:       c.Location,
		overrides: make(map[Date]HolidayOverride, len(c.Overrides)),
		local:     make(map[[2]int]Text, len(c.LocalHolidays)),
		years:     make(map[int]map[Date]Text),
	}
	if cal.loc == nil {
		cal.loc = time.UTC
	}
	for _, o := range c.Overrides {
		cal.overrides[o.Date] = o
	}
	for _, h := range c.LocalHolidays {
		cal.local[[2]int{int(h.Month), h.Day}] = h.Name
	}
	return cal
}

// Location returns the time zone in which the calendar computes.
func (cal *Calendar) Location() *time.Location { return cal.loc }

func (cal *Calendar) national(year int) map[Date]Text {
	cal.mu.RLock()
	m, ok := cal.years[year]
	cal.mu.RUnlock()
	if ok {
		return m
	}
	m = make(map[Date]Text, len(nationalHolidays))
	for _, n := range nationalHolidays {
		actual, _ := n.h.Calc(year)
		if !actual.IsZero() {
			m[DateOf(actual, time.UTC)] = n.name
		}
	}
	cal.mu.Lock()
	cal.years[year] = m
	cal.mu.Unlock()
	return m
}

// Holiday reports whether d is a national or local holiday, after the
// catalog's overrides (which may open a holiday or close another day).
func (cal *Calendar) Holiday(d Date) (Text, bool) {
	if o, ok := cal.overrides[d]; ok {
		return o.Name, !o.Open
	}
	if name, ok := cal.national(d.Year)[d]; ok {
		return name, true
	}
	if name, ok := cal.local[[2]int{int(d.Month), d.Day}]; ok {
		return name, true
	}
	return Text{}, false
}

// closuresOn returns the closures of dept among closures in force on d.
//
// The catalog's closures are not added: the store holds them (SyncCatalog
// writes them, and a booking is refused by the database on their days too),
// so the closures read from it already include them.
func (cal *Calendar) closuresOn(dept string, d Date, closures []Closure) []Closure {
	var out []Closure
	for _, c := range closures {
		if c.Department == dept && !d.Before(c.From) && !c.To.Before(d) {
			out = append(out, c)
		}
	}
	return out
}

// Span returns the instants c's days span in the calendar's time zone:
// from the midnight that begins c.From to the one that ends c.To.
func (cal *Calendar) Span(c Closure) (start, end time.Time) {
	return c.From.Midnight(cal.loc), c.To.AddDays(1).Midnight(cal.loc)
}

// DayClosed says whether department dept is closed all day on d and why:
// a holiday, a closure of the whole department (or of every one of its
// desks), or no opening hours that weekday.
func (cal *Calendar) DayClosed(dept *Department, d Date, closures []Closure) (Text, bool) {
	if name, ok := cal.Holiday(d); ok {
		return name, true
	}
	on := cal.closuresOn(dept.Code, d, closures)
	for _, c := range on {
		if c.Desk == "" {
			return closureReason(c), true
		}
	}
	if len(on) > 0 && len(openDesks(dept.Desks, on)) == 0 {
		return closureReason(on[0]), true
	}
	if len(dept.Hours[d.Weekday()]) == 0 {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return reasonWeekend, true
		}
		return reasonNoHours, true
	}
	return Text{}, false
}

func closureReason(c Closure) Text {
	if c.Reason.EL == "" {
		return reasonClosure
	}
	return c.Reason
}

// openDesks returns the desks not closed by any of on (closures of their
// department in force that day), keeping the order.
func openDesks(desks []string, on []Closure) []string {
	var out []string
	for _, desk := range desks {
		if !deskClosed(desk, on) {
			out = append(out, desk)
		}
	}
	return out
}

// deskClosed reports whether any of on closes desk (or its department).
func deskClosed(desk string, on []Closure) bool {
	for _, c := range on {
		if c.Desk == "" || c.Desk == desk {
			return true
		}
	}
	return false
}

// Window returns [earliest, latest) of the starts bookable at now: from now
// plus the minimum notice to the end of the day Horizon days ahead, in the
// office's time zone.
func (cal *Calendar) Window(now time.Time) (earliest, latest time.Time) {
	earliest = now.Add(cal.cat.MinNotice)
	latest = DateOf(now, cal.loc).AddDays(cal.cat.Horizon + 1).Midnight(cal.loc)
	return earliest, latest
}
