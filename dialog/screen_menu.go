package dialog

import (
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// The menu, the language chooser, and the department information the
// menu's Info button and /info show.

func renderMenu(v view) []Reply {
	return one(v.t("MenuPrompt", nil), rows(
		row(v.btn(v.t("BtnBook", nil), ActBook)),
		row(v.btn(v.t("BtnMine", nil), ActMine)),
		row(v.btn(v.t("BtnInfo", nil), ActInfo), v.btn(v.t("BtnHelp", nil), ActHelp)),
		row(v.btn(v.t("BtnOtherLang", nil), ActLang, string(otherLang(v.s.Lang))))))
}

func renderLang(v view) []Reply {
	return one(v.t("LangPrompt", nil), rows(
		row(v.btn("🇬🇷 Ελληνικά", ActLang, string(booking.Greek)), v.btn("🇬🇧 English", ActLang, string(booking.English))),
		row(v.btn(v.t("BtnBack", nil), ActBack))))
}

// detectLang maps Telegram's language_code to the office's languages. An
// empty code (Telegram omits it sometimes) means Greek, the office's own.
func detectLang(code string) booking.Lang {
	c := strings.ToLower(code)
	if c == "" || c == "el" || strings.HasPrefix(c, "el-") || strings.HasPrefix(c, "el_") {
		return booking.Greek
	}
	return booking.English
}

func otherLang(l booking.Lang) booking.Lang {
	if l == booking.English {
		return booking.Greek
	}
	return booking.English
}

// pickLang switches to the language code names (the menu's button for the
// other language, or the chooser's), and opens the chooser for any other.
func (m *machine) pickLang(code string) {
	switch booking.Lang(code) {
	case booking.Greek, booking.English:
		m.s.Lang = booking.Lang(code)
		m.effects = append(m.effects, Effect{Kind: SetLang, Lang: m.s.Lang})
	default:
		m.openLang()
	}
}

// openLang shows the language chooser, remembering the screen it was opened
// from when that is a step the citizen would not want to redo.
func (m *machine) openLang() {
	if m.s.Screen != ScreenLang {
		m.s.Resume = ""
		if screens[m.s.Screen].resumes {
			m.s.Resume = m.s.Screen
		}
	}
	m.draw(ScreenLang)
}

// resume leaves the language chooser for the screen it was opened from,
// or the menu.
func (m *machine) resume() {
	back := m.s.Resume
	m.s.Resume = ""
	if back != "" {
		s := m.s
		s.Screen = back
		if s.drawable() {
			m.draw(back)
			return
		}
	}
	m.draw(ScreenMenu)
}

// infoText lists every department's phones, e-mail and hours.
func (v view) infoText() string {
	var b strings.Builder
	b.WriteString(v.t("InfoHeader", nil))
	for _, dep := range v.env.Catalog.Departments {
		b.WriteString("\n\n")
		b.WriteString(v.t("InfoDept", map[string]any{"Name": dep.Name.In(v.s.Lang), "Address": locales.Address(dep.Address.In(v.s.Lang)),
			"Phones": formatPhones(dep.Phones), "Email": dep.Email, "Hours": v.hours(dep.Hours),
			"Notes": dep.Notes.In(v.s.Lang)}))
	}
	return b.String()
}

// formatPhones lists a department's phones as people read them, each
// kept on one line (see unbroken).
func formatPhones(phones []string) string {
	out := make([]string, len(phones))
	for i, p := range phones {
		out[i] = unbroken(booking.FormatPhone(p))
	}
	return strings.Join(out, ", ")
}

// unbroken joins the groups of a formatted phone number with no-break
// spaces, so that a narrow screen never wraps a number in its middle,
// where half of it would read as another number.
func unbroken(phone string) string { return strings.ReplaceAll(phone, " ", "\u00a0") }

// hours renders opening hours, grouping consecutive days with equal hours:
// "Δευτέρα – Παρασκευή 08:00–14:00".
func (v view) hours(h booking.WeekHours) string {
	p := v.p()
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
