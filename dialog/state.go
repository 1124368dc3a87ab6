package dialog

import (
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Screen is the step of the conversation on display.
type Screen string

// Screens of the conversation. The zero Screen means there is no session:
// either it never started or it expired.
const (
	ScreenNone       Screen = ""
	ScreenMenu       Screen = "menu"
	ScreenDept       Screen = "dept"
	ScreenService    Screen = "service"
	ScreenDate       Screen = "date"
	ScreenTime       Screen = "time"
	ScreenPhone      Screen = "phone"
	ScreenName       Screen = "name"
	ScreenConfirm    Screen = "confirm"
	ScreenDone       Screen = "done"
	ScreenMyBookings Screen = "my"
	ScreenCancelAsk  Screen = "cancel_ask"
	ScreenLang       Screen = "lang"
	ScreenForgetAsk  Screen = "forget_ask"
	// ScreenWaitJoin asks what time of day suits a citizen joining the
	// waiting list (screen_waitlist.go).
	ScreenWaitJoin Screen = "wait"
)

// State is a chat's session. It is JSON-serialisable and small: the engine
// keeps it in Redis with a TTL.
type State struct {
	// Version is the version of the screen on display. Step increments it
	// whenever it draws a new screen, and every button carries it: a button
	// with another version is stale.
	Version int64 `json:"v"`
	// Epoch tells this session apart from an earlier, expired one whose
	// buttons may still be on the citizen's phone.
	Epoch  uint32       `json:"e"`
	Lang   booking.Lang `json:"lang"`
	Screen Screen       `json:"screen"`
	Draft  Draft        `json:"draft"`
	// Week is the calendar week on display, as weeks after the current one.
	Week int `json:"week,omitempty"`
	// Days are the dates that can be picked on the calendar on display.
	Days []booking.Date `json:"days,omitempty"`
	// Unavailable are the days of that week on which the department
	// usually opens but which cannot be booked, each with why, so that a
	// day missing from the list is explained.
	Unavailable []DayNote `json:"na,omitempty"`
	// Times are the free start times on the time screen, local clock.
	Times []booking.Clock `json:"times,omitempty"`
	// Bookings are the citizen's bookings as last listed.
	Bookings []Held `json:"bookings,omitempty"`
	// Focus is the booking the cancel question is about.
	Focus string `json:"focus,omitempty"`
	// Pending is the booking a global button asked about, and FocusAction
	// what it asked, until My bookings has been loaded. It is apart from
	// Focus so that "I'll be there" tapped on a reminder leaves a cancel
	// question on display intact.
	Pending     string       `json:"pending,omitempty"`
	FocusAction GlobalAction `json:"focus_action,omitempty"`
	// DoneRef is the reference of the booking just made or moved, and
	// DoneDesk the desk it is at.
	DoneRef  string `json:"done,omitempty"`
	DoneDesk string `json:"desk,omitempty"`
	// Lookup is what the booking a global button named is being looked up
	// for: its calendar file (GlobalCalendar), else to book again.
	Lookup GlobalAction `json:"lk,omitempty"`
	// CancelledRef is the booking the citizen cancelled last in this
	// session, so that a doubled «Ναι, ακύρωση» is told it is done.
	CancelledRef string `json:"cxd,omitempty"`
	// Sealed says the message on display holds an outcome, which a tap
	// on its buttons leaves in place (see machine.outcome).
	Sealed bool `json:"sealed,omitempty"`
	// LimitCheck says the citizen's bookings are being loaded to check the
	// limits before a new booking's calendar is shown (LimitBeforeDay), or
	// after the store refused a booking for its limits (LimitAfterBook).
	LimitCheck LimitCheck `json:"lc,omitempty"`
	// Forgetting says the citizen's bookings are being loaded for the
	// question before /forget, which counts them.
	Forgetting bool `json:"fgt,omitempty"`
	// Resume is the screen the language chooser was opened from, shown
	// again in the new language, so that /lang mid-booking loses nothing.
	Resume Screen `json:"resume,omitempty"`
	// Wait is the waiting-list entry being put together, and WaitList
	// the citizen's entries as last listed (screen_waitlist.go).
	Wait     WaitDraft  `json:"wt,omitzero"`
	WaitList []WaitHeld `json:"wl,omitempty"`
	// OfferRef is the hold of the offer whose button was tapped, until
	// the answer to it comes back.
	OfferRef string `json:"of,omitempty"`
	// NoBookings says the office can hold no booking of the citizen's
	// account: they were a first contact when this session started, and
	// nothing since may have given them one (see machine.mayHaveBooked).
	// Choosing a service then skips loading their bookings for the
	// limits, which would find none; the store checks the limits under
	// its lock at booking anyway.
	NoBookings bool `json:"nb,omitempty"`

	// tapped says the event being handled is a button tap, so the next
	// screen edits the tapped message. note is a message id shown above the
	// next screen (e.g. "that time was just taken"). Neither outlives Step's
	// caller: they are not saved.
	tapped   bool
	note     string
	noteData map[string]any
	// dropKeyboard says the next message takes the phone step's reply
	// keyboard away; sealing says the next screen drawn holds an outcome
	// (see machine.outcome). Neither is saved either: both are spent
	// within the update, across the results of its effects.
	dropKeyboard bool
	sealing      bool
	// attach is a file the next screen's first message carries (the
	// cancelling calendar file of a booking the citizen cancelled).
	attach *Document
}

// Draft is the booking being put together, or the booking being moved.
type Draft struct {
	Department  string       `json:"dept,omitempty"`
	Service     string       `json:"svc,omitempty"`
	Date        booking.Date `json:"date,omitzero"`
	Start       time.Time    `json:"start,omitzero"`
	Phone       string       `json:"phone,omitempty"` // normalised +30…
	Name        string       `json:"name,omitempty"`
	ContactName string       `json:"cname,omitempty"` // name on a shared contact, offered as a button
	// Ref is the booking being rescheduled, "" for a new booking; OldStart
	// is its current start.
	Ref      string    `json:"ref,omitempty"`
	OldStart time.Time `json:"old,omitzero"`
}

// LimitCheck is why the citizen's bookings are being loaded to check the
// limits: see State.LimitCheck.
type LimitCheck string

const (
	LimitBeforeDay LimitCheck = "day"
	LimitAfterBook LimitCheck = "book"
)

// DayNote is a day of the calendar week on display that cannot be booked:
// closed (a holiday, a closure, with its reason) or without a free time.
type DayNote struct {
	Date   booking.Date `json:"d"`
	Reason booking.Text `json:"r,omitzero"`
	Full   bool         `json:"f,omitempty"`
}

// Held is one of the citizen's upcoming bookings, as listed.
type Held struct {
	Ref     string    `json:"ref"`
	Service string    `json:"svc"`
	Start   time.Time `json:"start"`
}

// drawable reports whether the screen on display has the data it shows
// (see screen.drawable). With no session there is nothing to show.
func (s State) drawable() bool {
	if s.Screen == ScreenNone {
		return true
	}
	sc, ok := screens[s.Screen]
	return ok && (sc.drawable == nil || sc.drawable(s))
}

// held returns the listed booking ref.
func (s State) held(ref string) (Held, bool) {
	for _, h := range s.Bookings {
		if h.Ref == ref && ref != "" {
			return h, true
		}
	}
	return Held{}, false
}

// offeredName is the name the name step offers as a button: the one on a
// shared contact, else the one given earlier in the session.
func (d Draft) offeredName() string {
	if d.ContactName != "" {
		return d.ContactName
	}
	return d.Name
}
