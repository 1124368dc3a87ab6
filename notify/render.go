package notify

import (
	"fmt"
	"time"
	"unicode"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/ics"
	"github.com/rantevou/rantevou/locales"
)

// Message is a citizen notification ready to send: one Telegram message,
// a document with a caption when it carries a calendar file.
type Message struct {
	Text    string
	Buttons [][]dialog.Button
	ICS     []byte // nil: a plain text message
	ICSName string
}

// Renderer turns outbox rows into citizen messages.
type Renderer struct {
	// Catalog is required. Its domain makes the calendar files' UIDs
	// (see ics.UID), the same as the conversation's files.
	Catalog *booking.Catalog
	Now     func() time.Time
	// SendConfirmations sends the confirmation of a booking or a move as a
	// message too, with its calendar file: for citizens whose conversation
	// runs on a release that does not show one, while replicas of two
	// releases share an outbox. Off, the conversation's message is the
	// only one.
	SendConfirmations bool
}

func (r *Renderer) loc() *time.Location {
	if r.Catalog.Location != nil {
		return r.Catalog.Location
	}
	return time.UTC
}

func (r *Renderer) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Render renders n about booking b (the booking as it is now). It returns an
// error matching booking.ErrSkipped when the message is no longer wanted, and one
// matching booking.ErrPermanent when n cannot be rendered at all.
//
// The confirmation of a booking or a move the citizen made in the bot is
// not sent (unless SendConfirmations): the conversation in which they
// confirmed shows it, in one message with the code, the place and the way
// to the calendar (package dialog), and a second message repeating it in
// other words only confused. Its outbox row stays, written with the
// booking, and is marked done here. A booking the call centre or the desk
// made, or a move by staff, had no conversation: its confirmation is sent.
func (r *Renderer) Render(n booking.Notification, b booking.Booking) (Message, error) {
	p := n.Payload
	lang := b.Citizen.Lang
	pr := locales.For(lang)
	loc := r.loc()
	c := r.Catalog
	data := map[string]any{
		"Ref":        b.Ref,
		"Service":    c.ServiceName(b.Service).In(lang),
		"Department": c.DepartmentName(b.Department).In(lang),
		"Desk":       b.Desk,
		"Date":       pr.Date(booking.DateOf(b.Start, loc)),
		"Time":       pr.Time(b.Start, loc),
		"Name":       b.Citizen.Name,
		"Address":    "",
	}
	var mapButton []dialog.Button
	if d, ok := c.Department(b.Department); ok {
		data["Address"] = locales.Address(d.Address.In(lang))
		if d.Geo != nil {
			mapButton = []dialog.Button{{Text: pr.T("BtnMap", nil), Data: dialog.GlobalButton(dialog.GlobalMap, b.Department)}}
		}
	}
	reason := p.Reason
	if reason == "" {
		reason = b.CancelReason
	}
	data["Reason"] = reason
	data["ReasonInGreek"] = lang == booking.English && greekScript(reason)

	switch n.Kind {
	case booking.NotifyConfirmed, booking.NotifyRescheduled:
		inChat := n.Kind == booking.NotifyConfirmed && !b.ByStaff() ||
			n.Kind == booking.NotifyRescheduled && !p.ByStaff
		if inChat && !r.SendConfirmations {
			return Message{}, booking.Skip("the conversation confirmed it")
		}
		if b.Status != booking.Active {
			return Message{}, booking.Skip("booking no longer active")
		}
		// The conversation's own words, as the caption of the file.
		id := "Booked"
		if n.Kind == booking.NotifyRescheduled {
			id = "Moved"
		}
		data["When"] = pr.When(b.Start, loc)
		if s, ok := c.Service(b.Service); ok {
			data["Bring"] = s.Bring.In(lang)
		}
		if d, ok := c.Department(b.Department); ok && len(d.Phones) > 0 {
			data["Phone"] = booking.FormatPhone(d.Phones[0])
		}
		var buttons [][]dialog.Button
		if mapButton != nil {
			buttons = [][]dialog.Button{mapButton}
		}
		return Message{
			Text:    dialog.Clip(pr.T(id, data), dialog.MaxCaptionChars),
			Buttons: buttons,
			ICS:     ics.Write(ics.Appointment(c, b, r.now(), false)),
			ICSName: ics.FileName(b.Ref),
		}, nil

	case booking.NotifyReminder:
		if b.Status != booking.Active {
			return Message{}, booking.Skip("booking no longer active")
		}
		if p.Before > 0 && !n.DueAt.IsZero() {
			set := b.Start.Add(-p.Before)
			if d := n.DueAt.Sub(set); d > time.Minute || d < -time.Minute {
				return Message{}, booking.Skip("booking moved")
			}
		}
		if r.Now != nil && !b.Start.After(r.Now()) {
			return Message{}, booking.Skip("appointment already began")
		}
		keep := []dialog.Button{{Text: pr.T("notify_button_keep", nil), Data: dialog.GlobalButton(dialog.GlobalKeep, b.Ref)}}
		return Message{
			Text: pr.T("notify_reminder", data),
			Buttons: [][]dialog.Button{
				append(keep, mapButton...),
				{
					{Text: pr.T("notify_button_reschedule", nil), Data: dialog.GlobalButton(dialog.GlobalReschedule, b.Ref)},
					{Text: pr.T("notify_button_cancel", nil), Data: dialog.GlobalButton(dialog.GlobalCancel, b.Ref)},
				},
			},
		}, nil

	case booking.NotifyCancelledByStaff, booking.NotifyDayClosed:
		id := "notify_cancelled"
		if n.Kind == booking.NotifyDayClosed {
			id = "notify_day_closed"
		}
		if reason == "" {
			id += "_no_reason"
		}
		// The file takes the entry out of the phone's calendar; it is
		// written as of the change, which the row's due time is.
		at := n.DueAt
		if at.IsZero() {
			at = r.now()
		}
		return Message{
			Text: pr.T(id, data),
			Buttons: [][]dialog.Button{
				{{Text: pr.T("notify_button_book_again", nil), Data: dialog.GlobalButton(dialog.GlobalBookAgain, b.Ref)}},
			},
			ICS:     ics.Write(ics.Appointment(c, b, at, true)),
			ICSName: ics.FileName(b.Ref),
		}, nil
	}
	if m, ok, err := r.renderWaitlist(n, b, data); ok {
		return m, err
	}
	return Message{}, booking.Permanent(fmt.Errorf("notify: unknown kind %q", n.Kind))
}

// greekScript reports whether s is written in Greek letters, as a reason
// staff typed usually is: an English-speaking citizen is then told so.
func greekScript(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Greek) {
			return true
		}
	}
	return false
}
