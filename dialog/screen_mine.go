package dialog

import (
	"strconv"
	"strings"
)

// The citizen's bookings, each with Cancel and Move, and the question
// before a cancellation. Moving a booking goes through the calendar and
// the summary with the booking's reference in the draft.

// maxListed is how many upcoming bookings the list shows.
const maxListed = 10

func renderMine(v view) []Reply {
	p := v.p()
	if len(v.s.Bookings) == 0 && len(v.s.WaitList) == 0 {
		return one(v.t("MineNone", nil), rows(row(v.btn(v.t("BtnBook", nil), ActBook)),
			row(v.btn(v.t("BtnMenu", nil), ActMenu))))
	}
	var b strings.Builder
	var rs [][]Button
	if len(v.s.Bookings) == 0 {
		b.WriteString(v.t("MineNone", nil))
	} else {
		b.WriteString(p.N("MineList", len(v.s.Bookings), nil))
	}
	for _, h := range v.s.Bookings {
		b.WriteString("\n\n")
		b.WriteString(v.t("MineItem", map[string]any{"Ref": h.Ref, "Service": v.serviceName(h.Service),
			"When": p.When(h.Start, v.env.loc())}))
		rs = append(rs, row(
			v.btn(v.t("BtnCancelBooking", map[string]any{"Ref": h.Ref}), ActAskCancel, h.Ref),
			v.btn(v.t("BtnReschedule", map[string]any{"Ref": h.Ref}), ActReschedule, h.Ref)))
		if !v.s.waitingFor(h.Ref) {
			rs = append(rs, row(v.btn(v.t("WaitlistBtnEarlier", map[string]any{"Ref": h.Ref}), ActWaitEarlier, h.Ref)))
		}
	}
	if len(v.s.WaitList) > 0 {
		b.WriteString("\n\n")
		b.WriteString(v.waitLines())
		var leave []Button
		for i, e := range v.s.WaitList {
			leave = append(leave, v.btn(v.t("WaitlistBtnLeave", map[string]any{"N": i + 1}), ActWaitLeave, strconv.FormatInt(e.ID, 10)))
		}
		for len(leave) > 0 {
			n := min(len(leave), 3)
			rs, leave = append(rs, row(leave[:n]...)), leave[n:]
		}
	}
	if len(v.s.Bookings) == 0 {
		rs = append(rs, row(v.btn(v.t("BtnBook", nil), ActBook)))
	}
	rs = append(rs, row(v.btn(v.t("BtnMenu", nil), ActMenu)))
	return one(b.String(), rows(rs...))
}

func renderCancelAsk(v view) []Reply {
	h, _ := v.s.held(v.s.Focus)
	return one(v.t("CancelAsk", map[string]any{"Ref": h.Ref, "Service": v.serviceName(h.Service),
		"When": v.p().When(h.Start, v.env.loc())}),
		rows(row(v.btn(v.t("BtnYesCancel", nil), ActDoCancel, h.Ref)),
			row(v.btn(v.t("BtnNoKeep", nil), ActBack))))
}

// loadMine asks for the citizen's bookings; focus and action are what a
// global button asked about one of them, "" for the plain list.
func (m *machine) loadMine(focus string, action GlobalAction) {
	m.s.Pending, m.s.FocusAction = focus, action
	m.effects = append(m.effects, Effect{Kind: MyBookings})
}

// askCancel asks whether to cancel a listed booking; one no longer listed
// refreshes the list.
func (m *machine) askCancel(ref string) {
	if _, ok := m.s.held(ref); !ok {
		m.loadMine("", "")
		return
	}
	m.s.Focus = ref
	m.draw(ScreenCancelAsk)
}

func (m *machine) doCancel(ref string) {
	if _, ok := m.s.held(ref); !ok {
		m.loadMine("", "")
		return
	}
	m.effects = append(m.effects, Effect{Kind: Cancel, Ref: ref})
}

// startReschedule opens the calendar of a listed booking's service to move
// it.
func (m *machine) startReschedule(ref string) {
	h, ok := m.s.held(ref)
	if !ok {
		m.s.note = "NotYourBooking"
		m.loadMine("", "")
		return
	}
	m.resetDraft()
	m.s.Draft.Ref, m.s.Draft.OldStart, m.s.Draft.Service = h.Ref, h.Start, h.Service
	if svc, ok := m.env.service(h.Service); ok {
		m.s.Draft.Department = svc.Department
	}
	m.park(ScreenMyBookings)
	m.loadWeek(0)
}
