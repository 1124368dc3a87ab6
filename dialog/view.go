package dialog

import (
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Limits of what Telegram accepts: it refuses an inline keyboard with more
// than 8 buttons in a row or 100 in all, a message longer than 4096
// characters, a file's caption longer than 1024 and a callback answer longer
// than 200. The dialog draws within
// them; the transport (package bot) checks again with the same numbers.
// Callback data has its own limit, MaxCallbackData.
const (
	MaxRowButtons   = 8
	MaxButtons      = 100
	MaxTextChars    = 4096
	MaxCaptionChars = 1024
	MaxToastChars   = 200
)

// view is what a screen is drawn from: the state on display and the world,
// by value, so that drawing a screen cannot change it.
type view struct {
	s   State
	env Env
}

func (m *machine) view() view { return view{s: m.s, env: m.env} }

func (v view) p() *locales.Printer { return locales.For(v.s.Lang) }

func (v view) t(id string, data map[string]any) string { return v.p().T(id, data) }

// one is a screen of one message.
func one(text string, buttons [][]Button) []Reply {
	return []Reply{{Text: text, Buttons: buttons}}
}

// btn returns a button of this screen's version; its Data is "" if the
// callback data would not fit, and row drops such buttons.
func (v view) btn(text string, a Action, args ...string) Button {
	data, err := Callback{Version: v.s.Version, Epoch: v.s.Epoch, Action: a, Args: args}.Encode()
	if err != nil {
		return Button{}
	}
	return Button{Text: text, Data: data}
}

func row(bs ...Button) []Button {
	var r []Button
	for _, b := range bs {
		if b.Data != "" && len(r) < MaxRowButtons {
			r = append(r, b)
		}
	}
	return r
}

// rows drops empty rows and keeps the keyboard within Telegram's 100
// buttons, always keeping the last row (Back/Cancel).
func rows(rs ...[]Button) [][]Button {
	var out [][]Button
	n := 0
	for i, r := range rs {
		if len(r) == 0 {
			continue
		}
		if n+len(r) > MaxButtons || (i < len(rs)-1 && n+len(r) > MaxButtons-MaxRowButtons) {
			continue
		}
		out = append(out, r)
		n += len(r)
	}
	return out
}

// backStop is the last row of every step of a flow: one step back, or stop
// the flow altogether. Stopping reads «Διακοπή», never «Ακύρωση», which is
// what cancelling a booking is called.
func (v view) backStop() []Button {
	return row(v.btn(v.t("BtnBack", nil), ActBack), v.btn(v.t("BtnStop", nil), ActCancel))
}

// moving heads the date and time screens while a booking is being moved,
// so that a citizen who came from a reminder knows which appointment
// changes and when it is now.
func (v view) moving() string {
	d := v.s.Draft
	if d.Ref == "" {
		return ""
	}
	return v.t("MovingHeader", map[string]any{"Ref": d.Ref, "Old": v.p().When(d.OldStart, v.env.loc())}) + "\n\n"
}

func (v view) serviceName(code string) string {
	if s, ok := v.env.service(code); ok {
		return s.Name.In(v.s.Lang)
	}
	return code
}

func (v view) deptName(code string) string {
	if d, ok := v.env.dept(code); ok {
		return d.Name.In(v.s.Lang)
	}
	return code
}

// address is where the department receives citizens, "" if the catalog
// does not say.
func (v view) address(dept string) string {
	if d, ok := v.env.dept(dept); ok {
		return locales.Address(d.Address.In(v.s.Lang))
	}
	return ""
}

// mapButton is the global button that sends the department's map pin, with
// label; none (no Data, which row drops) for a department without one.
func (v view) mapButton(dept, label string) Button {
	if d, ok := v.env.dept(dept); !ok || d.Geo == nil {
		return Button{}
	}
	return Button{Text: label, Data: GlobalButton(GlobalMap, dept)}
}

// phone is the number to call when something goes wrong: the department's
// of the booking under way, else the first one the catalog lists.
func (v view) phone() string {
	if d, ok := v.env.dept(v.s.Draft.Department); ok && len(d.Phones) > 0 {
		return unbroken(booking.FormatPhone(d.Phones[0]))
	}
	for _, d := range v.env.Catalog.Departments {
		if len(d.Phones) > 0 {
			return unbroken(booking.FormatPhone(d.Phones[0]))
		}
	}
	return "—"
}

// noteData is what any note may say: the facts every note can use, and
// those its cause gave.
func (v view) noteData() map[string]any {
	last := v.env.lastDay()
	d := map[string]any{"Phone": v.phone(), "Max": v.env.Catalog.MaxActive, "Count": v.env.Catalog.MaxActive,
		"Last": v.p().Date(last), "Date": v.p().Date(v.s.Draft.Date), "Days": daysBetween(v.env.Today, last)}
	for k, val := range v.s.noteData {
		d[k] = val
	}
	return d
}

// pluralNotes are the notes whose wording depends on their Count.
var pluralNotes = map[string]bool{"LimitTotal": true, "LimitService": true}

// noteText is the pending note as shown above a screen.
func (v view) noteText() string {
	d := v.noteData()
	if n, ok := d["Count"].(int); ok && pluralNotes[v.s.note] {
		return v.p().N(v.s.note, n, d)
	}
	return v.t(v.s.note, d)
}

// Clip shortens s to at most max characters (not bytes: Greek letters take
// two), ending it with "…" when it had to cut.
func Clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
