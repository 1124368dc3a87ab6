package dialog

import (
	"strings"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Step applies e to s and returns the new state, the replies to show and the
// effects to run. The engine runs each effect and feeds its outcome back as
// an Event of Kind KindResult, in order.
func Step(s State, e Event, env Env) (State, []Reply, []Effect) {
	if env.Catalog == nil {
		env.Catalog = &booking.Catalog{}
	}
	if s.Lang != booking.Greek && s.Lang != booking.English && s.Screen != ScreenNone {
		s.Lang = booking.Greek
	}
	if s.Version < 0 {
		s.Version = 0
	}
	if !s.drawable() {
		s.Screen, s.Draft = ScreenMenu, Draft{}
	}
	m := &machine{s: s, env: env}
	if e.Kind != KindResult {
		m.s.tapped = e.Kind == KindButton
		m.s.note, m.s.noteData = "", nil
	}
	switch {
	case m.s.Screen == ScreenNone:
		m.start(e)
	case env.FirstContact && e.Kind != KindResult:
		// The engine met the citizen for the first time, yet another
		// update of the chat started the session first: the notice still
		// comes first, as the citizen is known from now on.
		m.firstContact()
		m.handle(e)
	default:
		m.handle(e)
	}
	if len(m.replies) == 0 && len(m.effects) == 0 && !(e.Kind == KindResult && e.Result != nil && (e.Result.Effect == Remember || e.Result.Effect == Link)) {
		// Never silence: whatever slipped through shows the current screen.
		// (Remembering the citizen after the privacy notice, or linking
		// no booking to a shared number, has nothing to say; what the
		// update asked for is said by its own steps.)
		m.reprompt("UseButtons")
	}
	if m.s.dropKeyboard && len(m.effects) == 0 {
		// The update ends with no message left to take the keyboard away.
		m.removeKeyboard("KeyboardGone", nil)
	}
	return m.s, m.replies, m.effects
}

// machine holds one Step's work. Its handlers change the state and queue
// replies and effects; the screens are drawn from it read-only (see view).
type machine struct {
	s       State
	env     Env
	replies []Reply
	effects []Effect
}

func (m *machine) t(id string, data map[string]any) string { return locales.For(m.s.Lang).T(id, data) }

// start handles the first event of a new session (or of one that expired).
func (m *machine) start(e Event) {
	// The session starts on the menu, version 1, so that even an update
	// answered without drawing a new screen (/help) leaves a valid session.
	m.s = State{Epoch: m.env.Nonce, Lang: m.env.KnownLang, Screen: ScreenMenu, Version: 1, tapped: m.s.tapped}
	if m.s.Lang != booking.Greek && m.s.Lang != booking.English {
		m.s.Lang = detectLang(e.LangCode)
	}
	if m.env.FirstContact {
		m.firstContact()
		// Unknown to the office, they hold no booking it could find by
		// their account: the limits need no look-up until they may.
		m.s.NoBookings = true
	}
	switch e.Kind {
	case KindCommand:
		m.command(e.Command)
		return
	case KindButton:
		if a, ref, ok := ParseGlobal(e.Data); ok {
			m.global(a, ref)
			return
		}
		m.s.tapped = false // the old message belongs to the dead session
		m.s.note = "Expired"
		m.draw(ScreenMenu)
		return
	}
	if e.Kind == KindContact {
		// A contact from the keyboard of a session that has expired since.
		m.keyboardGone()
	}
	m.s.note = "Welcome"
	m.draw(ScreenMenu)
}

func (m *machine) handle(e Event) {
	switch e.Kind {
	case KindCommand:
		m.command(e.Command)
	case KindButton:
		m.button(e.Data)
	case KindContact:
		m.contact(e.Contact)
	case KindText:
		m.text(e.Text)
	case KindResult:
		if e.Result != nil {
			m.result(*e.Result)
		}
	}
}

// command runs a slash command; every command works on every screen.
func (m *machine) command(c string) {
	c = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c), "/"))
	c, _, _ = strings.Cut(c, "@")
	c, _, _ = strings.Cut(c, " ")
	switch c {
	case "start":
		m.resetDraft()
		m.s.note = "Welcome"
		m.draw(ScreenMenu)
	case "book", "new", "rantevou":
		m.newBooking()
	case "mybookings", "my", "bookings":
		m.loadMine("", "")
	case "cancel", "stop":
		m.cancelFlow()
	case "lang", "language", "glossa":
		m.openLang()
	case "info":
		m.info()
	case "privacy", "data", "gdpr":
		m.privacy()
	case "forget", "erase", "delete":
		m.askForget()
	default: // help and anything we do not know
		m.help()
	}
}

// button handles a tapped inline button: a global one whatever the
// session, else one of the screen on display, by its action.
func (m *machine) button(data string) {
	if a, ref, ok := ParseGlobal(data); ok {
		m.global(a, ref)
		return
	}
	c, err := ParseCallback(data)
	if err != nil || c.Epoch != m.s.Epoch || c.Version != m.s.Version {
		m.stale(c, err == nil && c.Epoch == m.s.Epoch)
		return
	}
	arg := ""
	if len(c.Args) > 0 {
		arg = c.Args[0]
	}
	switch c.Action {
	case ActMenu:
		m.draw(ScreenMenu)
	case ActBook:
		m.newBooking()
	case ActBack:
		m.back()
	case ActCancel:
		m.cancelFlow()
	case ActMine:
		m.loadMine("", "")
	case ActInfo:
		m.info()
	case ActHelp:
		m.help()
	case ActLang:
		m.pickLang(arg)
	case ActDept:
		m.pickDept(arg)
	case ActService:
		m.pickService(arg)
	case ActWeek:
		m.pickWeek(arg)
	case ActDate:
		m.tapDate(arg)
	case ActFirst:
		m.firstFree()
	case ActTime:
		m.tapTime(arg)
	case ActUseName:
		m.useName()
	case ActConfirm:
		m.confirm()
	case ActAskCancel:
		m.askCancel(arg)
	case ActDoCancel:
		m.doCancel(arg)
	case ActReschedule:
		m.startReschedule(arg)
	case ActForget:
		m.forget()
	case ActWaitJoin:
		m.openWaitJoin()
	case ActWaitPart:
		m.joinWaitlist(arg)
	case ActWaitDay:
		m.waitDay(arg)
	case ActWaitLeave:
		m.leaveWaitlist(arg)
	case ActWaitEarlier:
		m.askEarlier(arg)
	default:
		m.replies = append(m.replies, Reply{Toast: m.t("StaleButton", nil)})
	}
}

// stale answers a tap on a button whose screen has gone. The second tap of
// a doubled Confirm or «Ναι, ακύρωση» comes after the first one's outcome:
// it is told that this is done, not that its button was an old one, since
// it was the latest when tapped.
func (m *machine) stale(c Callback, ours bool) {
	id, data := "StaleButton", map[string]any(nil)
	switch {
	case !ours:
	case c.Action == ActConfirm && m.s.Screen == ScreenDone && m.s.DoneRef != "":
		id, data = "AlreadyBooked", map[string]any{"Ref": m.s.DoneRef}
		if m.s.Draft.Ref != "" {
			id = "AlreadyMoved"
		}
	case c.Action == ActDoCancel && len(c.Args) > 0 && c.Args[0] == m.s.CancelledRef:
		id, data = "AlreadyCancelled", map[string]any{"Ref": m.s.CancelledRef}
	}
	m.replies = append(m.replies, Reply{Toast: m.t(id, data)})
}

// global handles a button sent outside a conversation (reminders,
// cancellations by staff), which works whatever the session's state.
func (m *machine) global(a GlobalAction, ref string) {
	switch a {
	case GlobalKeep, GlobalCancel, GlobalReschedule:
		// Even "I'll be there" looks the booking up: the reminder's buttons
		// stay on the phone after the booking was cancelled or moved, and
		// the answer must not claim an appointment that is no longer on.
		m.s.tapped = false // the reminder stays as it is; answer below it
		m.loadMine(ref, a)
	case GlobalBookAgain:
		// Straight to the calendar of the service the citizen had booked,
		// once the booking is found to be theirs (see bookAgain).
		m.s.tapped = false // the notice stays as it is; answer below it
		m.s.Lookup = GlobalBookAgain
		m.effects = append(m.effects, Effect{Kind: LoadBooking, Ref: ref})
	case GlobalCalendar:
		// The calendar file of the booking as it is now, once it is
		// found to be theirs; the screen on display stays as it is.
		m.s.tapped = false
		m.s.Lookup = GlobalCalendar
		m.effects = append(m.effects, Effect{Kind: LoadBooking, Ref: ref})
	case GlobalMap:
		m.s.tapped = false
		m.sendMap(ref)
	case GlobalTakeOffer, GlobalDeclineOffer:
		m.answerOffer(a, ref)
	}
}

// back goes one step back from the screen on display.
func (m *machine) back() {
	if b := screens[m.s.Screen].back; b != nil {
		b(m)
		return
	}
	m.draw(ScreenMenu)
}

// text handles typed text: data on the screens that take it, words for
// Back and Stop anywhere, a short re-prompt everywhere else. On the name
// step too: nobody's full name is the one word «Διακοπή», and taking it as
// a name would put a citizen who wanted to stop one tap from booking.
func (m *machine) text(t string) {
	switch fold(t) {
	case "πισω", "back", "piso", "◀ πισω", "◀ back":
		m.back()
		return
	case "διακοπη", "stop", "στοπ", "diakopi", "ακυρωση", "cancel", "akyrosi", "✖ διακοπη", "✖ stop", "✖ ακυρωση", "✖ cancel":
		m.cancelFlow()
		return
	}
	if h := screens[m.s.Screen].text; h != nil {
		h(m, t)
		return
	}
	m.reprompt("UseButtons")
}

// contact handles a shared contact, on the screen that asked for one.
func (m *machine) contact(c *Contact) {
	h := screens[m.s.Screen].contact
	if h == nil || c == nil {
		// The contact keyboard outlived its screen somehow: take it away.
		m.keyboardGone()
		m.reprompt("UseButtons")
		return
	}
	h(m, *c)
}

// newBooking starts a booking from the departments.
func (m *machine) newBooking() {
	m.resetDraft()
	m.draw(ScreenDept)
}

// cancelFlow abandons whatever is under way and shows the menu.
func (m *machine) cancelFlow() {
	switch {
	case m.s.Draft.Ref != "":
		m.s.note = "RescheduleAbandoned"
	case m.s.Draft.Service != "" || m.s.Draft.Department != "":
		m.s.note = "FlowCancelled"
	}
	m.resetDraft()
	m.draw(ScreenMenu)
}

// resetDraft forgets the booking under way but keeps the contact details,
// which the citizen should not have to type twice in one session.
func (m *machine) resetDraft() {
	m.s.Draft = Draft{Name: m.s.Draft.Name, Phone: m.s.Draft.Phone, ContactName: m.s.Draft.ContactName}
	m.s.Days, m.s.Unavailable, m.s.Times, m.s.Week = nil, nil, nil, 0
	m.s.Focus, m.s.Pending, m.s.FocusAction, m.s.DoneRef, m.s.LimitCheck = "", "", "", "", ""
	m.s.Wait = WaitDraft{}
}

// info answers with every department's address, contacts and hours, with
// a map pin for each place, below which the screen on display is shown
// again.
func (m *machine) info() {
	v := m.view()
	m.say(v.infoText())
	m.replies[len(m.replies)-1].Buttons = v.infoMaps()
	m.reprompt("")
}

func (m *machine) help() {
	m.say(m.t("Help", nil) + "\n\n" + m.t("HelpPrivacy", nil))
	m.reprompt("")
}
