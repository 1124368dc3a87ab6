package slack

import (
	"context"
	"slices"
	"strings"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// The waiting list, for staff: how many citizens wait for each service,
// in the roster's summary (booking.Roster.Waiting) and by the slash
// command `waitlist [department]`.

// Waitlist tells how many citizens wait for each service of a department;
// *booking.Office implements it. An Office without it answers the command
// with an error.
type Waitlist interface {
	WaitingCounts(ctx context.Context, a booking.Actor, dept string) (map[string]int, error)
}

// waitingSummary is the roster summary's line of the citizens waiting,
// "" when nobody waits.
func (a *Adapter) waitingSummary(pr *locales.Printer, r booking.Roster) string {
	if len(r.Waiting) == 0 {
		return ""
	}
	return " · " + pr.T("WaitlistStaffSummary", map[string]any{"List": a.waitingList(pr, r.Department, r.Waiting, ", ")})
}

// waitingList names each service of dept with citizens waiting and how
// many, in the catalog's order.
func (a *Adapter) waitingList(pr *locales.Printer, dept string, counts map[string]int, sep string) string {
	var parts []string
	for _, s := range a.office.Catalog().ServicesOf(dept) {
		if n := counts[s.Code]; n > 0 {
			parts = append(parts, pr.N("WaitlistStaffLine", n, map[string]any{"Service": s.Name.In(pr.Lang())}))
		}
	}
	return strings.Join(parts, sep)
}

// cmdWaitlist answers `waitlist [department]`: for the department named,
// or each of the staff member's, the citizens waiting per service.
func (a *Adapter) cmdWaitlist(ctx context.Context, pr *locales.Printer, actor booking.Actor, depts, args []string) string {
	w, ok := a.office.(Waitlist)
	if !ok {
		return pr.T("staff_error", nil)
	}
	show := depts
	if len(args) > 0 {
		code, ok := a.deptCode(strings.Join(args, " "))
		if !ok {
			return pr.T("staff_which_department", map[string]any{"Departments": strings.Join(depts, ", ")})
		}
		if !slices.Contains(depts, code) {
			return pr.T("staff_forbidden", map[string]any{"Department": code})
		}
		show = []string{code}
	}
	var b strings.Builder
	for i, d := range show {
		counts, err := w.WaitingCounts(ctx, actor, d)
		if err != nil {
			a.log.Error("slack waiting list failed", "department", d, "err", err)
			return pr.T("staff_error", nil)
		}
		if i > 0 {
			b.WriteString("\n\n")
		}
		name := a.office.Catalog().DepartmentName(d).In(pr.Lang())
		if list := a.waitingList(pr, d, counts, "\n"); list != "" {
			b.WriteString(pr.T("WaitlistStaffHeader", map[string]any{"Department": name}) + "\n" + list)
		} else {
			b.WriteString(pr.T("WaitlistStaffNone", map[string]any{"Department": name}))
		}
	}
	return b.String()
}
