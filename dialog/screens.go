package dialog

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/rantevou/rantevou/booking"
)

// Telegram's limits on inline keyboards; see PLATFORM.md.
const (
	maxPerRow   = 8
	maxButtons  = 100
	timesPerRow = 4
	maxTextLen  = 4096
)

var zeroTime time.Time

// draw makes scr the screen on display under a new version and renders it.
func (m *machine) draw(scr Screen) {
	if m.s.Screen == ScreenPhone && scr != ScreenPhone && !m.removedKeyboard() {
		// Leaving the phone step by any path (Back, Cancel, a command) must
		// take its contact keyboard away.
		m.removeKeyboard("KeyboardGone", nil)
	}
	m.s.Screen = scr
	m.s.Version++
	edit := m.s.tapped && !m.removedKeyboard()
	for i, r := range m.render() {
		r.Edit = edit && i == 0 && !r.ContactButton
		m.replies = append(m.replies, r)
	}
	m.s.tapped = false // only the first screen of a step replaces the tapped message
}

// reprompt shows the current screen again, under the same version, as a new
// message below what the citizen typed, with note id above it.
func (m *machine) reprompt(id string) {
	if id != "" {
		if m.s.note != "" && m.s.note != id {
			m.say(m.t(m.s.note, m.noteData()))
		}
		m.s.note = id
	}
	if m.s.Screen == ScreenNone || m.s.Screen == ScreenDone {
		// Nothing to come back to: the confirmation stays above, the menu
		// offers what can be done next.
		m.s.Screen = ScreenMenu
		m.s.Version++
	}
	m.replies = append(m.replies, m.render()...)
}

// say adds a plain message.
func (m *machine) say(text string) {
	m.replies = append(m.replies, Reply{Text: clip(text)})
}

// removeKeyboard sends a short message that also takes away the reply
// keyboard of the phone screen. Telegram carries one reply_markup per message,
// so it cannot ride on a message with inline buttons.
func (m *machine) removeKeyboard(id string, data map[string]any) {
	m.replies = append(m.replies, Reply{Text: m.t(id, data), RemoveKeyboard: true})
}

func (m *machine) removedKeyboard() bool {
	for _, r := range m.replies {
		if r.RemoveKeyboard {
			return true
		}
	}
	return false
}

func (m *machine) noteData() map[string]any {
	d := map[string]any{"Phone": m.phone(), "Max": m.env.Catalog.MaxActive, "Count": m.env.Catalog.MaxActive,
		"Last": m.p().Date(m.lastDay()), "Date": m.p().Date(m.s.Draft.Date), "Days": daysBetween(m.env.Today, m.lastDay())}
	for k, v := range m.s.noteData {
		d[k] = v
	}
	return d
}

// render returns the replies that show the current screen, the pending note
// above the first one.
func (m *machine) render() []Reply {
	var rs []Reply
	switch m.s.Screen {
	case ScreenPhone:
		rs = []Reply{
			{Text: m.t("PhonePrompt", nil), ContactButton: true, ContactLabel: m.t("BtnShareContact", nil)},
			{Text: m.t("PhoneBackHint", nil), Buttons: m.rows(m.backCancel())},
		}
	default:
		text, buttons := m.screen()
		rs = []Reply{{Text: text, Buttons: buttons}}
	}
	if m.s.note != "" {
		note := m.s.note
		var text string
		if note == "Limit" {
			text = m.p().N(note, m.env.Catalog.MaxActive, m.noteData())
		} else {
			text = m.t(note, m.noteData())
		}
		rs[0].Text = text + "\n\n" + rs[0].Text
		m.s.note, m.s.noteData = "", nil
	}
	for i := range rs {
		rs[i].Text = clip(rs[i].Text)
	}
	return rs
}

// screen renders every screen but the phone one.
func (m *machine) screen() (string, [][]Button) {
	p, d := m.p(), m.s.Draft
	switch m.s.Screen {
	case ScreenDept:
		var rows [][]Button
		for i, dep := range m.env.Catalog.Departments {
			rows = append(rows, m.row(m.btn("🏛 "+dep.Name.In(m.s.Lang), ActDept, fmt.Sprint(i))))
		}
		rows = append(rows, m.backCancel())
		return m.t("DeptPrompt", nil), m.rows(rows...)
	case ScreenService:
		var rows [][]Button
		for i, svc := range m.env.Catalog.Services {
			if svc.Department == d.Department {
				rows = append(rows, m.row(m.btn("📄 "+svc.Name.In(m.s.Lang), ActService, fmt.Sprint(i))))
			}
		}
		rows = append(rows, m.backCancel())
		return m.t("ServicePrompt", map[string]any{"Department": m.deptName(d.Department)}), m.rows(rows...)
	case ScreenDate:
		return m.dateScreen()
	case ScreenTime:
		var rows [][]Button
		var row []Button
		for _, c := range m.s.Times {
			if len(rows)*timesPerRow+len(row) >= maxButtons-8 {
				break
			}
			row = append(row, m.btn(c.String(), ActTime, fmt.Sprintf("%02d%02d", int(c)/60, int(c)%60)))
			if len(row) == timesPerRow {
				rows, row = append(rows, row), nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		rows = append(rows, m.backCancel())
		return m.moving() + m.t("TimePrompt", map[string]any{"Date": p.Date(d.Date), "Service": m.serviceName(d.Service)}), m.rows(rows...)
	case ScreenName:
		var rows [][]Button
		name := d.ContactName
		if name == "" {
			name = d.Name
		}
		if name != "" {
			rows = append(rows, m.row(m.btn(m.t("BtnUseName", map[string]any{"Name": name}), ActUseName)))
		}
		rows = append(rows, m.backCancel())
		return m.t("NamePrompt", nil), m.rows(rows...)
	case ScreenConfirm:
		rows := [][]Button{m.row(m.btn(m.t("BtnConfirm", nil), ActConfirm)), m.backCancel()}
		if d.Ref != "" {
			return m.t("ConfirmMove", map[string]any{"Ref": d.Ref, "Service": m.serviceName(d.Service),
				"Old": p.When(d.OldStart, m.loc()), "When": p.When(d.Start, m.loc())}), m.rows(rows...)
		}
		return m.t("ConfirmPrompt", map[string]any{"Department": m.deptName(d.Department),
			"Service": m.serviceName(d.Service), "When": p.When(d.Start, m.loc()), "Name": d.Name,
			"Phone": booking.FormatPhone(d.Phone)}), m.rows(rows...)
	case ScreenDone:
		rows := [][]Button{m.row(m.btn(m.t("BtnMine", nil), ActMine), m.btn(m.t("BtnNewBooking", nil), ActBook))}
		if d.Ref != "" {
			return m.t("Moved", map[string]any{"Ref": m.s.DoneRef, "When": p.When(d.Start, m.loc())}), m.rows(rows...)
		}
		svc, _ := m.service(d.Service)
		return m.t("Booked", map[string]any{"Ref": m.s.DoneRef, "Department": m.deptName(d.Department),
			"Service": m.serviceName(d.Service), "When": p.When(d.Start, m.loc()),
			"Bring": svc.Bring.In(m.s.Lang), "Phone": m.phone()}), m.rows(rows...)
	case ScreenMyBookings:
		if len(m.s.Bookings) == 0 {
			return m.t("MineNone", nil), m.rows(m.row(m.btn(m.t("BtnBook", nil), ActBook)),
				m.row(m.btn(m.t("BtnMenu", nil), ActMenu)))
		}
		var b strings.Builder
		b.WriteString(p.N("MineList", len(m.s.Bookings), nil))
		var rows [][]Button
		for _, h := range m.s.Bookings {
			b.WriteString("\n\n")
			b.WriteString(m.t("MineItem", map[string]any{"Ref": h.Ref, "Service": m.serviceName(h.Service),
				"When": p.When(h.Start, m.loc())}))
			rows = append(rows, m.row(
				m.btn(m.t("BtnCancelBooking", map[string]any{"Ref": h.Ref}), ActAskCancel, h.Ref),
				m.btn(m.t("BtnReschedule", map[string]any{"Ref": h.Ref}), ActReschedule, h.Ref)))
		}
		rows = append(rows, m.row(m.btn(m.t("BtnMenu", nil), ActMenu)))
		return b.String(), m.rows(rows...)
	case ScreenCancelAsk:
		h, _ := m.held(m.s.Focus)
		return m.t("CancelAsk", map[string]any{"Ref": h.Ref, "Service": m.serviceName(h.Service),
				"When": p.When(h.Start, m.loc())}),
			m.rows(m.row(m.btn(m.t("BtnYesCancel", nil), ActDoCancel, h.Ref)),
				m.row(m.btn(m.t("BtnNoKeep", nil), ActBack)))
	case ScreenLang:
		return m.t("LangPrompt", nil), m.rows(
			m.row(m.btn("🇬🇷 Ελληνικά", ActLang, string(booking.Greek)), m.btn("🇬🇧 English", ActLang, string(booking.English))),
			m.row(m.btn(m.t("BtnBack", nil), ActBack)))
	default: // ScreenMenu and anything unknown
		m.s.Screen = ScreenMenu
		return m.t("MenuPrompt", nil), m.rows(
			m.row(m.btn(m.t("BtnBook", nil), ActBook)),
			m.row(m.btn(m.t("BtnMine", nil), ActMine)),
			m.row(m.btn(m.t("BtnInfo", nil), ActInfo), m.btn(m.t("BtnHelp", nil), ActHelp)),
			m.row(m.btn(m.t("BtnOtherLang", nil), ActLang, string(otherLang(m.s.Lang)))))
	}
}

func (m *machine) dateScreen() (string, [][]Button) {
	p, d := m.p(), m.s.Draft
	from, to := m.weekRange(m.s.Week)
	var rows [][]Button
	for _, day := range m.s.Days {
		rows = append(rows, m.row(m.btn("📅 "+p.Date(day), ActDate, compactDate(day))))
	}
	rows = append(rows, m.row(m.btn(m.t("BtnFirst", nil), ActFirst)))
	var nav []Button
	if m.s.Week > 0 {
		nav = append(nav, m.btn(m.t("BtnPrevWeek", nil), ActWeek, fmt.Sprint(m.s.Week-1)))
	}
	if m.s.Week < m.maxWeek() {
		nav = append(nav, m.btn(m.t("BtnNextWeek", nil), ActWeek, fmt.Sprint(m.s.Week+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	rows = append(rows, m.backCancel())
	svc, _ := m.service(d.Service)
	text := m.t("DatePrompt", map[string]any{"Service": m.serviceName(d.Service), "Bring": svc.Bring.In(m.s.Lang),
		"From": p.Date(from), "To": p.Date(to)})
	if len(m.s.Days) == 0 {
		text += "\n\n" + m.t("DateNoneThisWeek", nil)
	}
	return m.moving() + text, m.rows(rows...)
}

// moving heads the date and time screens while a booking is being moved,
// so that a citizen who came from a reminder knows which appointment
// changes and when it is now.
func (m *machine) moving() string {
	d := m.s.Draft
	if d.Ref == "" {
		return ""
	}
	return m.t("MovingHeader", map[string]any{"Ref": d.Ref, "Old": m.p().When(d.OldStart, m.loc())}) + "\n\n"
}

func (m *machine) backCancel() []Button {
	return m.row(m.btn(m.t("BtnBack", nil), ActBack), m.btn(m.t("BtnCancel", nil), ActCancel))
}

// btn returns a button of this screen's version; its Data is "" if the
// callback data would not fit, and row drops such buttons.
func (m *machine) btn(text string, a Action, args ...string) Button {
	data, err := Callback{Version: m.s.Version, Epoch: m.s.Epoch, Action: a, Args: args}.Encode()
	if err != nil {
		return Button{}
	}
	return Button{Text: text, Data: data}
}

func (m *machine) row(bs ...Button) []Button {
	var r []Button
	for _, b := range bs {
		if b.Data != "" && len(r) < maxPerRow {
			r = append(r, b)
		}
	}
	return r
}

// rows drops empty rows and keeps the keyboard within Telegram's 100
// buttons, always keeping the last row (Back/Cancel).
func (m *machine) rows(rs ...[]Button) [][]Button {
	var out [][]Button
	n := 0
	for i, r := range rs {
		if len(r) == 0 {
			continue
		}
		if n+len(r) > maxButtons || (i < len(rs)-1 && n+len(r) > maxButtons-maxPerRow) {
			continue
		}
		out = append(out, r)
		n += len(r)
	}
	return out
}

// infoText lists every department's phones, e-mail and hours.
func (m *machine) infoText() string {
	var b strings.Builder
	b.WriteString(m.t("InfoHeader", nil))
	for _, dep := range m.env.Catalog.Departments {
		b.WriteString("\n\n")
		b.WriteString(m.t("InfoDept", map[string]any{"Name": dep.Name.In(m.s.Lang),
			"Phones": formatPhones(dep.Phones), "Email": dep.Email, "Hours": m.hours(dep.Hours),
			"Notes": dep.Notes.In(m.s.Lang)}))
	}
	return b.String()
}

// formatPhones lists a department's phones as people read them.
func formatPhones(phones []string) string {
	out := make([]string, len(phones))
	for i, p := range phones {
		out[i] = booking.FormatPhone(p)
	}
	return strings.Join(out, ", ")
}

// hours renders opening hours, grouping consecutive days with equal hours:
// "Δευτέρα – Παρασκευή 08:00–14:00".
func (m *machine) hours(h booking.WeekHours) string {
	p := m.p()
	day := func(wd time.Weekday) string {
		var ps []string
		for _, per := range h[wd] {
			ps = append(ps, per.Start.String()+"–"+per.End.String())
		}
		return strings.Join(ps, ", ")
	}
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var lines []string
	for i := 0; i < len(order); {
		j, hs := i, day(order[i])
		for j+1 < len(order) && day(order[j+1]) == hs {
			j++
		}
		if hs != "" {
			name := p.Weekday(order[i])
			if j > i {
				name += " – " + p.Weekday(order[j])
			}
			lines = append(lines, name+" "+hs)
		}
		i = j + 1
	}
	return strings.Join(lines, "; ")
}

func (m *machine) loc() *time.Location {
	if m.env.Catalog.Location != nil {
		return m.env.Catalog.Location
	}
	return time.UTC
}

func (m *machine) service(code string) (booking.Service, bool) {
	for _, s := range m.env.Catalog.Services {
		if s.Code == code {
			return s, true
		}
	}
	return booking.Service{}, false
}

func (m *machine) serviceName(code string) string {
	if s, ok := m.service(code); ok {
		return s.Name.In(m.s.Lang)
	}
	return code
}

func (m *machine) dept(code string) (booking.Department, bool) {
	for _, d := range m.env.Catalog.Departments {
		if d.Code == code {
			return d, true
		}
	}
	return booking.Department{}, false
}

func (m *machine) deptName(code string) string {
	if d, ok := m.dept(code); ok {
		return d.Name.In(m.s.Lang)
	}
	return code
}

// phone is the number to call when something goes wrong: the department's
// of the booking under way, else the first one the catalog lists.
func (m *machine) phone() string {
	if d, ok := m.dept(m.s.Draft.Department); ok && len(d.Phones) > 0 {
		return booking.FormatPhone(d.Phones[0])
	}
	for _, d := range m.env.Catalog.Departments {
		if len(d.Phones) > 0 {
			return booking.FormatPhone(d.Phones[0])
		}
	}
	return "—"
}

// lastDay is the last bookable date.
func (m *machine) lastDay() booking.Date {
	h := m.env.Catalog.Horizon
	if h <= 0 {
		h = 30
	}
	return m.env.Today.AddDays(h)
}

func (m *machine) monday() booking.Date {
	return m.env.Today.AddDays(-((int(m.env.Today.Weekday()) + 6) % 7))
}

// weekRange returns the bookable days of calendar week w.
func (m *machine) weekRange(w int) (from, to booking.Date) {
	start := m.monday().AddDays(7 * w)
	from, to = start, start.AddDays(6)
	if from.Before(m.env.Today) {
		from = m.env.Today
	}
	if last := m.lastDay(); last.Before(to) {
		to = last
	}
	return from, to
}

func (m *machine) maxWeek() int { return daysBetween(m.monday(), m.lastDay()) / 7 }

// weekOf returns the calendar week of d, within range.
func (m *machine) weekOf(d booking.Date) int {
	w := daysBetween(m.monday(), d) / 7
	if w < 0 || d.Year == 0 {
		return 0
	}
	return min(w, m.maxWeek())
}

func daysBetween(a, b booking.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Round(time.Hour).Hours()) / 24
}

func otherLang(l booking.Lang) booking.Lang {
	if l == booking.English {
		return booking.Greek
	}
	return booking.English
}

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

func parseCompactClock(s string) (booking.Clock, bool) {
	if len(s) != 4 {
		return 0, false
	}
	return ParseTypedTime(s)
}

func clockOf(t time.Time, loc *time.Location) booking.Clock {
	l := t.In(loc)
	return booking.Clock(l.Hour()*60 + l.Minute())
}

func containsClock(cs []booking.Clock, c booking.Clock) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func isLetter(r rune) bool { return unicode.IsLetter(r) }

// clip keeps a message within Telegram's 4096 characters.
func clip(s string) string {
	if r := []rune(s); len(r) > maxTextLen {
		return string(r[:maxTextLen-1]) + "…"
	}
	return s
}
