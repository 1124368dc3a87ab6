package dialog

import (
	"strconv"

	"github.com/rantevou/rantevou/booking"
)

// The summary to confirm, and the confirmation with the reference: of a
// new booking, or of a booking moved.

func renderConfirm(v view) []Reply {
	p, d, loc := v.p(), v.s.Draft, v.env.loc()
	rs := rows(row(v.btn(v.t("BtnConfirm", nil), ActConfirm)), v.backStop())
	if d.Ref != "" {
		return one(v.t("ConfirmMove", map[string]any{"Ref": d.Ref, "Service": v.serviceName(d.Service),
			"Old": p.When(d.OldStart, loc), "When": p.When(d.Start, loc)}), rs)
	}
	return one(v.t("ConfirmPrompt", map[string]any{"Department": v.deptName(d.Department),
		"Service": v.serviceName(d.Service), "When": p.When(d.Start, loc), "Name": d.Name,
		"Phone": unbroken(booking.FormatPhone(d.Phone)), "Address": v.address(d.Department)}), rs)
}

// renderDone is the one message that confirms a booking made or moved:
// everything the citizen needs on the day (the code, where, which desk,
// what, when, what to bring, whom to call) and, under it, the way to the
// map and to the phone's calendar. Those two are global buttons: they work
// as long as the message is on the phone.
func renderDone(v view) []Reply {
	p, d, loc := v.p(), v.s.Draft, v.env.loc()
	svc, _ := v.env.service(d.Service)
	id := "Booked"
	if d.Ref != "" {
		id = "Moved"
	}
	text := v.t(id, map[string]any{"Ref": v.s.DoneRef, "Department": v.deptName(d.Department), "Desk": v.s.DoneDesk,
		"Service": v.serviceName(d.Service), "When": p.When(d.Start, loc), "Address": v.address(d.Department),
		"Bring": svc.Bring.In(v.s.Lang), "Phone": v.phone()})
	return one(text, rows(
		row(v.mapButton(d.Department, v.t("BtnMap", nil)),
			Button{Text: v.t("BtnCalendar", nil), Data: GlobalButton(GlobalCalendar, v.s.DoneRef)}),
		row(v.btn(v.t("BtnMine", nil), ActMine), v.btn(v.t("BtnNewBooking", nil), ActBook))))
}

// confirm books the draft, or moves the booking it is about.
func (m *machine) confirm() {
	d := m.s.Draft
	if m.s.Screen != ScreenConfirm || d.Service == "" || d.Start.IsZero() {
		m.reprompt("UseButtons")
		return
	}
	if d.Ref != "" {
		m.effects = append(m.effects, Effect{Kind: Reschedule, Ref: d.Ref, Service: d.Service, Start: d.Start,
			Key: m.key("mv:" + d.Ref)})
		return
	}
	if d.Phone == "" || d.Name == "" {
		m.draw(ScreenPhone)
		return
	}
	m.effects = append(m.effects, Effect{Kind: Book, Service: d.Service, Start: d.Start, Name: d.Name,
		Phone: d.Phone, Lang: m.s.Lang, Key: m.key("bk:" + d.Service)})
}

// key derives an idempotency key from the chat, the session, the screen the
// citizen confirmed on and the draft: a redo of this same update (after a lost
// compare-and-set) repeats the key, a new confirmation does not.
func (m *machine) key(what string) string {
	return "tg:" + strconv.FormatInt(m.env.ChatID, 36) + ":" + strconv.FormatUint(uint64(m.s.Epoch), 36) + ":" +
		strconv.FormatInt(m.s.Version, 36) + ":" + what + ":" + strconv.FormatInt(m.s.Draft.Start.Unix(), 36)
}
