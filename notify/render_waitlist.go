package notify

import (
	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/locales"
)

// renderWaitlist renders the waiting list's notifications (booking's
// waitlist.go); ok is false for any other kind. b is the offer's hold row
// as it is now (a booking of status Offered), or for NotifyOfferTaken the
// booking made or moved.
func (r *Renderer) renderWaitlist(n booking.Notification, b booking.Booking, data map[string]any) (Message, bool, error) {
	lang := b.Citizen.Lang
	pr := locales.For(lang)
	loc := r.loc()
	if !n.Payload.OldStart.IsZero() {
		data["OldWhen"] = pr.When(n.Payload.OldStart, loc)
	}
	switch n.Kind {
	case booking.NotifyOffer:
		// The hold is read as it is now: an offer that ended before it
		// could be sent (taken back by a decline, run out in a backlog)
		// would only offer what is gone.
		if b.Status != booking.Offered || b.HeldUntil.IsZero() {
			return Message{}, true, booking.Skip("offer no longer live")
		}
		now := r.now()
		if !b.HeldUntil.After(now) {
			return Message{}, true, booking.Skip("offer ran out before it was sent")
		}
		data["Until"] = pr.Until(b.HeldUntil, now, loc)
		id := "OfferNew"
		if !n.Payload.OldStart.IsZero() {
			id = "OfferEarlier"
		}
		return Message{
			Text: pr.T(id, data),
			Buttons: [][]dialog.Button{{
				{Text: pr.T("OfferBtnTake", nil), Data: dialog.GlobalButton(dialog.GlobalTakeOffer, b.Ref)},
				{Text: pr.T("OfferBtnDecline", nil), Data: dialog.GlobalButton(dialog.GlobalDeclineOffer, b.Ref)},
			}},
		}, true, nil

	case booking.NotifyOfferExpired:
		return Message{Text: pr.T("OfferExpiredNotice", data)}, true, nil

	case booking.NotifyWaitDropped:
		return Message{
			Text: pr.N("WaitlistDroppedNotice", r.Catalog.WaitDrops(), data),
			Buttons: [][]dialog.Button{
				{{Text: pr.T("notify_button_book_again", nil), Data: dialog.GlobalButton(dialog.GlobalBookAgain, b.Ref)}},
			},
		}, true, nil

	case booking.NotifyOfferTaken:
		// The conversation in which the offer was taken showed the
		// confirmation; as a message it is the confirmation of a booking
		// or a move.
		k := booking.NotifyConfirmed
		if !n.Payload.OldStart.IsZero() {
			k = booking.NotifyRescheduled
		}
		if !r.SendConfirmations {
			return Message{}, true, booking.Skip("the conversation confirmed it")
		}
		m, err := r.Render(booking.Notification{ID: n.ID, Kind: k, Channel: n.Channel, Recipient: n.Recipient,
			BookingID: n.BookingID, DueAt: n.DueAt, Payload: n.Payload}, b)
		return m, true, err
	}
	return Message{}, false, nil
}
