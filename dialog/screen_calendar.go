package dialog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rantevou/rantevou/booking"
)

// When: the calendar, a week of bookable days at a time, then the free
// times of the chosen day. Both take a typed date, the time screen a typed
// time too. The week arithmetic is with the other dates, in dates.go.

// timesPerRow is how many times fit side by side on a phone's screen.
const timesPerRow = 4

func renderDate(v view) []Reply {
	p, d := v.p(), v.s.Draft
	var rs [][]Button
	for _, day := range v.s.Days {
		rs = append(rs, row(v.btn("📅 "+v.dayLabel(day), ActDate, compactDate(day))))
	}
	rs = append(rs, row(v.btn(v.t("BtnFirst", nil), ActFirst)))
	rs = append(rs, v.joinButton())
	var nav []Button
	if v.s.Week > 0 {
		nav = append(nav, v.btn(v.t("BtnPrevWeek", nil), ActWeek, fmt.Sprint(v.s.Week-1)))
	}
	next := v.s.Week < v.env.maxWeek()
	if next {
		nav = append(nav, v.btn(v.t("BtnNextWeek", nil), ActWeek, fmt.Sprint(v.s.Week+1)))
	}
	if len(nav) > 0 {
		rs = append(rs, nav)
	}
	rs = append(rs, v.backStop())
	svc, _ := v.env.service(d.Service)
	from, to := v.openRange()
	days := p.Date(from)
	if from != to {
		days += " – " + p.Date(to)
	}
	text := v.t("DatePrompt", map[string]any{"Service": v.serviceName(d.Service), "Bring": svc.Bring.In(v.s.Lang),
		"Days": days})
	if lines := v.unavailableLines(); lines != "" {
		text += "\n\n" + lines
	}
	if len(v.s.Days) == 0 {
		text += "\n\n" + v.t("DateNoneThisWeek", map[string]any{"Next": next})
	}
	return one(v.moving()+text, rows(rs...))
}

// dayLabel names a day on its button, with «Σήμερα» or «Αύριο» before the
// date when it is one of them.
func (v view) dayLabel(d booking.Date) string {
	switch d {
	case v.env.Today:
		return v.t("DayToday", map[string]any{"Date": v.p().Date(d)})
	case v.env.Today.AddDays(1):
		return v.t("DayTomorrow", map[string]any{"Date": v.p().Date(d)})
	}
	return v.p().Date(d)
}

// openRange is the part of the week on display that can be booked, from
// its first to its last day on which the department opens: a week ending
// on a Sunday the office never opens ends, for the citizen, on Friday.
func (v view) openRange() (from, to booking.Date) {
	from, to = v.env.weekRange(v.s.Week)
	dep, ok := v.env.dept(v.s.Draft.Department)
	if !ok {
		return from, to
	}
	var open []booking.Date
	for day := from; !to.Before(day); day = day.AddDays(1) {
		if len(dep.Hours[day.Weekday()]) > 0 {
			open = append(open, day)
		}
	}
	if len(open) == 0 {
		return from, to
	}
	return open[0], open[len(open)-1]
}

// unavailableLines says why each day of the week that the department
// usually opens is missing from the list.
func (v view) unavailableLines() string {
	var lines []string
	for _, n := range v.s.Unavailable {
		date := v.dayLabel(n.Date)
		switch {
		case n.Full:
			lines = append(lines, v.t("DayFullLine", map[string]any{"Date": date}))
		default:
			lines = append(lines, v.t("DayClosedLine", map[string]any{"Date": date, "Reason": closedReason(n.Reason, v.s.Lang)}))
		}
	}
	return strings.Join(lines, "\n")
}

// closedReason is the reason a day is closed, or "" when it says no more
// than "closed" (a closure entered without a reason).
func closedReason(r booking.Text, l booking.Lang) string {
	s := r.In(l)
	switch fold(s) {
	case "κλειστα", "closed":
		return ""
	}
	return s
}

func renderTime(v view) []Reply {
	d := v.s.Draft
	var rs [][]Button
	var r []Button
	for _, c := range v.s.Times {
		if len(rs)*timesPerRow+len(r) >= MaxButtons-8 {
			break
		}
		r = append(r, v.btn(c.String(), ActTime, compactClock(c)))
		if len(r) == timesPerRow {
			rs, r = append(rs, r), nil
		}
	}
	if len(r) > 0 {
		rs = append(rs, r)
	}
	rs = append(rs, v.backStop())
	text := v.t("TimePrompt", map[string]any{"Date": v.p().Date(d.Date), "Service": v.serviceName(d.Service)})
	return one(v.moving()+text, rows(rs...))
}

func (m *machine) dateText(t string) {
	if !m.typedDate(t) {
		m.reprompt("DateNotUnderstood")
	}
}

// timeText takes a free time, else a date: "1.12" is both 01:12 and
// 1 December. An hour from 1 to 7 that does not say "π.μ." is in the
// afternoon: nobody books «στις 2» for two at night.
func (m *machine) timeText(t string) {
	c, half, isTime := parseTypedTime(t)
	if isTime && !half && c >= 60 && c < 8*60 {
		c += 12 * 60
	}
	if isTime && slices.Contains(m.s.Times, c) {
		m.pickTime(c)
		return
	}
	if m.typedDate(t) {
		return
	}
	if isTime {
		m.s.noteData = map[string]any{"Time": c.String()}
		m.reprompt("TimeNotFree")
		return
	}
	m.reprompt("TimeNotUnderstood")
}

// typedDate picks the date t names, if it names one. A weekday that does
// not fit its date is pointed out, with that date's week on display, so
// that the citizen sees both days and chooses.
func (m *machine) typedDate(t string) bool {
	td, ok := parseTypedDate(t, m.env.Today)
	if !ok {
		return false
	}
	if td.mismatch() {
		p := m.view().p()
		m.s.note, m.s.noteData = "DateWeekdayMismatch", map[string]any{"DayMonth": p.DayMonth(td.date),
			"Weekday": p.Weekday(td.date.Weekday()), "Said": p.Weekday(td.said)}
		m.loadWeek(m.env.weekOf(td.date))
		return true
	}
	m.pickDate(td.date)
	return true
}

// pickWeek shows the calendar week a button names.
func (m *machine) pickWeek(arg string) {
	w, err := strconv.Atoi(arg)
	if err != nil || w < 0 || w > m.env.maxWeek() || m.s.Draft.Service == "" {
		m.reprompt("UseButtons")
		return
	}
	m.loadWeek(w)
}

// loadWeek asks for the availability of calendar week w.
func (m *machine) loadWeek(w int) {
	if w < 0 {
		w = 0
	}
	if w > m.env.maxWeek() {
		w = m.env.maxWeek()
	}
	m.s.Week = w
	from, to := m.env.weekRange(w)
	m.effects = append(m.effects, Effect{Kind: LoadDays, Service: m.s.Draft.Service, From: from, To: to})
}

func (m *machine) tapDate(arg string) {
	d, ok := parseCompactDate(arg)
	if !ok || m.s.Draft.Service == "" {
		m.reprompt("UseButtons")
		return
	}
	m.pickDate(d)
}

// pickDate asks for the free times of d, if d can be booked at all.
func (m *machine) pickDate(d booking.Date) {
	if d.Before(m.env.Today) || m.env.lastDay().Before(d) {
		id := "DateOutOfRange"
		if d.Before(m.env.Today) {
			id = "DatePast"
		}
		m.s.noteData = map[string]any{"Date": m.view().p().Date(d)}
		if m.s.Screen == ScreenTime {
			// The note says "choose a day from the list": show the list.
			m.s.note = id
			m.loadWeek(m.s.Week)
			return
		}
		m.reprompt(id)
		return
	}
	m.s.Draft.Date = d
	m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: d})
}

// firstFree asks for the first free slot of the service, whose day's
// times are then shown.
func (m *machine) firstFree() {
	if m.s.Draft.Service == "" {
		m.reprompt("UseButtons")
		return
	}
	m.effects = append(m.effects, Effect{Kind: FirstAvailable, Service: m.s.Draft.Service})
}

func (m *machine) tapTime(arg string) {
	c, ok := parseCompactClock(arg)
	if !ok {
		m.reprompt("UseButtons")
		return
	}
	m.pickTime(c)
}

// pickTime takes one of the free times on display and asks for what the
// booking still lacks.
func (m *machine) pickTime(c booking.Clock) {
	if m.s.Screen != ScreenTime || !slices.Contains(m.s.Times, c) {
		m.reprompt("TimeNotUnderstood")
		return
	}
	m.s.Draft.Start = m.s.Draft.Date.At(c, m.env.loc())
	switch {
	case m.s.Draft.Ref != "":
		m.draw(ScreenConfirm)
	case m.s.Draft.Phone == "":
		m.draw(ScreenPhone)
	default:
		// The phone given earlier in this session is offered again on the
		// name screen's summary; the citizen can go back to change it.
		m.draw(ScreenName)
	}
}
