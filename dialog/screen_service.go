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
	rs = append(rs, v.backCancel())
	return one(v.t("DeptPrompt", nil), rows(rs...))
}

func renderService(v view) []Reply {
	var rs [][]Button
	for i, svc := range v.env.Catalog.Services {
		if svc.Department == v.s.Draft.Department {
			rs = append(rs, row(v.btn("📄 "+svc.Name.In(v.s.Lang), ActService, fmt.Sprint(i))))
		}
	}
	rs = append(rs, v.backCancel())
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
	m.loadWeek(0)
}

// catalogIndex reads a button's catalog index, which must be below n.
func catalogIndex(arg string, n int) (int, bool) {
	i, err := strconv.Atoi(arg)
	return i, err == nil && i >= 0 && i < n
}
