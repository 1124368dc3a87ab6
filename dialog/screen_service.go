package dialog

import (
	"fmt"
	"strconv"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// What to book: a department, then one of its services. Buttons carry the
// index in the catalog, which keeps their data short whatever the codes.

func renderDept(v view) []Reply {
	var rs [][]Button
	for i, dep := range v.env.Catalog.Departments {
		rs = append(rs, row(v.btn("🏛 "+dep.Name.In(v.s.Lang), ActDept, fmt.Sprint(i))))
	}
	rs = append(rs, v.backStop())
	return one(v.t("DeptPrompt", nil), rows(rs...))
}

func renderService(v view) []Reply {
	var rs [][]Button
	for i, svc := range v.env.Catalog.Services {
		if svc.Department == v.s.Draft.Department {
			rs = append(rs, row(v.btn("📄 "+svc.Name.In(v.s.Lang), ActService, fmt.Sprint(i))))
		}
	}
	if v.s.note == "LimitService" {
		// The note sends the citizen to the booking that stands in the way.
		rs = append(rs, row(v.btn(v.t("BtnMine", nil), ActMine)))
	}
	rs = append(rs, v.backStop())
	return one(v.t("ServicePrompt", map[string]any{"Department": v.deptName(v.s.Draft.Department)}), rows(rs...))
}

func (m *machine) pickDept(arg string) {
	i, ok := catalogIndex(arg, len(m.env.Catalog.Departments))
	if !ok {
		m.reprompt("UseButtons")
		return
	}
	m.resetDraft()
	m.s.Draft.Department = m.env.Catalog.Departments[i].Code
	m.draw(ScreenService)
}

func (m *machine) pickService(arg string) {
	svcs := m.env.Catalog.Services
	i, ok := catalogIndex(arg, len(svcs))
	if !ok || svcs[i].Department != m.s.Draft.Department {
		m.reprompt("UseButtons")
		return
	}
	m.s.Draft.Service = svcs[i].Code
	m.s.Draft.Date, m.s.Draft.Start = booking.Date{}, time.Time{}
	m.checkLimits(LimitBeforeDay)
}

// The limits on a citizen's bookings (the catalog's max_active and
// max_per_service) are checked before the calendar is shown, so that a
// citizen who may not book is told so, with the rule that applies, before
// choosing a day, a time and typing a name. The store checks them again
// under its lock when booking; when it refuses, the same check names the
// rule.

// checkLimits loads the citizen's bookings to check the limits for the
// draft's service; limitsChecked goes on from there. A citizen who can hold
// none (State.NoBookings) goes on at once, as with an empty list, before a
// day: after a refusal by the store they do hold some, and the list says
// which rule it applied.
func (m *machine) checkLimits(why LimitCheck) {
	m.s.LimitCheck = why
	if why == LimitBeforeDay && m.s.NoBookings {
		m.limitsChecked(Result{Effect: MyBookings})
		return
	}
	m.effects = append(m.effects, Effect{Kind: MyBookings})
}

// limitsChecked shows the calendar when the citizen may book the draft's
// service, and else says which limit stops them: all their bookings, on
// the menu, or this service's, on the list of services to choose another.
// A check that could not be made lets the booking go on: the store has
// the last word anyway.
func (m *machine) limitsChecked(r Result) {
	why := m.s.LimitCheck
	m.s.LimitCheck = ""
	if r.Err != "" && why == LimitBeforeDay {
		m.loadWeek(0)
		return
	}
	l := m.limitReached(r.Bookings)
	switch {
	case l.id == "" && why == LimitBeforeDay:
		m.loadWeek(0)
		return
	case l.id == "":
		// Refused by the store, yet within the limits now: a booking of
		// theirs ended or was cancelled meanwhile.
		l.id = "LimitChanged"
	}
	// A refusal: a new message below, the screen it answers released.
	m.outcome(false)
	m.s.note, m.s.noteData = l.id, l.data
	if l.id == "LimitService" {
		m.s.Draft.Service, m.s.Draft.Date, m.s.Draft.Start = "", booking.Date{}, time.Time{}
		m.draw(ScreenService)
		return
	}
	m.resetDraft()
	m.draw(ScreenMenu)
}

// limit is the rule a new booking of the draft's service would break, as a
// note and its data; id "" when none.
type limit struct {
	id   string
	data map[string]any
}

// limitReached applies the catalog's limits to the citizen's active
// bookings. The limit on all bookings comes first, as in the store: a
// citizen who holds as many as allowed can book no other service either.
func (m *machine) limitReached(held []booking.Booking) limit {
	c := m.env.Catalog
	v := m.view()
	var same []booking.Booking
	for _, b := range held {
		if b.Service == m.s.Draft.Service {
			same = append(same, b)
		}
	}
	data := func(max int, bs []booking.Booking) map[string]any {
		d := map[string]any{"Count": max, "Service": v.serviceName(m.s.Draft.Service)}
		if len(bs) > 0 {
			d["Ref"], d["When"] = bs[0].Ref, v.p().When(bs[0].Start, m.env.loc())
			d["HeldService"] = v.serviceName(bs[0].Service)
		}
		return d
	}
	switch {
	case c.MaxActive > 0 && len(held) >= c.MaxActive:
		return limit{"LimitTotal", data(c.MaxActive, held)}
	case c.MaxPerService > 0 && len(same) >= c.MaxPerService:
		return limit{"LimitService", data(c.MaxPerService, same)}
	}
	return limit{}
}

// catalogIndex reads a button's catalog index, which must be below n.
func catalogIndex(arg string, n int) (int, bool) {
	i, err := strconv.Atoi(arg)
	return i, err == nil && i >= 0 && i < n
}
