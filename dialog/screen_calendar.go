package dialog

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/rantevou/rantevou/booking"
)

// When: the calendar, a week of bookable days at a time, then the free
// times of the chosen day. Both take a typed date, the time screen a typed
// time too. The week arithmetic is with the other dates, in dates.go.

// timesPerRow is how many times fit side by side on a phone's screen.
const timesPerRow = 4

func renderDate(v view) []Reply {
	p, d := v.p(), v.s.Draft
	from, to := v.env.weekRange(v.s.Week)
	var rs [][]Button
	for _, day := range v.s.Days {
		rs = append(rs, row(v.btn("📅 "+p.Date(day), ActDate, compactDate(day))))
	}
	rs = append(rs, row(v.btn(v.t("BtnFirst", nil), ActFirst)))
	var nav []Button
	if v.s.Week > 0 {
		nav = append(nav, v.btn(v.t("BtnPrevWeek", nil), ActWeek, fmt.Sprint(v.s.Week-1)))
	}
	if v.s.Week < v.env.maxWeek() {
		nav = append(nav, v.btn(v.t("BtnNextWeek", nil), ActWeek, fmt.Sprint(v.s.Week+1)))
	}
	if len(nav) > 0 {
		rs = append(rs, nav)
	}
	rs = append(rs, v.backCancel())
	svc, _ := v.env.service(d.Service)
	text := v.t("DatePrompt", map[string]any{"Service": v.serviceName(d.Service), "Bring": svc.Bring.In(v.s.Lang),
		"From": p.Date(from), "To": p.Date(to)})
	if len(v.s.Days) == 0 {
		text += "\n\n" + v.t("DateNoneThisWeek", nil)
	}
	return one(v.moving()+text, rows(rs...))
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
	rs = append(rs, v.backCancel())
	text := v.t("TimePrompt", map[string]any{"Date": v.p().Date(d.Date), "Service": v.serviceName(d.Service)})
	return one(v.moving()+text, rows(rs...))
}

func (m *machine) dateText(t string) {
	if !m.typedDate(t) {
		m.reprompt("DateNotUnderstood")
	}
}

// timeText takes a free time, else a date: "1.12" is both 01:12 and
// 1 December.
func (m *machine) timeText(t string) {
	if c, ok := ParseTypedTime(t); ok && slices.Contains(m.s.Times, c) {
		m.pickTime(c)
		return
	}
	if !m.typedDate(t) {
		m.reprompt("TimeNotUnderstood")
	}
}

// typedDate picks the date t names, if it names one.
func (m *machine) typedDate(t string) bool {
	d, ok := ParseTypedDate(t, m.env.Today)
	if ok {
		m.pickDate(d)
	}
	return ok
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
		if m.s.Screen == ScreenTime {
			// The note says "choose a day from the list": show the list.
			m.s.note = "DateOutOfRange"
			m.loadWeek(m.s.Week)
			return
		}
		m.reprompt("DateOutOfRange")
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
