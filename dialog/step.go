package dialog

import (
	"strconv"
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
	if m.s.Screen == ScreenNone {
		m.start(e)
	} else {
		m.handle(e)
	}
	if len(m.replies) == 0 && len(m.effects) == 0 {
		// Never silence: whatever slipped through shows the current screen.
		m.reprompt("UseButtons")
	}
	return m.s, m.replies, m.effects
}

// machine holds one Step's work.
type machine struct {
	s       State
	env     Env
	replies []Reply
	effects []Effect
}

func (m *machine) p() *locales.Printer { return locales.For(m.s.Lang) }

func (m *machine) t(id string, data map[string]any) string { return m.p().T(id, data) }

// detectLang maps Telegram's language_code to the office's languages. An
// empty code (Telegram omits it sometimes) means Greek, the office's own.
func detectLang(code string) booking.Lang {
	c := strings.ToLower(code)
	if c == "" || c == "el" || strings.HasPrefix(c, "el-") || strings.HasPrefix(c, "el_") {
		return booking.Greek
	}
	return booking.English
}

// start handles the first event of a new session (or of one that expired).
func (m *machine) start(e Event) {
	// The session starts on the menu, version 1, so that even an update
	// answered without drawing a new screen (/help) leaves a valid session.
	m.s = State{Epoch: m.env.Nonce, Lang: m.env.KnownLang, Screen: ScreenMenu, Version: 1, tapped: m.s.tapped}
	if m.s.Lang != booking.Greek && m.s.Lang != booking.English {
		m.s.Lang = detectLang(e.LangCode)
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
		m.removeKeyboard("KeyboardGone", nil)
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
		m.resetDraft()
		m.draw(ScreenDept)
	case "mybookings", "my", "bookings":
		m.loadMine("", "")
	case "cancel", "stop":
		m.cancelFlow()
	case "lang", "language", "glossa":
		m.openLang()
	case "info":
		m.say(m.infoText())
		m.reprompt("")
	default: // help and anything we do not know
		m.say(m.t("Help", nil))
		m.reprompt("")
	}
}

// button handles a tapped inline button.
func (m *machine) button(data string) {
	if a, ref, ok := ParseGlobal(data); ok {
		m.global(a, ref)
		return
	}
	c, err := ParseCallback(data)
	if err != nil || c.Epoch != m.s.Epoch || c.Version != m.s.Version {
		m.replies = append(m.replies, Reply{Toast: m.t("StaleButton", nil)})
		return
	}
	arg := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	switch c.Action {
	case ActMenu:
		m.draw(ScreenMenu)
	case ActBook:
		m.resetDraft()
		m.draw(ScreenDept)
	case ActBack:
		m.back()
	case ActCancel:
		m.cancelFlow()
	case ActMine:
		m.loadMine("", "")
	case ActInfo:
		m.say(m.infoText())
		m.reprompt("")
	case ActHelp:
		m.say(m.t("Help", nil))
		m.reprompt("")
	case ActLang:
		m.pickLang(arg(0))
	case ActDept:
		m.pickDept(arg(0))
	case ActService:
		m.pickService(arg(0))
	case ActWeek:
		w, err := strconv.Atoi(arg(0))
		if err != nil || w < 0 || w > m.maxWeek() || m.s.Draft.Service == "" {
			m.reprompt("UseButtons")
			return
		}
		m.loadWeek(w)
	case ActDate:
		d, ok := parseCompactDate(arg(0))
		if !ok || m.s.Draft.Service == "" {
			m.reprompt("UseButtons")
			return
		}
		m.pickDate(d)
	case ActFirst:
		if m.s.Draft.Service == "" {
			m.reprompt("UseButtons")
			return
		}
		m.effects = append(m.effects, Effect{Kind: FirstAvailable, Service: m.s.Draft.Service})
	case ActTime:
		cl, ok := parseCompactClock(arg(0))
		if !ok {
			m.reprompt("UseButtons")
			return
		}
		m.pickTime(cl)
	case ActUseName:
		name := m.s.Draft.ContactName
		if name == "" {
			name = m.s.Draft.Name
		}
		if m.s.Screen != ScreenName || name == "" {
			m.reprompt("UseButtons")
			return
		}
		m.s.Draft.Name = name
		m.draw(ScreenConfirm)
	case ActConfirm:
		m.confirm()
	case ActAskCancel:
		if _, ok := m.held(arg(0)); !ok {
			m.loadMine("", "")
			return
		}
		m.s.Focus = arg(0)
		m.draw(ScreenCancelAsk)
	case ActDoCancel:
		if _, ok := m.held(arg(0)); !ok {
			m.loadMine("", "")
			return
		}
		m.effects = append(m.effects, Effect{Kind: Cancel, Ref: arg(0)})
	case ActReschedule:
		m.startReschedule(arg(0))
	default:
		m.replies = append(m.replies, Reply{Toast: m.t("StaleButton", nil)})
	}
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
		m.effects = append(m.effects, Effect{Kind: LoadBooking, Ref: ref})
	}
}

// back goes one step back from the current screen.
func (m *machine) back() {
	d := m.s.Draft
	switch m.s.Screen {
	case ScreenService:
		m.draw(ScreenDept)
	case ScreenDate:
		if d.Ref != "" {
			m.draw(ScreenMyBookings)
			return
		}
		m.draw(ScreenService)
	case ScreenTime:
		m.loadWeek(m.weekOf(d.Date))
	case ScreenPhone:
		m.draw(ScreenTime)
	case ScreenName:
		m.draw(ScreenPhone)
	case ScreenConfirm:
		if d.Ref != "" {
			m.draw(ScreenTime)
			return
		}
		m.draw(ScreenName)
	case ScreenCancelAsk:
		m.draw(ScreenMyBookings)
	case ScreenLang:
		m.resume()
	default: // menu, departments, my bookings, done
		m.draw(ScreenMenu)
	}
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
	m.s.Days, m.s.Times, m.s.Week, m.s.Focus, m.s.Pending, m.s.FocusAction, m.s.DoneRef = nil, nil, 0, "", "", "", ""
}

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
		switch m.s.Screen {
		case ScreenDept, ScreenService, ScreenDate, ScreenTime, ScreenPhone, ScreenName, ScreenConfirm,
			ScreenMyBookings, ScreenCancelAsk:
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

func (m *machine) pickDept(arg string) {
	i, err := strconv.Atoi(arg)
	deps := m.env.Catalog.Departments
	if err != nil || i < 0 || i >= len(deps) {
		m.reprompt("UseButtons")
		return
	}
	m.resetDraft()
	m.s.Draft.Department = deps[i].Code
	m.draw(ScreenService)
}

func (m *machine) pickService(arg string) {
	i, err := strconv.Atoi(arg)
	svcs := m.env.Catalog.Services
	if err != nil || i < 0 || i >= len(svcs) || svcs[i].Department != m.s.Draft.Department {
		m.reprompt("UseButtons")
		return
	}
	m.s.Draft.Service = svcs[i].Code
	m.s.Draft.Date, m.s.Draft.Start = booking.Date{}, zeroTime
	m.loadWeek(0)
}

// pickDate asks for the free times of d, if d can be booked at all.
func (m *machine) pickDate(d booking.Date) {
	if d.Before(m.env.Today) || m.lastDay().Before(d) {
		if m.s.Screen == ScreenTime {
			// The note says "choose a day from the list": show the list.
			m.s.note = "DateOutOfRange"
			m.loadWeek(m.s.Week)
			return
		}
		m.reprompt("DateOutOfRange")
		return
	}
	m.s.Draft.Date = d
	m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: d})
}

func (m *machine) pickTime(c booking.Clock) {
	if m.s.Screen != ScreenTime || !containsClock(m.s.Times, c) {
		m.reprompt("TimeNotUnderstood")
		return
	}
	m.s.Draft.Start = m.s.Draft.Date.At(c, m.loc())
	switch {
	case m.s.Draft.Ref != "":
		m.draw(ScreenConfirm)
	case m.s.Draft.Phone == "":
		m.draw(ScreenPhone)
	default:
		// The phone given earlier in this session is offered again on the
		// name screen's summary; the citizen can go back to change it.
		m.draw(ScreenName)
	}
}

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

func (m *machine) startReschedule(ref string) {
	h, ok := m.held(ref)
	if !ok {
		m.s.note = "NotYourBooking"
		m.loadMine("", "")
		return
	}
	m.resetDraft()
	m.s.Draft.Ref, m.s.Draft.OldStart, m.s.Draft.Service = h.Ref, h.Start, h.Service
	if svc, ok := m.service(h.Service); ok {
		m.s.Draft.Department = svc.Department
	}
	m.park(ScreenMyBookings)
	m.loadWeek(0)
}

// park makes scr the screen, without drawing it, when a global button has
// just replaced the draft under a screen that cannot show the new one (the
// time, phone, name or confirm step of the old draft). Step checks before
// every effect's result that the state can be drawn, and would otherwise
// throw the new draft away before the calendar it asked for comes back. The
// version moves on so the old screen's buttons stop working, and scr is
// what a failed load shows again.
func (m *machine) park(scr Screen) {
	if m.s.drawable() {
		return
	}
	if m.s.Screen == ScreenPhone && !m.removedKeyboard() {
		m.removeKeyboard("KeyboardGone", nil)
	}
	m.s.Screen = scr
	m.s.Version++
}

func (m *machine) loadMine(focus string, action GlobalAction) {
	m.s.Pending, m.s.FocusAction = focus, action
	m.effects = append(m.effects, Effect{Kind: MyBookings})
}

func (m *machine) held(ref string) (Held, bool) {
	for _, h := range m.s.Bookings {
		if h.Ref == ref && ref != "" {
			return h, true
		}
	}
	return Held{}, false
}

// contact handles a shared contact: only the sender's own, on the phone screen.
func (m *machine) contact(c *Contact) {
	if m.s.Screen != ScreenPhone || c == nil {
		// The contact keyboard outlived its screen somehow: take it away.
		m.removeKeyboard("KeyboardGone", nil)
		m.reprompt("UseButtons")
		return
	}
	if c.UserID == 0 || c.UserID != c.FromID {
		m.reprompt("ContactNotOwn")
		return
	}
	phone, ok := contactPhone(c.Phone)
	if !ok {
		m.reprompt("PhoneInvalid")
		return
	}
	m.s.Draft.Phone = phone
	m.s.Draft.ContactName = cleanName(strings.TrimSpace(c.FirstName + " " + c.LastName))
	m.removeKeyboard("PhoneSaved", map[string]any{"Phone": booking.FormatPhone(phone)})
	m.draw(ScreenName)
}

// text handles typed text: data on the steps that take it, words for Back
// and Cancel anywhere, a short re-prompt everywhere else. On the name step
// too: nobody's full name is the one word «Ακύρωση», and taking it as a
// name would put a citizen who wanted to stop one tap from booking.
func (m *machine) text(t string) {
	switch fold(t) {
	case "πισω", "back", "piso", "◀ πισω", "◀ back":
		m.back()
		return
	case "ακυρωση", "cancel", "akyrosi", "stop", "στοπ", "✖ ακυρωση", "✖ cancel":
		m.cancelFlow()
		return
	}
	switch m.s.Screen {
	case ScreenDate, ScreenTime:
		if m.s.Screen == ScreenTime {
			// "1.12" is both 01:12 and 1 December: a free time wins, else
			// it is read as a date.
			if c, ok := ParseTypedTime(t); ok && containsClock(m.s.Times, c) {
				m.pickTime(c)
				return
			}
		}
		if d, ok := ParseTypedDate(t, m.env.Today); ok {
			m.pickDate(d)
			return
		}
		if m.s.Screen == ScreenTime {
			m.reprompt("TimeNotUnderstood")
			return
		}
		m.reprompt("DateNotUnderstood")
	case ScreenPhone:
		phone, ok := ParsePhone(t)
		if !ok {
			m.reprompt("PhoneInvalid")
			return
		}
		m.s.Draft.Phone = phone
		m.removeKeyboard("PhoneSaved", map[string]any{"Phone": booking.FormatPhone(phone)})
		m.draw(ScreenName)
	case ScreenName:
		name := cleanName(t)
		if name == "" {
			m.reprompt("NameInvalid")
			return
		}
		m.s.Draft.Name = name
		m.draw(ScreenConfirm)
	default:
		m.reprompt("UseButtons")
	}
}

// cleanName returns a typed name with spaces tidied, or "" if it does not
// look like a name: 2 to 80 characters, at least two letters, no digits.
func cleanName(s string) string {
	name := strings.Join(strings.Fields(s), " ")
	letters := 0
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9', r == '/', r == '@', r == '<', r == '>', r == '|':
			return ""
		case isLetter(r):
			letters++
		}
	}
	if letters < 2 || len([]rune(name)) > 80 {
		return ""
	}
	return name
}

// result handles the outcome of an effect.
func (m *machine) result(r Result) {
	switch r.Effect {
	case LoadDays:
		m.daysLoaded(r)
	case LoadSlots:
		m.slotsLoaded(r)
	case FirstAvailable:
		m.firstLoaded(r)
	case Book, Reschedule:
		m.booked(r)
	case Cancel:
		m.cancelled(r)
	case MyBookings:
		m.mineLoaded(r)
	case LoadBooking:
		m.bookAgain(r)
	case SetLang:
		// The choice holds for this session even if it could not be stored.
		m.s.note = "LangSet"
		if m.s.Screen != ScreenLang {
			m.s.Resume = "" // switched from the menu's button
		}
		m.resume()
	}
}

func (m *machine) daysLoaded(r Result) {
	if r.Err != "" {
		m.failed(r.Err)
		return
	}
	m.s.Days = nil
	for _, d := range r.Days {
		if !d.Closed && len(d.Slots) > 0 {
			m.s.Days = append(m.s.Days, d.Date)
		}
	}
	m.draw(ScreenDate)
}

func (m *machine) slotsLoaded(r Result) {
	if r.Err != "" && r.Err != booking.EClosed && r.Err != booking.EInvalid {
		m.failed(r.Err)
		return
	}
	m.s.Times = nil
	if r.Err == "" && r.Day.Closed {
		// A holiday, a closure or a weekend typed as a date: say why.
		m.s.note, m.s.noteData = "DateClosed", map[string]any{"Reason": r.Day.Reason.In(m.s.Lang)}
		m.loadWeek(m.weekOf(m.s.Draft.Date))
		return
	}
	if r.Err == "" {
		for _, sl := range r.Day.Slots {
			m.s.Times = append(m.s.Times, clockOf(sl.Start, m.loc()))
		}
	}
	if len(m.s.Times) == 0 {
		m.s.note = "DateFull"
		m.loadWeek(m.weekOf(m.s.Draft.Date))
		return
	}
	m.draw(ScreenTime)
}

func (m *machine) firstLoaded(r Result) {
	if r.Err != "" {
		if r.Err == booking.EInternal {
			m.failed(r.Err)
			return
		}
		m.reprompt("FirstNone")
		return
	}
	m.s.Draft.Date = booking.DateOf(r.Slot.Start, m.loc())
	m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: m.s.Draft.Date})
}

func (m *machine) booked(r Result) {
	switch r.Err {
	case "":
		m.s.DoneRef = r.Booking.Ref
		if !r.Booking.Start.IsZero() {
			m.s.Draft.Start = r.Booking.Start
		}
		m.draw(ScreenDone)
	case booking.ESlotTaken:
		m.s.note = "SlotTaken"
		m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: m.s.Draft.Date})
	case booking.ELimit:
		m.s.note = "Limit"
		m.resetDraft()
		m.draw(ScreenMenu)
	case booking.EClosed, booking.EInvalid:
		m.s.note = "Closed"
		m.loadWeek(m.weekOf(m.s.Draft.Date))
	case booking.ENotFound, booking.EConflict, booking.EForbidden:
		m.s.note = "BookingGone"
		m.resetDraft()
		m.loadMine("", "")
	default:
		m.reprompt("Internal")
	}
}

func (m *machine) cancelled(r Result) {
	switch r.Err {
	case "":
		m.s.note, m.s.noteData = "Cancelled", map[string]any{"Ref": r.Booking.Ref}
		m.resetDraft()
		m.draw(ScreenMenu)
	case booking.ENotFound, booking.EConflict, booking.EForbidden:
		m.s.note = "BookingGone"
		m.loadMine("", "")
	default:
		m.reprompt("Internal")
	}
}

func (m *machine) mineLoaded(r Result) {
	if r.Err != "" {
		m.failed(r.Err)
		return
	}
	m.s.Bookings = nil
	for _, b := range r.Bookings {
		if len(m.s.Bookings) == maxListed {
			break
		}
		m.s.Bookings = append(m.s.Bookings, Held{Ref: b.Ref, Service: b.Service, Start: b.Start})
	}
	focus, action := m.s.Pending, m.s.FocusAction
	m.s.Pending, m.s.FocusAction = "", ""
	if focus == "" {
		m.draw(ScreenMyBookings)
		return
	}
	h, ok := m.held(focus)
	if !ok {
		// The button was sent to this citizen about this booking, so it
		// was theirs: it has been cancelled or has already taken place.
		m.s.note = "BookingGone"
		m.draw(ScreenMyBookings)
		return
	}
	if action == GlobalKeep {
		m.replies = append(m.replies, Reply{Toast: m.t("KeepAck", map[string]any{"When": m.p().When(h.Start, m.loc())})})
		return
	}
	if action == GlobalReschedule {
		m.startReschedule(focus)
		return
	}
	m.s.Focus = focus
	m.draw(ScreenCancelAsk)
}

// bookAgain opens the calendar of the service of the booking a "Book
// again" button was sent about. A booking that is not found, belongs to
// someone else or names a service the office no longer offers starts a
// new booking from the departments instead, saying why.
func (m *machine) bookAgain(r Result) {
	if r.Err == booking.EInternal {
		m.failed(r.Err)
		return
	}
	svc, ok := m.service(r.Booking.Service)
	m.resetDraft()
	if r.Err != "" || !ok {
		m.s.note = "BookAgainUnknown"
		m.draw(ScreenDept)
		return
	}
	m.s.Draft.Department, m.s.Draft.Service = svc.Department, svc.Code
	m.park(ScreenService)
	m.loadWeek(0)
}

// failed explains an error while loading something and offers a way on:
// try again, or call the department.
func (m *machine) failed(booking.Code) {
	m.s.note = "Internal"
	if m.s.Screen == ScreenNone {
		m.s.Screen = ScreenMenu
	}
	m.reprompt("")
}

// loadWeek asks for the availability of calendar week w.
func (m *machine) loadWeek(w int) {
	if w < 0 {
		w = 0
	}
	if w > m.maxWeek() {
		w = m.maxWeek()
	}
	m.s.Week = w
	from, to := m.weekRange(w)
	m.effects = append(m.effects, Effect{Kind: LoadDays, Service: m.s.Draft.Service, From: from, To: to})
}

const maxListed = 10
