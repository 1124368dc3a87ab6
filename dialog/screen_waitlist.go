package dialog

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// The waiting list. Where the calendar has no free day for a service, or
// a day the citizen chose is full, the date screen offers to join the
// waiting list; for a booking they hold, My bookings offers to wait for an
// earlier time. Either way one screen asks what time of day suits, and the
// office writes when a place frees up (package notify): its "Take it" and
// "No thanks" are global buttons (GlobalTakeOffer, GlobalDeclineOffer),
// answered here whatever the session, an old tap included.

// WaitDraft is the waiting-list entry being put together.
type WaitDraft struct {
	// Day is a full day the citizen chose, offered as "only this day";
	// OnlyDay says they took it. Without it, any day of the horizon.
	Day     booking.Date `json:"d,omitzero"`
	OnlyDay bool         `json:"o,omitempty"`
	// Earlier is the booking to bring forward, with its service and start.
	Earlier        string    `json:"e,omitempty"`
	EarlierService string    `json:"es,omitempty"`
	EarlierStart   time.Time `json:"et,omitzero"`
	// Part is the part of the day chosen while the phone and name steps,
	// which a citizen not known yet goes through first, are on display:
	// the booking an offer makes needs them.
	Part booking.DayPart `json:"p,omitempty"`
}

// askingContact says the phone or name step is on display for a
// waiting-list entry rather than a booking.
func (s State) askingContact() bool {
	return s.Wait.Part != "" && s.Draft.Service != "" && s.Wait.Earlier == ""
}

// WaitHeld is one of the citizen's entries on the waiting list, as listed.
type WaitHeld struct {
	ID      int64           `json:"id"`
	Service string          `json:"svc"`
	From    booking.Date    `json:"f"`
	To      booking.Date    `json:"t"`
	Part    booking.DayPart `json:"p,omitempty"`
	Earlier string          `json:"ref,omitempty"`
	Offered bool            `json:"o,omitempty"`
}

func renderWaitJoin(v view) []Reply {
	p, w, loc := v.p(), v.s.Wait, v.env.loc()
	var text string
	if w.Earlier != "" {
		text = v.t("WaitlistEarlierPrompt", map[string]any{"Ref": w.Earlier, "Service": v.serviceName(w.EarlierService),
			"When": p.When(w.EarlierStart, loc)})
	} else {
		text = v.t("WaitlistJoinPrompt", map[string]any{"Service": v.serviceName(v.s.Draft.Service), "Days": v.waitDays()})
	}
	rs := [][]Button{
		row(v.btn(v.t("WaitlistBtnAnyTime", nil), ActWaitPart, string(booking.AnyTime))),
		row(v.btn(v.t("WaitlistBtnMorning", nil), ActWaitPart, string(booking.Morning)),
			v.btn(v.t("WaitlistBtnLate", nil), ActWaitPart, string(booking.LateMorning))),
	}
	if w.Earlier == "" && w.Day != (booking.Date{}) {
		if w.OnlyDay {
			rs = append(rs, row(v.btn(v.t("WaitlistBtnAnyDay", nil), ActWaitDay, "0")))
		} else {
			rs = append(rs, row(v.btn(v.t("WaitlistBtnOnlyDay", map[string]any{"Date": p.Date(w.Day)}), ActWaitDay, "1")))
		}
	}
	rs = append(rs, v.backStop())
	return one(text, rows(rs...))
}

// waitDays says which days the entry on display waits for.
func (v view) waitDays() string {
	if v.s.Wait.OnlyDay {
		return v.p().Date(v.s.Wait.Day)
	}
	return v.t("WaitlistAnyDay", map[string]any{"To": v.p().Date(v.env.lastDay())})
}

// partText names a part of the day as the lists show it; "" for any time.
func (v view) partText(p booking.DayPart) string {
	switch p {
	case booking.Morning:
		return v.t("WaitlistPartMorning", nil)
	case booking.LateMorning:
		return v.t("WaitlistPartLate", nil)
	}
	return ""
}

// waitLines lists the citizen's entries for My bookings.
func (v view) waitLines() string {
	p := v.p()
	var b strings.Builder
	b.WriteString(v.t("WaitlistMineHeader", nil))
	for i, e := range v.s.WaitList {
		days := p.Date(e.From)
		if e.To != e.From {
			days += " – " + p.Date(e.To)
		}
		data := map[string]any{"N": i + 1, "Service": v.serviceName(e.Service), "Days": days,
			"Part": v.partText(e.Part), "Ref": e.Earlier, "Offered": e.Offered}
		b.WriteString("\n")
		if e.Earlier != "" {
			b.WriteString(v.t("WaitlistMineEarlier", data))
		} else {
			b.WriteString(v.t("WaitlistMineItem", data))
		}
	}
	return b.String()
}

// waitingFor reports whether the citizen waits for an earlier time for ref.
func (s State) waitingFor(ref string) bool {
	return slices.ContainsFunc(s.WaitList, func(e WaitHeld) bool { return e.Earlier == ref })
}

// joinButton is the date screen's way onto the waiting list: shown when
// the week on display has no day that can be booked, or a full day other
// than today (whose times are mostly gone to the notice), for a new
// booking (a move waits through My bookings' "earlier time").
func (v view) joinButton() []Button {
	if v.s.Draft.Ref != "" {
		return nil
	}
	full := len(v.s.Days) == 0
	for _, n := range v.s.Unavailable {
		full = full || n.Full && n.Date != v.env.Today
	}
	if !full {
		return nil
	}
	return row(v.btn(v.t("WaitlistBtnJoin", nil), ActWaitJoin))
}

// openWaitJoin asks what time of day suits for the draft's service; a
// full day the citizen chose is offered as the only day.
func (m *machine) openWaitJoin() {
	d := m.s.Draft
	if d.Service == "" || d.Ref != "" {
		m.reprompt("UseButtons")
		return
	}
	m.s.Wait = WaitDraft{}
	for _, n := range m.s.Unavailable {
		if n.Full && n.Date == d.Date {
			m.s.Wait.Day = d.Date
		}
	}
	m.draw(ScreenWaitJoin)
}

// waitDay switches between the chosen day only ("1") and any day.
func (m *machine) waitDay(arg string) {
	if m.s.Screen != ScreenWaitJoin || m.s.Wait.Day == (booking.Date{}) {
		m.reprompt("UseButtons")
		return
	}
	m.s.Wait.OnlyDay = arg == "1"
	m.draw(ScreenWaitJoin)
}

// askEarlier asks what time of day suits for an earlier time for a
// listed booking.
func (m *machine) askEarlier(ref string) {
	h, ok := m.s.held(ref)
	if !ok {
		m.s.note = "NotYourBooking"
		m.loadMine("", "")
		return
	}
	m.resetDraft()
	m.s.Wait = WaitDraft{Earlier: h.Ref, EarlierService: h.Service, EarlierStart: h.Start}
	m.draw(ScreenWaitJoin)
}

// joinWaitlist joins at the part of the day tapped.
func (m *machine) joinWaitlist(arg string) {
	part := booking.DayPart(arg)
	if m.s.Screen != ScreenWaitJoin || !part.Valid() {
		m.reprompt("UseButtons")
		return
	}
	w, d := m.s.Wait, m.s.Draft
	if w.Earlier == "" && (d.Phone == "" || d.Name == "") {
		// A citizen not known yet: their number and name first, as for a
		// booking, for the one an offer makes.
		m.s.Wait.Part = part
		m.draw(ScreenPhone)
		return
	}
	e := Effect{Kind: JoinWaitlist, Service: d.Service, Part: part, Ref: w.Earlier,
		Name: d.Name, Phone: d.Phone, Lang: m.s.Lang}
	if w.OnlyDay {
		e.From, e.To = w.Day, w.Day
	}
	m.effects = append(m.effects, e)
}

// named goes on from the name step: to the summary of a booking, or for a
// waiting-list entry to joining.
func (m *machine) named() {
	if !m.s.askingContact() {
		m.draw(ScreenConfirm)
		return
	}
	part := m.s.Wait.Part
	m.s.Wait.Part = ""
	m.s.Screen = ScreenWaitJoin // what joining answers from
	m.joinWaitlist(string(part))
}

func (m *machine) waitJoined(r Result) {
	w, svc := m.s.Wait, m.s.Draft.Service
	if w.Earlier != "" {
		svc = w.EarlierService
	}
	data := map[string]any{"Service": m.view().serviceName(svc), "Ref": w.Earlier, "Days": m.view().waitDays()}
	switch r.Err {
	case "":
		m.outcome(true)
		m.s.note = "WaitlistJoined"
		if w.Earlier != "" {
			m.s.note = "WaitlistEarlierJoined"
		}
	case booking.EConflict:
		m.outcome(false)
		m.s.note = "WaitlistAlready"
	case booking.ELimit:
		m.outcome(false)
		m.s.note = "WaitlistLimit"
		data["Max"] = m.env.Catalog.WaitingLimit()
	case booking.EClosed, booking.EInvalid, booking.ENotFound, booking.EForbidden:
		m.outcome(false)
		m.s.note = "WaitlistClosed"
	default:
		m.failed()
		return
	}
	m.s.noteData = data
	m.resetDraft()
	m.draw(ScreenMenu)
}

func (m *machine) waitLoaded(r Result) {
	m.s.WaitList = nil
	// A waiting list that could not be read leaves the bookings to show.
	for _, e := range r.Entries {
		if len(m.s.WaitList) == maxListed {
			break
		}
		m.s.WaitList = append(m.s.WaitList, WaitHeld{ID: e.ID, Service: e.Service, From: e.From, To: e.To,
			Part: e.Part, Earlier: e.EarlierThan, Offered: e.Status == booking.WaitOffered})
	}
	m.draw(ScreenMyBookings)
}

// leaveWaitlist leaves a listed entry; one no longer listed refreshes the
// list.
func (m *machine) leaveWaitlist(arg string) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || !slices.ContainsFunc(m.s.WaitList, func(e WaitHeld) bool { return e.ID == id }) {
		m.loadMine("", "")
		return
	}
	m.effects = append(m.effects, Effect{Kind: LeaveWaitlist, Entry: id})
}

func (m *machine) waitLeft(r Result) {
	switch r.Err {
	case "":
		m.s.note = "WaitlistLeft"
	case booking.ENotFound:
		m.s.note = "WaitlistGone"
	default:
		m.failed()
		return
	}
	m.outcome(false)
	m.loadMine("", "")
}

// answerOffer takes or declines the offer of hold ref. The offer's message
// keeps its text and loses its buttons once answered (see offerAnswered).
func (m *machine) answerOffer(a GlobalAction, ref string) {
	m.s.OfferRef = ref
	k := TakeOffer
	if a == GlobalDeclineOffer {
		k = DeclineOffer
	}
	m.effects = append(m.effects, Effect{Kind: k, Ref: ref})
}

func (m *machine) offerAnswered(r Result) {
	ref := m.s.OfferRef
	m.s.OfferRef = ""
	switch r.Err {
	case "":
		if r.Effect == DeclineOffer {
			m.outcome(false)
			m.resetDraft()
			m.s.note = "OfferDeclined"
			m.draw(ScreenMenu)
			return
		}
		b := r.Booking
		m.outcome(true)
		m.resetDraft()
		m.s.Draft.Department, m.s.Draft.Service = b.Department, b.Service
		m.s.Draft.Start, m.s.Draft.Date = b.Start, booking.DateOf(b.Start, m.env.loc())
		if b.Ref != ref {
			m.s.Draft.Ref = b.Ref // an earlier time: the booking moved
		}
		m.s.DoneRef, m.s.DoneDesk = b.Ref, b.Desk
		m.draw(ScreenDone)
		return
	case booking.EConflict, booking.ENotFound, booking.EClosed, booking.EForbidden:
		m.s.note = "OfferGone"
	case booking.ELimit:
		m.s.note = "WaitlistOfferLimit"
	case booking.ETooOften:
		m.s.note = "TooManyChanges"
	default:
		m.failed()
		return
	}
	m.outcome(false)
	m.resetDraft()
	m.draw(ScreenMenu)
}
