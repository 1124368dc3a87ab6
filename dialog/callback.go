package dialog

import (
	"errors"
	"strconv"
	"strings"
)

// MaxCallbackData is Telegram's limit on callback_data, in bytes (not runes).
const MaxCallbackData = 64

// Action names what a session button does.
type Action string

// Session button actions. They are short because callback_data is at most
// 64 bytes.
const (
	ActMenu       Action = "m"  // show the main menu
	ActBook       Action = "bk" // start booking: departments
	ActDept       Action = "d"  // pick department: arg index in the catalog
	ActService    Action = "s"  // pick service: arg index in the catalog
	ActWeek       Action = "w"  // show calendar week: arg weeks after this one
	ActDate       Action = "D"  // pick date: arg YYYYMMDD
	ActFirst      Action = "fa" // first available slot
	ActTime       Action = "t"  // pick time: arg HHMM local
	ActUseName    Action = "nm" // use the name from the shared contact
	ActConfirm    Action = "ok" // confirm the summary
	ActBack       Action = "b"  // one step back
	ActCancel     Action = "x"  // abandon the current flow
	ActMine       Action = "my" // my bookings
	ActAskCancel  Action = "cx" // ask to cancel booking: arg ref
	ActDoCancel   Action = "cy" // really cancel booking: arg ref
	ActReschedule Action = "rs" // reschedule booking: arg ref
	ActLang       Action = "l"  // switch language: arg el|en, or none for the chooser
	ActInfo       Action = "i"  // department information
	ActHelp       Action = "h"  // help
	ActForget     Action = "fg" // erase my data, confirmed
	// The waiting list (screen_waitlist.go).
	ActWaitJoin    Action = "wj" // join the waiting list for the draft's service
	ActWaitPart    Action = "wp" // join, at this part of the day: arg any|morning|late
	ActWaitDay     Action = "wd" // wait for: arg 1 the chosen day only, 0 any day
	ActWaitLeave   Action = "wl" // leave an entry: arg its id
	ActWaitEarlier Action = "we" // ask for an earlier time for a booking: arg ref
)

// Callback is the decoded callback data of a session button: the screen
// version and session epoch it was drawn with, an action and its arguments.
type Callback struct {
	Version int64
	Epoch   uint32
	Action  Action
	Args    []string
}

// ErrCallback is returned for callback data that is not ours or too long.
var ErrCallback = errors.New("dialog: invalid callback data")

const sep = "|"

// Encode returns the callback data for c: "<version>.<epoch>|<action>|<args…>",
// numbers in base 36. It fails if the result would exceed 64 bytes or an
// action or argument contains the separator.
func (c Callback) Encode() (string, error) {
	if c.Version < 0 || c.Action == "" || strings.Contains(string(c.Action), sep) {
		return "", ErrCallback
	}
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.Version, 36))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(uint64(c.Epoch), 36))
	b.WriteString(sep)
	b.WriteString(string(c.Action))
	for _, a := range c.Args {
		if strings.Contains(a, sep) {
			return "", ErrCallback
		}
		b.WriteString(sep)
		b.WriteString(a)
	}
	if b.Len() > MaxCallbackData {
		return "", ErrCallback
	}
	return b.String(), nil
}

// ParseCallback decodes data written by Encode.
func ParseCallback(data string) (Callback, error) {
	if len(data) > MaxCallbackData {
		return Callback{}, ErrCallback
	}
	parts := strings.Split(data, sep)
	if len(parts) < 2 || parts[1] == "" {
		return Callback{}, ErrCallback
	}
	ver, epoch, ok := strings.Cut(parts[0], ".")
	if !ok {
		return Callback{}, ErrCallback
	}
	v, err := strconv.ParseInt(ver, 36, 64)
	if err != nil || v < 0 || strconv.FormatInt(v, 36) != ver {
		return Callback{}, ErrCallback
	}
	e, err := strconv.ParseUint(epoch, 36, 32)
	if err != nil || strconv.FormatUint(e, 36) != epoch {
		return Callback{}, ErrCallback
	}
	c := Callback{Version: v, Epoch: uint32(e), Action: Action(parts[1])}
	if len(parts) > 2 {
		c.Args = parts[2:]
	}
	return c, nil
}

// GlobalAction is what a button sent outside a conversation does, e.g. on a
// reminder. Such buttons are not tied to a session screen: they work even
// after the session expired.
type GlobalAction string

// Global button actions.
const (
	GlobalKeep       GlobalAction = "k" // keep the appointment: just acknowledge
	GlobalCancel     GlobalAction = "c" // cancel the appointment (asks to confirm)
	GlobalReschedule GlobalAction = "r" // move the appointment
	GlobalBookAgain  GlobalAction = "a" // start a new booking
	// GlobalMap sends the map pin of a department; its argument is the
	// department's code, not a booking's reference.
	GlobalMap GlobalAction = "p"
	// GlobalCalendar sends the booking's calendar file: the way to the
	// phone's calendar from the message that confirms it.
	GlobalCalendar GlobalAction = "f"
	// GlobalTakeOffer and GlobalDeclineOffer answer an offer from the
	// waiting list; their argument is the reference of the offer's hold.
	GlobalTakeOffer    GlobalAction = "o"
	GlobalDeclineOffer GlobalAction = "n"
)

const globalPrefix = "g"

// MaxGlobalRef is the longest booking reference GlobalButton accepts.
const MaxGlobalRef = MaxCallbackData - len(globalPrefix+sep+"k"+sep)

// GlobalButton returns the callback data of a global button about booking
// ref. It returns "" for an unknown action or a ref that is longer than
// MaxGlobalRef bytes or contains "|"; callers must not draw such a button.
func GlobalButton(action GlobalAction, ref string) string {
	switch action {
	case GlobalKeep, GlobalCancel, GlobalReschedule, GlobalBookAgain, GlobalMap, GlobalCalendar,
		GlobalTakeOffer, GlobalDeclineOffer:
	default:
		return ""
	}
	if len(ref) > MaxGlobalRef || strings.Contains(ref, sep) {
		return ""
	}
	return globalPrefix + sep + string(action) + sep + ref
}

// ParseGlobal decodes data written by GlobalButton.
func ParseGlobal(data string) (action GlobalAction, ref string, ok bool) {
	rest, found := strings.CutPrefix(data, globalPrefix+sep)
	if !found || len(data) > MaxCallbackData {
		return "", "", false
	}
	a, ref, found := strings.Cut(rest, sep)
	if !found || strings.Contains(ref, sep) {
		return "", "", false
	}
	switch GlobalAction(a) {
	case GlobalKeep, GlobalCancel, GlobalReschedule, GlobalBookAgain, GlobalMap, GlobalCalendar,
		GlobalTakeOffer, GlobalDeclineOffer:
		return GlobalAction(a), ref, true
	}
	return "", "", false
}
