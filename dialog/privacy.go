package dialog

// The privacy notice, shown at a citizen's first contact, on /privacy and
// under /help; and /forget, which after a question listing what will
// happen cancels the citizen's upcoming bookings and erases their data
// (Effect Forget), after which the engine drops the session: the next
// update starts a new one, as a new citizen's.

// defaultRetentionDays is what the notice says when the engine does not.
const defaultRetentionDays = 90

// notice says the privacy notice, once per step.
func (m *machine) notice() {
	days := m.env.RetentionDays
	if days <= 0 {
		days = defaultRetentionDays
	}
	text := m.t("PrivacyNotice", map[string]any{"Days": days})
	for _, r := range m.replies {
		if r.Text == text {
			return
		}
	}
	m.say(text)
}

// firstContact greets a citizen the office does not know with the notice,
// and remembers them so that it is not shown again, unless the engine did
// as it looked them up (Env.Remembered): then the notice is all there is
// to do, and the step costs no write of its own.
func (m *machine) firstContact() {
	m.notice()
	if !m.env.Remembered {
		m.effects = append(m.effects, Effect{Kind: Remember, Lang: m.s.Lang})
	}
}

// privacy answers /privacy: the notice, and the screen on display again.
func (m *machine) privacy() {
	m.notice()
	m.reprompt("")
}

// askForget loads the citizen's bookings for the question before erasing.
func (m *machine) askForget() {
	m.resetDraft()
	m.s.Forgetting = true
	m.effects = append(m.effects, Effect{Kind: MyBookings})
}

// forgetAsked asks whether to erase, naming how many upcoming bookings
// would be cancelled.
func (m *machine) forgetAsked(r Result) {
	m.s.Forgetting = false
	if r.Err != "" {
		m.failed()
		return
	}
	m.s.Bookings = nil
	for _, b := range r.Bookings {
		m.s.Bookings = append(m.s.Bookings, Held{Ref: b.Ref, Service: b.Service, Start: b.Start})
	}
	m.draw(ScreenForgetAsk)
}

func renderForgetAsk(v view) []Reply {
	return one(v.t("ForgetAsk", map[string]any{"Count": len(v.s.Bookings)}),
		rows(row(v.btn(v.t("BtnForgetYes", nil), ActForget)),
			row(v.btn(v.t("BtnForgetNo", nil), ActBack))))
}

// keepData is the question's No: nothing happens.
func (m *machine) keepData() {
	m.s.note = "ForgetKept"
	m.draw(ScreenMenu)
}

// forget runs the erasure confirmed on the question.
func (m *machine) forget() {
	if m.s.Screen != ScreenForgetAsk {
		m.reprompt("UseButtons")
		return
	}
	m.effects = append(m.effects, Effect{Kind: Forget})
}

// forgotten says the erasure is done. The session is over: the engine
// deletes it, and what is left on screen has no buttons.
func (m *machine) forgotten(r Result) {
	if r.Err != "" {
		m.failed() // the question again, to try again
		return
	}
	m.outcome(true)
	lang := m.s.Lang
	m.s = State{Lang: lang}
	m.say(m.t("Forgotten", map[string]any{"Count": len(r.Bookings)}))
}
