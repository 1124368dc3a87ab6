package notify

import (
	"fmt"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
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
	Catalog *booking.Catalog // required
	// Domain goes into calendar UIDs ("rantevou-K7P4QX@Domain"); it should
	// never change once citizens have entries in their calendars.
	Domain string
	// Now is the clock of a calendar file's stamp and of whether an
	// appointment has begun; time.Now when nil.
	Now func() time.Time
}

func (r *Renderer) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Renderer) loc() *time.Location {
	if r.Catalog.Location != nil {
		return r.Catalog.Location
	}
	return athens
}

// names is what a message says of its booking's service and department.
type names struct {
	service, department, bring booking.Text
}

func (r *Renderer) names(b booking.Booking) names {
	n := names{service: r.Catalog.ServiceName(b.Service), department: r.Catalog.DepartmentName(b.Department)}
	if svc, ok := r.Catalog.Service(b.Service); ok {
		n.bring = svc.Bring
	}
	return n
}

// Render renders n about booking b (the booking as it is now). It returns an
// error matching booking.ErrSkipped when the message is no longer wanted, and one
// matching booking.ErrPermanent when n cannot be rendered at all.
func (r *Renderer) Render(n booking.Notification, b booking.Booking) (Message, error) {
	p := n.Payload
	lang := b.Citizen.Lang
	pr := locales.For(lang)
	loc := r.loc()
	nm := r.names(b)
	data := map[string]any{
		"Ref":        b.Ref,
		"Service":    nm.service.In(lang),
		"Department": nm.department.In(lang),
		"Desk":       b.Desk,
		"Date":       pr.Date(booking.DateOf(b.Start, loc)),
		"Time":       pr.Time(b.Start, loc),
		"Bring":      nm.bring.In(lang),
		"Name":       b.Citizen.Name,
	}
	reason := p.Reason
	if reason == "" {
		reason = b.CancelReason
	}
	data["Reason"] = reason

	switch n.Kind {
	case booking.NotifyConfirmed, booking.NotifyRescheduled:
		if b.Status != booking.Active {
			return Message{}, booking.Skip("booking no longer active")
		}
		id := "notify_confirmed"
		if n.Kind == booking.NotifyRescheduled {
			id = "notify_rescheduled"
			if !p.OldStart.IsZero() {
				data["OldDate"] = pr.Date(booking.DateOf(p.OldStart, loc))
				data["OldTime"] = pr.Time(p.OldStart, loc)
			}
		}
		text := pr.T(id, data)
		if data["Bring"] != "" {
			text += "\n\n" + pr.T("notify_bring", data)
		}
		// Outbox ids only grow, so each later change of the booking
		// carries a higher calendar SEQUENCE than the one before.
		seq := 0
		if n.Kind == booking.NotifyRescheduled {
			seq = int(n.ID)
		}
		return Message{
			Text:    text,
			ICS:     ICS(r.event(b, nm, lang, seq, false)),
			ICSName: "rantevou-" + b.Ref + ".ics",
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
		if !b.Start.After(r.now()) {
			return Message{}, booking.Skip("appointment already began")
		}
		return Message{
			Text: pr.T("notify_reminder", data),
			Buttons: [][]dialog.Button{
				{{Text: pr.T("notify_button_keep", nil), Data: dialog.GlobalButton(dialog.GlobalKeep, b.Ref)}},
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
		return Message{
			Text: pr.T(id, data),
			Buttons: [][]dialog.Button{
				{{Text: pr.T("notify_button_book_again", nil), Data: dialog.GlobalButton(dialog.GlobalBookAgain, b.Ref)}},
			},
			ICS:     ICS(r.event(b, nm, lang, int(n.ID), true)),
			ICSName: "rantevou-" + b.Ref + ".ics",
		}, nil
	}
	return Message{}, booking.Permanent(fmt.Errorf("notify: unknown kind %q", n.Kind))
}

func (r *Renderer) event(b booking.Booking, nm names, lang booking.Lang, seq int, cancelled bool) Event {
	pr := locales.For(lang)
	data := map[string]any{"Ref": b.Ref, "Bring": nm.bring.In(lang), "Desk": b.Desk}
	desc := pr.T("notify_ics_description", data)
	if nm.bring.In(lang) != "" {
		desc += "\n" + pr.T("notify_bring", data)
	}
	office := r.Catalog.Office.In(lang)
	location := nm.department.In(lang)
	if office != "" {
		location = office + " — " + location
	}
	domain := r.Domain
	if domain == "" {
		domain = "rantevou"
	}
	return Event{
		UID:         "rantevou-" + b.Ref + "@" + domain,
		Sequence:    seq,
		Start:       b.Start,
		End:         b.End,
		Summary:     nm.service.In(lang),
		Location:    location,
		Description: desc,
		Cancelled:   cancelled,
		Stamp:       r.now(),
	}
}
