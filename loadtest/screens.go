package loadtest

import (
	"regexp"
	"strings"
)

// screen is what the citizen takes the bot's newest keyboard to be. It is
// told from the buttons' callback data ("<version>.<epoch>|<action>|<args>",
// package dialog), never from labels, so it holds in both languages.
type screen string

const (
	scrNone      screen = "no keyboard"
	scrUnknown   screen = "unknown"
	scrMenu      screen = "menu"
	scrLang      screen = "language"
	scrDept      screen = "departments"
	scrService   screen = "services"
	scrDate      screen = "days"
	scrTime      screen = "times"
	scrPhone     screen = "phone"
	scrName      screen = "name"
	scrConfirm   screen = "confirm"
	scrDone      screen = "done"
	scrMine      screen = "my bookings"
	scrMineNone  screen = "no bookings"
	scrCancelAsk screen = "cancel?"
)

// action returns a button's action and arguments.
func action(data string) (string, []string) {
	parts := strings.Split(data, "|")
	if len(parts) < 2 {
		return "", nil
	}
	return parts[1], parts[2:]
}

// find returns the first button with action act (and first argument arg,
// when arg is not "").
func find(v View, act, arg string) (Button, bool) {
	for _, row := range v.Buttons {
		for _, b := range row {
			a, args := action(b.Data)
			if a == act && (arg == "" || len(args) > 0 && args[0] == arg) {
				return b, true
			}
		}
	}
	return Button{}, false
}

// all returns every button with action act.
func all(v View, act string) []Button {
	var out []Button
	for _, row := range v.Buttons {
		for _, b := range row {
			if a, _ := action(b.Data); a == act {
				out = append(out, b)
			}
		}
	}
	return out
}

func classify(v View) screen {
	if v.ContactKeyboard {
		// Only the phone step shows the share-contact key; its Back and
		// Stop may be inline buttons or keys beside it.
		return scrPhone
	}
	if v.KeyboardID == 0 || len(v.Buttons) == 0 {
		return scrNone
	}
	has := map[string]bool{}
	for _, row := range v.Buttons {
		for _, b := range row {
			a, _ := action(b.Data)
			has[a] = true
		}
	}
	switch {
	case has["d"]:
		return scrDept
	case has["s"]:
		return scrService
	case has["D"] || has["fa"]:
		return scrDate
	case has["t"]:
		return scrTime
	case has["ok"]:
		return scrConfirm
	case has["cy"]:
		return scrCancelAsk
	case has["cx"] || has["rs"]:
		return scrMine
	case has["i"]:
		return scrMenu
	case has["l"]:
		return scrLang
	case has["my"] && has["bk"]:
		return scrDone
	case has["bk"] && has["m"]:
		return scrMineNone
	case has["nm"]:
		return scrName
	case has["b"] && has["x"] && len(has) == 2:
		// Back and Stop alone: the name step without a suggested name.
		return scrName
	}
	return scrUnknown
}

// refRE matches a booking reference (package postgres: six of
// 23456789ABCDEFGHJKMNPQRSTUVWXYZ) standing on its own.
var refRE = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([2-9A-HJKMNP-Z]{6})(?:$|[^0-9A-Za-z])`)

// refIn returns the booking reference a text mentions, "" if none.
func refIn(text string) string {
	if m := refRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}
