package dialog

import "github.com/rantevou/rantevou/booking"

// result handles the outcome of an effect.
func (m *machine) result(r Result) {
	if m.mayHaveBooked(r) {
		m.s.NoBookings = false
	}
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
		if m.s.Lookup == GlobalCalendar {
			m.s.Lookup = ""
			m.calendarLoaded(r)
			return
		}
		m.s.Lookup = ""
		m.bookAgain(r)
	case SetLang:
		m.langSet()
	case Remember:
		// The notice was shown; nothing more to say.
	case Forget:
		m.forgotten(r)
	case Link:
		m.linked(r)
	case JoinWaitlist:
		m.waitJoined(r)
	case LoadWaitlist:
		m.waitLoaded(r)
	case LeaveWaitlist:
		m.waitLeft(r)
	case TakeOffer, DeclineOffer:
		m.offerAnswered(r)
	}
}

// mayHaveBooked reports whether r may mean that the office holds a booking
// of the citizen's account, which State.NoBookings says it cannot: any
// result but the few that tell of none. A booking or a move, whatever
// came back (one that failed may have been made); a shared number, linked
// or not (the call centre's next booking for it is theirs); the waiting
// list, whose offers become bookings; and a read that found one of
// theirs, or their place in line. A read that failed changed nothing.
// When in doubt, it is true: a wrong true costs one read.
func (m *machine) mayHaveBooked(r Result) bool {
	switch r.Effect {
	case LoadDays, LoadSlots, FirstAvailable, SetLang, Remember:
		return false
	case MyBookings:
		return len(r.Bookings) > 0
	case LoadWaitlist:
		return len(r.Entries) > 0
	case LoadBooking:
		return r.Err == ""
	}
	return true
}

func (m *machine) daysLoaded(r Result) {
	if r.Err != "" {
		m.failed()
		return
	}
	m.s.Days, m.s.Unavailable = nil, nil
	dep, _ := m.env.dept(m.s.Draft.Department)
	for _, d := range r.Days {
		switch {
		case !d.Closed && len(d.Slots) > 0:
			m.s.Days = append(m.s.Days, d.Date)
		case len(dep.Hours[d.Date.Weekday()]) == 0:
			// A day the department never opens (a Sunday): nobody
			// expects it in the list.
		case d.Closed:
			m.s.Unavailable = append(m.s.Unavailable, DayNote{Date: d.Date, Reason: d.Reason})
		default:
			m.s.Unavailable = append(m.s.Unavailable, DayNote{Date: d.Date, Full: true})
		}
	}
	m.draw(ScreenDate)
}

func (m *machine) slotsLoaded(r Result) {
	if r.Err != "" && r.Err != booking.EClosed && r.Err != booking.EInvalid {
		m.failed()
		return
	}
	m.s.Times = nil
	if r.Err == "" && r.Day.Closed {
		// A holiday, a closure or a weekend typed as a date: say why.
		m.s.note, m.s.noteData = "DateClosed", map[string]any{"Reason": r.Day.Reason.In(m.s.Lang)}
		m.loadWeek(m.env.weekOf(m.s.Draft.Date))
		return
	}
	if r.Err == "" {
		for _, sl := range r.Day.Slots {
			m.s.Times = append(m.s.Times, booking.ClockOf(sl.Start, m.env.loc()))
		}
	}
	if len(m.s.Times) == 0 {
		m.s.note = "DateFull"
		m.loadWeek(m.env.weekOf(m.s.Draft.Date))
		return
	}
	m.draw(ScreenTime)
}

func (m *machine) firstLoaded(r Result) {
	if r.Err != "" {
		if r.Err == booking.EInternal {
			m.failed()
			return
		}
		m.reprompt("FirstNone")
		return
	}
	m.s.Draft.Date = booking.DateOf(r.Slot.Start, m.env.loc())
	m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: m.s.Draft.Date})
}

// booked shows the outcome of a confirmed booking or move. Whatever it is,
// made or refused, it comes in a new message at the bottom, and the
// summary that was confirmed stays above without its buttons.
func (m *machine) booked(r Result) {
	m.outcome(r.Err == "")
	switch r.Err {
	case "":
		m.s.DoneRef, m.s.DoneDesk = r.Booking.Ref, r.Booking.Desk
		if !r.Booking.Start.IsZero() {
			m.s.Draft.Start = r.Booking.Start
		}
		m.draw(ScreenDone)
	case booking.ESlotTaken:
		m.s.note = "SlotTaken"
		m.effects = append(m.effects, Effect{Kind: LoadSlots, Service: m.s.Draft.Service, Date: m.s.Draft.Date})
	case booking.ELimit:
		// The store counted under its lock and refused; which rule it
		// applied, the citizen's bookings tell.
		m.checkLimits(LimitAfterBook)
	case booking.ETooOften:
		// As many bookings, moves and cancellations this hour as the
		// office accepts: the summary stays, to confirm later.
		m.reprompt("TooManyChanges")
	case booking.EClosed, booking.EInvalid:
		m.s.note = "Closed"
		m.loadWeek(m.env.weekOf(m.s.Draft.Date))
	case booking.ENotFound, booking.EConflict, booking.EForbidden:
		m.s.note = "BookingGone"
		m.resetDraft()
		m.loadMine("", "")
	default:
		m.reprompt("Internal")
	}
}

// cancelled shows the outcome of «Ναι, ακύρωση» in a new message, the
// question staying above without its buttons.
func (m *machine) cancelled(r Result) {
	m.outcome(r.Err == "")
	switch r.Err {
	case "":
		// The outcome carries the cancelling calendar file, which takes
		// the appointment out of the phone's calendar if it was put there.
		m.s.note, m.s.noteData = "Cancelled", map[string]any{"Ref": r.Booking.Ref}
		m.s.attach = m.calendarFile(r.Booking, true)
		m.resetDraft()
		m.s.CancelledRef = r.Booking.Ref
		m.draw(ScreenMenu)
	case booking.ENotFound, booking.EConflict, booking.EForbidden:
		m.s.note = "BookingGone"
		m.loadMine("", "")
	case booking.ETooOften:
		m.reprompt("TooManyChanges")
	default:
		m.reprompt("Internal")
	}
}

func (m *machine) mineLoaded(r Result) {
	if m.s.LimitCheck != "" {
		m.limitsChecked(r)
		return
	}
	if m.s.Forgetting {
		m.forgetAsked(r)
		return
	}
	if r.Err != "" {
		m.failed()
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
		// The list shows the waiting list too.
		m.effects = append(m.effects, Effect{Kind: LoadWaitlist})
		return
	}
	h, ok := m.s.held(focus)
	if !ok {
		// The button was sent to this citizen about this booking, so it
		// was theirs: it has been cancelled or has already taken place.
		m.s.note = "BookingGone"
		m.draw(ScreenMyBookings)
		return
	}
	if action == GlobalKeep {
		when := m.view().p().When(h.Start, m.env.loc())
		m.replies = append(m.replies, Reply{Toast: m.t("KeepAck", map[string]any{"When": when})})
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
		m.failed()
		return
	}
	svc, ok := m.env.service(r.Booking.Service)
	m.resetDraft()
	if r.Err != "" || !ok {
		m.s.note = "BookAgainUnknown"
		m.draw(ScreenDept)
		return
	}
	m.s.Draft.Department, m.s.Draft.Service = svc.Department, svc.Code
	m.park(ScreenService)
	m.checkLimits(LimitBeforeDay)
}

// langSet shows, in the language just chosen, the screen the chooser was
// opened from. The choice holds for this session even if it could not be
// stored.
func (m *machine) langSet() {
	m.s.note = "LangSet"
	if m.s.Screen != ScreenLang {
		m.s.Resume = "" // switched from the menu's button
	}
	m.resume()
}

// failed explains that something could not be loaded and offers a way on:
// try again, or call the department. Whatever the error, the citizen reads
// the same: its code says what broke, not what they can do, and the engine
// has logged it with the effect.
func (m *machine) failed() {
	m.outcome(false)
	m.s.note = "Internal"
	if m.s.Screen == ScreenNone {
		m.s.Screen = ScreenMenu
	}
	m.reprompt("")
}
