package dialog

import "strings"

// A screen is everything the dialog knows about one Screen, so that
// following a step, or adding one, means reading or writing one entry of
// the screens table and the functions it names. What each button does is
// decided by its Action (see button), and what each effect's result does
// in results.go; both lead back here through draw.
type screen struct {
	// render draws the screen from the state on display. It only reads:
	// draw and reprompt put the pending note above what it returns.
	render func(v view) []Reply
	// drawable reports whether a state has the data the screen shows. A
	// session stored by an older release, or damaged, may not; Step then
	// falls back to the menu instead of drawing nonsense. nil: always.
	drawable func(s State) bool
	// back is what Back does, tapped or typed. nil: the menu.
	back func(m *machine)
	// text handles typed text other than the words for Back and Cancel.
	// nil: the screen takes buttons only, and typed text re-prompts.
	text func(m *machine, t string)
	// contact handles a shared contact. nil: the contact keyboard outlived
	// its screen somehow, and is taken away.
	contact func(m *machine, c Contact)
	// resumes says the language chooser, opened from here, comes back
	// here in the new language: a step the citizen would not want to redo.
	resumes bool
	// keyboard says the screen shows a reply keyboard, which every way off
	// the screen (Back, Cancel, a command, a global button) takes away.
	keyboard bool
	// final says the screen ends a flow: shown again, it would repeat
	// itself, so a re-prompt shows the menu below it instead.
	final bool
}

// screens defines every Screen but ScreenNone. It is filled in init
// because the screens' handlers draw screens, which reads it.
var screens map[Screen]screen

func init() {
	screens = map[Screen]screen{
		// What can be done: book, my bookings, information, help, language.
		ScreenMenu: {render: renderMenu},
		// The language chooser; Back returns to where it was opened.
		ScreenLang: {render: renderLang, back: (*machine).resume},
		// A booking starts with the department...
		ScreenDept: {render: renderDept, resumes: true},
		// ...then one of its services...
		ScreenService: {
			render:   renderService,
			drawable: func(s State) bool { return s.Draft.Department != "" },
			back:     func(m *machine) { m.draw(ScreenDept) },
			resumes:  true,
		},
		// ...a day, from one week of the calendar at a time...
		ScreenDate: {
			render:   renderDate,
			drawable: func(s State) bool { return s.Draft.Service != "" },
			back: func(m *machine) {
				if m.s.Draft.Ref != "" {
					m.draw(ScreenMyBookings) // moving a booking started there
					return
				}
				m.draw(ScreenService)
			},
			text:    (*machine).dateText,
			resumes: true,
		},
		// ...one of the day's free times...
		ScreenTime: {
			render:   renderTime,
			drawable: func(s State) bool { return s.Draft.Service != "" && len(s.Times) > 0 },
			back:     func(m *machine) { m.loadWeek(m.env.weekOf(m.s.Draft.Date)) },
			text:     (*machine).timeText,
			resumes:  true,
		},
		// ...the phone number, typed or shared (not when moving a booking)...
		ScreenPhone: {
			render:   renderPhone,
			drawable: func(s State) bool { return newBookingAt(s) || s.askingContact() },
			back: func(m *machine) {
				if m.s.askingContact() {
					m.s.Wait.Part = ""
					m.draw(ScreenWaitJoin) // joining the waiting list started there
					return
				}
				m.draw(ScreenTime)
			},
			text:     (*machine).phoneText,
			contact:  (*machine).sharedContact,
			resumes:  true,
			keyboard: true,
		},
		// ...the name...
		ScreenName: {
			render:   renderName,
			drawable: func(s State) bool { return newBookingAt(s) || s.askingContact() },
			back:     func(m *machine) { m.draw(ScreenPhone) },
			text:     (*machine).nameText,
			resumes:  true,
		},
		// ...the summary to confirm...
		ScreenConfirm: {
			render: renderConfirm,
			drawable: func(s State) bool {
				d := s.Draft
				return d.Service != "" && !d.Start.IsZero() && (d.Ref != "" || d.Phone != "" && d.Name != "")
			},
			back: func(m *machine) {
				if m.s.Draft.Ref != "" {
					m.draw(ScreenTime) // a move asks for no contact details
					return
				}
				m.draw(ScreenName)
			},
			resumes: true,
		},
		// ...and the reference of the booking made or moved.
		ScreenDone: {
			render:   renderDone,
			drawable: func(s State) bool { return s.DoneRef != "" },
			final:    true,
		},
		// The citizen's upcoming bookings, each to cancel or move.
		ScreenMyBookings: {render: renderMine, resumes: true},
		// The question before cancelling one of them.
		ScreenCancelAsk: {
			render: renderCancelAsk,
			drawable: func(s State) bool {
				_, ok := s.held(s.Focus)
				return ok
			},
			back:    func(m *machine) { m.draw(ScreenMyBookings) },
			resumes: true,
		},
		// Joining the waiting list: the part of the day that suits, and
		// whether only the day chosen or any day (screen_waitlist.go).
		ScreenWaitJoin: {
			render:   renderWaitJoin,
			drawable: func(s State) bool { return s.Draft.Service != "" || s.Wait.Earlier != "" },
			back: func(m *machine) {
				if m.s.Wait.Earlier != "" {
					m.loadMine("", "")
					return
				}
				m.loadWeek(m.s.Week)
			},
			resumes: true,
		},
		// The question before /forget erases the citizen's data.
		ScreenForgetAsk: {
			render: renderForgetAsk,
			back:   (*machine).keepData,
		},
	}
}

// newBookingAt is whether a state holds a new booking's service and time,
// which the phone and name steps complete.
func newBookingAt(s State) bool {
	d := s.Draft
	return d.Service != "" && !d.Start.IsZero() && d.Ref == ""
}

// draw makes scr the screen on display under a new version and renders it.
// Moving within a flow replaces the tapped message (see the package doc's
// rule for outcomes, and release and outcome for the exceptions).
func (m *machine) draw(scr Screen) {
	m.leaving(scr)
	m.s.Screen = scr
	m.s.Version++
	if m.s.tapped && m.s.Sealed {
		// The tapped message holds an outcome (a booking's code, a
		// cancellation): it stays, and what its buttons open comes below.
		m.release()
	}
	m.s.Sealed, m.s.sealing = m.s.sealing, false
	edit := m.s.tapped && !m.removedKeyboard() && !m.s.dropKeyboard
	m.add(m.show(), edit)
	m.s.tapped = false // only the first screen of a step replaces the tapped message
}

// add queues a screen's replies: its first as an edit of the tapped
// message when edit, and with the reply keyboard taken away when that is
// pending (see leaving).
func (m *machine) add(rs []Reply, edit bool) {
	if m.s.dropKeyboard && len(rs) > 0 {
		m.s.dropKeyboard = false
		rs = m.withoutKeyboard(rs)
	}
	if m.s.attach != nil && len(rs) > 0 {
		// A file carries its message as a caption, which is shorter; it
		// is never edited (outcomes carry files, and are sealed).
		rs[0].Document, m.s.attach = m.s.attach, nil
		rs[0].Text = Clip(rs[0].Text, MaxCaptionChars)
		edit = false
	}
	for i, r := range rs {
		r.Edit = edit && i == 0 && !r.ContactButton && !r.RemoveKeyboard && r.Document == nil
		m.replies = append(m.replies, r)
	}
}

// withoutKeyboard takes the phone step's reply keyboard away with the
// first message of rs. Telegram carries one reply_markup per message, and a
// message that removes a reply keyboard cannot get inline buttons later,
// so a first message with buttons gives its first paragraph to the
// removal (the note above the screen, or its heading) and keeps the rest;
// only a screen of one paragraph needs a message of its own, «Εντάξει.».
func (m *machine) withoutKeyboard(rs []Reply) []Reply {
	first := rs[0]
	if first.ContactButton {
		return rs // the keyboard is shown again, as it was
	}
	if len(first.Buttons) == 0 {
		first.RemoveKeyboard = true
		return append([]Reply{first}, rs[1:]...)
	}
	head, tail, ok := strings.Cut(first.Text, "\n\n")
	if !ok {
		head, tail = m.t("KeyboardGone", nil), first.Text
	}
	first.Text = tail
	return append([]Reply{{Text: head, RemoveKeyboard: true}, first}, rs[1:]...)
}

// release leaves the tapped message as it is, a record of what was done
// or refused, without its buttons, which could only repeat or contradict
// it; whatever comes next is a new message below, where the citizen is
// looking. Every outcome releases the message of the screen it finished.
func (m *machine) release() {
	if !m.s.tapped {
		return
	}
	m.replies = append(m.replies, Reply{Edit: true, DropButtons: true})
	m.s.tapped = false
}

// outcome releases the finished screen's message; the screen drawn next
// shows the outcome in a new message. With seal, that message holds the
// outcome for good (the booking's code and what to bring, a cancellation)
// and is never edited afterwards: its buttons open their screens below it.
func (m *machine) outcome(seal bool) {
	m.release()
	m.s.sealing = seal
}

// reprompt shows the current screen again, under the same version, as a new
// message below what the citizen typed, with note id above it.
func (m *machine) reprompt(id string) {
	if id != "" {
		if m.s.note != "" && m.s.note != id {
			m.say(m.t(m.s.note, m.view().noteData()))
		}
		m.s.note = id
	}
	if m.s.Screen == ScreenNone || screens[m.s.Screen].final {
		// Nothing to come back to: the confirmation stays above, the menu
		// offers what can be done next.
		m.s.Screen = ScreenMenu
		m.s.Version++
		m.s.Sealed = false
	}
	m.add(m.show(), false)
}

// show renders the screen on display with the pending note above it, and
// spends the note.
func (m *machine) show() []Reply {
	sc, ok := screens[m.s.Screen]
	if !ok {
		m.s.Screen, sc = ScreenMenu, screens[ScreenMenu]
	}
	v := m.view()
	rs := sc.render(v)
	if m.s.note != "" {
		rs[0].Text = v.noteText() + "\n\n" + rs[0].Text
		m.s.note, m.s.noteData = "", nil
	}
	for i := range rs {
		rs[i].Text = Clip(rs[i].Text, MaxTextChars)
	}
	return rs
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
	m.leaving(scr)
	m.s.Screen = scr
	m.s.Version++
	m.s.Sealed = false
}

// leaving takes away the reply keyboard of the screen on display when the
// dialog moves on to scr: with the first message of scr (see add).
func (m *machine) leaving(scr Screen) {
	if screens[m.s.Screen].keyboard && scr != m.s.Screen {
		m.keyboardGone()
	}
}

// keyboardGone has the next message take away the phone step's reply
// keyboard, unless a message did already.
func (m *machine) keyboardGone() {
	if !m.removedKeyboard() {
		m.s.dropKeyboard = true
	}
}

// say adds a plain message, which also takes away a reply keyboard due to
// go.
func (m *machine) say(text string) {
	r := Reply{Text: Clip(text, MaxTextChars)}
	if m.s.dropKeyboard {
		r.RemoveKeyboard, m.s.dropKeyboard = true, false
	}
	m.replies = append(m.replies, r)
}

// removeKeyboard sends message id, which also takes away the reply
// keyboard of the phone screen.
func (m *machine) removeKeyboard(id string, data map[string]any) {
	m.s.dropKeyboard = false
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
