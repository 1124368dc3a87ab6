// Package dialog owns the citizen's conversation as a pure state machine:
// Step takes the saved State and one Event (a typed text, a command, a tapped
// button, a shared contact, or the result of an effect) and returns the new
// State, the Replies to show and the Effects to run. It does no I/O, reads no
// clock and logs nothing, so every path can be table-tested and fuzzed; package
// conversation runs it against the real booking.Office and session store.
//
// Replies are platform-neutral (text plus inline buttons); package bot turns
// them into Telegram messages. Every button carries the version of the screen
// it was drawn on (see Callback), so a stale or doubled tap is answered with a
// polite toast instead of being acted on; the second tap of a doubled
// Confirm or «Ναι, ακύρωση» is told that it is done.
//
// Where replies land follows one rule, so that a result is always where the
// citizen is looking, at the bottom of the chat:
//
//   - Moving within a flow (department, service, week, day, time, Back)
//     edits the tapped message in place: one message per flow.
//   - An outcome — booked, moved, cancelled, or refused (a limit, a time
//     just taken, a day closed, a booking gone, a technical problem) — is
//     always a new message at the bottom, never an edit. The screen it
//     finished (the summary, the cancel question) keeps its text as a
//     record and loses its buttons (Reply.DropButtons).
//   - A message that holds a booking's code or a cancellation is never
//     edited afterwards: its buttons open their screen below it, and lose
//     theirs as they do (State.Sealed).
//   - A typed message or a command is answered below it, as a chat is.
//
// The phone step is one message whose reply keyboard holds the
// share-contact key and Back and Stop; whatever follows it takes that
// keyboard away with its own first message (see machine.withoutKeyboard).
//
// Each screen is defined once, in the screens table (screens.go): how it is
// drawn, when a saved state can draw it, where Back leads and what typed
// text means on it. Its renders and handlers are in the screen_*.go file of
// its step (what, when, who, confirm, my bookings, menu); dispatch.go routes
// events to them and buttons to their actions, and results.go handles what
// effects bring back. Renders only read the state; handlers change it.
package dialog

import (
	"time"

	"github.com/rantevou/rantevou/booking"
)

// Kind says what an Event is.
type Kind int

const (
	// KindText is a message the citizen typed.
	KindText Kind = iota + 1
	// KindCommand is a slash command; Event.Command holds its name, with or
	// without the slash and any @botname suffix, e.g. "start".
	KindCommand
	// KindButton is a tapped inline button; Event.Data holds its callback data.
	KindButton
	// KindContact is a contact shared with the request_contact button.
	KindContact
	// KindResult is the outcome of an Effect, fed back by the engine.
	KindResult
)

// Event is one thing that happened in the chat.
type Event struct {
	Kind     Kind
	Text     string
	Command  string
	Data     string // callback data of a tapped button
	Contact  *Contact
	LangCode string // Telegram's language_code of the sender, e.g. "el", "en-GB"
	Result   *Result
}

// Contact is a shared contact. UserID is the contact's own Telegram user
// (0 when the contact is not a Telegram user); FromID is who sent it. Only a
// contact whose UserID equals FromID is accepted as the citizen's own number.
type Contact struct {
	Phone               string
	UserID, FromID      int64
	FirstName, LastName string
}

// Reply is one message to show the citizen.
type Reply struct {
	Text           string
	Buttons        [][]Button // inline keyboard; at most 8 a row, 100 in all
	ContactButton  bool       // show a reply keyboard with one request_contact button
	ContactLabel   string     // the label of that button, localized
	RemoveKeyboard bool       // remove a reply keyboard shown earlier
	Edit           bool       // edit the message of the tapped button instead of sending a new one
	Toast          string     // short text for answerCallbackQuery
	// Keys are plain keys of the reply keyboard under the share-contact
	// key (ContactButton), each sending its label as typed text: the
	// phone step's Back and Stop, on the one message it sends.
	Keys [][]string `json:",omitempty"`
	// DropButtons, with Edit and no Text, takes the inline buttons off the
	// tapped message and leaves its text: the record of a finished screen.
	DropButtons bool `json:",omitempty"`
	// Document, when set, makes the message a file with Text as its
	// caption (at most MaxCaptionChars) and Buttons under it. Such a
	// message is never edited.
	Document *Document `json:",omitempty"`
	// Venue, when set, makes the message a map pin, without Text.
	Venue *Venue `json:",omitempty"`
}

// Document is a file sent in the chat: a calendar file.
type Document struct {
	Name string
	Data []byte
}

// Venue is a place on the map with its name and address, as Telegram's
// sendVenue shows it.
type Venue struct {
	Lat, Lon       float64
	Title, Address string
}

// Button is one inline button. Data is at most 64 bytes.
type Button struct {
	Text, Data string
}

// EffectKind names what an Effect asks the engine to do.
type EffectKind string

const (
	LoadDays       EffectKind = "load_days"       // Office.Availability(Service, From, To)
	LoadSlots      EffectKind = "load_slots"      // Office.FreeSlots(Service, Date)
	FirstAvailable EffectKind = "first_available" // Office.FirstAvailable(Service)
	Book           EffectKind = "book"            // Office.Book(Service, Start, Name, Phone, Key)
	Cancel         EffectKind = "cancel"          // Office.Cancel(Ref)
	Reschedule     EffectKind = "reschedule"      // Office.Reschedule(Ref, Start, Key)
	MyBookings     EffectKind = "my_bookings"     // Office.MyBookings
	SetLang        EffectKind = "set_lang"        // Office.SetCitizenLang(Lang)
	// LoadBooking is Office.Booking(Ref) with the citizen as actor, who sees
	// only their own bookings, whatever their status (a booking staff
	// cancelled is what "Book again" starts from).
	LoadBooking EffectKind = "load_booking"
	// Remember is Office.SetCitizenLang(Lang) after the privacy notice at
	// a first contact: the citizen is known from then on and the notice
	// not shown again. Its result changes nothing.
	Remember EffectKind = "remember"
	// Forget is Office.Forget: the citizen's upcoming bookings cancelled,
	// their data erased; the result's Bookings are those cancelled. On
	// success the engine deletes the session instead of saving it.
	Forget EffectKind = "forget"
	// Link is Office.LinkTelegram(Phone, Lang) after the citizen shared
	// their own contact: bookings the call centre or the desk made for
	// that number become theirs. The result's Linked is how many.
	Link EffectKind = "link"

	// The waiting list (screen_waitlist.go).
	JoinWaitlist  EffectKind = "join_waitlist"  // Office.JoinWaitlist(Service, From, To, Part, Ref to bring forward, Name, Phone, Lang)
	LoadWaitlist  EffectKind = "load_waitlist"  // Office.MyWaitlist; the result's Entries
	LeaveWaitlist EffectKind = "leave_waitlist" // Office.LeaveWaitlist(Entry)
	TakeOffer     EffectKind = "take_offer"     // Office.TakeOffer(Ref, the offer's hold); the result's Booking is the one made or moved
	DeclineOffer  EffectKind = "decline_offer"  // Office.DeclineOffer(Ref)
)

// Effect is a call the engine makes on the Step's behalf; its outcome comes
// back as an Event of Kind KindResult. Only the fields of its Kind are set.
type Effect struct {
	Kind     EffectKind
	Service  string
	From, To booking.Date // LoadDays
	Date     booking.Date // LoadSlots
	Start    time.Time    // Book, Reschedule
	Name     string       // Book
	Phone    string       // Book, Link; normalised +30…
	Ref      string       // Cancel, Reschedule, LoadBooking
	Lang     booking.Lang // SetLang, and the language of a Book
	// Key makes Book and Reschedule idempotent: it is derived from the chat,
	// the session and the screen the citizen confirmed on, so a redo after a
	// lost compare-and-set or a doubled tap cannot book twice.
	Key string
	// Part and Entry are the waiting list's: the part of the day that
	// suits (JoinWaitlist), the entry to leave (LeaveWaitlist).
	Part  booking.DayPart
	Entry int64
}

// Result is the result of one Effect. Err is the booking error code, ""
// on success.
type Result struct {
	Effect   EffectKind
	Err      booking.Code
	Days     []booking.Day       // LoadDays
	Day      booking.Day         // LoadSlots
	Slot     booking.Slot        // FirstAvailable
	Booking  booking.Booking     // Book, Cancel, Reschedule, LoadBooking
	Bookings []booking.Booking   // MyBookings
	Linked   int                 // Link
	Entries  []booking.WaitEntry // LoadWaitlist
}

// Env is what Step may know about the world, given as data: the catalog,
// today's date in the office's time zone, who is talking, and a nonce that
// tells one session apart from the next.
type Env struct {
	Catalog *booking.Catalog
	Today   booking.Date
	// Now is the instant of the update, for what must carry a time
	// (a calendar file's stamp); it is given, not read, like Today.
	Now    time.Time
	ChatID int64
	// KnownLang is the language the citizen chose with /lang before, "" if
	// never; it wins over Telegram's language_code when a session starts.
	KnownLang booking.Lang
	// FirstContact says the citizen is not known yet (never wrote, or
	// asked to be forgotten): the privacy notice comes first.
	FirstContact bool
	// Remembered, with FirstContact, says the engine remembered the
	// citizen as it found them unknown (Office.MeetCitizen, with
	// StartLang's language), so no Remember effect is needed: the notice
	// shown in this update is what stands for it. On a session already
	// under way (a redo after another update of the chat started one) the
	// notice is shown above what the update does, since they are not told
	// again.
	Remembered bool
	// RetentionDays is how long after an appointment its booking keeps
	// the name and phone, for the privacy notice; 0 is taken as 90.
	RetentionDays int
	// Nonce seeds a new session's Epoch, so that buttons of an expired
	// session are not mistaken for buttons of a new one.
	Nonce uint32
}

// StartLang is the language a session starts in for a citizen with no
// language remembered, from Telegram's language_code: the one a first
// contact is remembered with (see Env.Remembered).
func StartLang(langCode string) booking.Lang { return detectLang(langCode) }

func (e Env) loc() *time.Location {
	if e.Catalog.Location != nil {
		return e.Catalog.Location
	}
	return time.UTC
}

func (e Env) service(code string) (booking.Service, bool) {
	if s, ok := e.Catalog.Service(code); ok {
		return *s, true
	}
	return booking.Service{}, false
}

func (e Env) dept(code string) (booking.Department, bool) {
	if d, ok := e.Catalog.Department(code); ok {
		return *d, true
	}
	return booking.Department{}, false
}
