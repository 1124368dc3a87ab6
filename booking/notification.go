package booking

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file is the contract between the changes that write notifications
// (the Office, the daily roster) and the adapters that deliver them (notify
// for citizens on Telegram, slack for staff): the kinds there are, where
// each goes, what each carries, and how a delivery reports its outcome.
//
// To add a notification: name its kind below, saying who receives it and
// which Payload fields it sets (add a field if none fits); write it from the
// change that causes it, in the same Store call (see office.go's toCitizen
// and toStaff); and render it in notify/render.go (Telegram) or
// slack/deliver.go (Slack). A deliverer answers a kind it does not know with
// a Permanent error, so an older replica parks such a row instead of
// retrying it for ever.

// NotificationKind names what a notification tells and so how it is rendered.
type NotificationKind string

const (
	// To the citizen, on Telegram; BookingID is the booking, read again
	// when the message is rendered, and the chat is its citizen's as it is
	// then (Recipient is the chat ID at writing, "" for a citizen booked
	// by phone who had no Telegram account: skipped unless they link one).
	NotifyConfirmed        NotificationKind = "citizen.confirmed"   // booked: reference, what to bring, .ics
	NotifyRescheduled      NotificationKind = "citizen.rescheduled" // moved: new time, .ics with the same UID; Payload.OldStart, ByStaff
	NotifyReminder         NotificationKind = "citizen.reminder"    // before the appointment, with keep/cancel/reschedule buttons; Payload.Before
	NotifyCancelledByStaff NotificationKind = "citizen.cancelled"   // staff cancelled: reason, book-again button; Payload.Reason
	NotifyDayClosed        NotificationKind = "citizen.day_closed"  // the day was closed: reason, book-again button; Payload.Reason

	// To the citizen on Telegram, from the waiting list (waitlist.go).
	// BookingID is the offer's hold row, a booking of status Offered read
	// again at delivery (an offer whose hold has ended by then is not
	// sent; its Start, End and HeldUntil are the place and until when it is
	// kept). Payload.OldStart is set for an earlier-time offer: the start
	// of the booking it would move.
	NotifyOffer        NotificationKind = "citizen.offer"         // a place is free: take it or not, until when
	NotifyOfferExpired NotificationKind = "citizen.offer_expired" // the offer ran out and went to the next in line
	NotifyWaitDropped  NotificationKind = "citizen.wait_dropped"  // taken off the list after too many offers ran out
	// NotifyOfferTaken is the confirmation of a taken offer, as
	// NotifyConfirmed (or NotifyRescheduled, with Payload.OldStart): the
	// conversation in which it was taken shows it. BookingID is the booking.
	NotifyOfferTaken NotificationKind = "citizen.offer_taken"

	// To the department's Slack channel; Recipient is the department code.
	NotifyStaffCancelled   NotificationKind = "staff.cancelled"   // a citizen cancelled
	NotifyStaffRescheduled NotificationKind = "staff.rescheduled" // a citizen moved a booking; Payload.OldStart
	NotifyStaffToday       NotificationKind = "staff.today"       // a booking was made for today
	// NotifyStaffRoster is a department's daily roster, with no booking:
	// the roster is read when it is delivered, so it shows the day as it is
	// then. Payload.Day. See RosterNotification.
	NotifyStaffRoster NotificationKind = "staff.roster"
)

// Channel is where a notification goes.
type Channel string

const (
	ChannelTelegram Channel = "telegram" // Recipient is the citizen's chat ID
	ChannelSlack    Channel = "slack"    // Recipient is the department code
)

// Notification is an outbox row: written in the same transaction as the change
// that causes it, delivered at least once after DueAt, de-duplicated by ID.
type Notification struct {
	ID        int64
	Kind      NotificationKind
	Channel   Channel
	Recipient string
	BookingID int64     // 0 when not about one booking
	DueAt     time.Time // zero: at once
	Payload   Payload
	Attempts  int
	// InChat says the citizen's conversation showed it already (the
	// confirmation of what they did in the bot): the row is written as
	// delivered, the record of it, and no worker claims it.
	InChat bool
}

// Payload is what a notification carries besides its booking, which the
// deliverer reads as it is at delivery, so that no message shows a time or
// a status that has changed since. Each kind sets only the fields its
// comment above names; the others stay zero.
type Payload struct {
	// Reason is why staff cancelled the booking or closed its day, as they
	// typed it.
	Reason string
	// OldStart is where a moved booking was.
	OldStart time.Time
	// Before is how long before the start a reminder was set for; with the
	// row's due time it tells whether the booking has moved since.
	Before time.Duration
	// Day is the day of a roster.
	Day Date
	// ByStaff says staff moved the booking (NotifyRescheduled): the
	// citizen was not in the conversation that would have shown it.
	ByStaff bool
}

// IsZero reports whether p carries nothing; the store keeps such a payload
// as NULL.
func (p Payload) IsZero() bool { return p == Payload{} }

// payloadJSON is how a Payload is stored. The names are those rows already
// in outboxes carry and must not change; unknown names (rows of older
// versions wrote "old_desk" and a closed day's "date", which nothing read)
// are ignored.
type payloadJSON struct {
	Reason        string    `json:"reason,omitempty"`
	OldStart      time.Time `json:"old_start,omitzero"`
	BeforeMinutes int       `json:"before_minutes,omitempty"`
	Date          string    `json:"date,omitempty"`
	ByStaff       bool      `json:"by_staff,omitempty"`
}

// MarshalJSON encodes p as the store keeps it.
func (p Payload) MarshalJSON() ([]byte, error) {
	j := payloadJSON{Reason: p.Reason, OldStart: p.OldStart, BeforeMinutes: int(p.Before / time.Minute), ByStaff: p.ByStaff}
	if p.Day != (Date{}) {
		j.Date = p.Day.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a stored payload; null leaves p zero.
func (p *Payload) UnmarshalJSON(b []byte) error {
	var j payloadJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("booking: payload: %w", err)
	}
	*p = Payload{Reason: j.Reason, OldStart: j.OldStart, Before: time.Duration(j.BeforeMinutes) * time.Minute, ByStaff: j.ByStaff}
	if j.Date != "" {
		d, err := ParseDate(j.Date)
		if err != nil {
			return fmt.Errorf("booking: payload: %w", err)
		}
		p.Day = d
	}
	return nil
}

// RosterNotification is the outbox row of dept's roster for day; the daily
// scheduler writes it in the same transaction as the day's job claim.
func RosterNotification(dept string, day Date) Notification {
	return Notification{Kind: NotifyStaffRoster, Channel: ChannelSlack, Recipient: dept, Payload: Payload{Day: day}}
}

// Claimed is a notification leased to one delivery worker until the lease
// runs out.
type Claimed struct {
	Notification
	// Token names the lease, so that a worker that stalled past it can
	// tell the row has been claimed by another since.
	Token string
	// Unreadable says why the stored payload could not be decoded (a row
	// written by hand, or by a newer version); such a row is parked, not
	// delivered.
	Unreadable error
}

// The outcomes of a delivery besides success (nil) and a failure worth
// retrying (any other error). A deliverer wraps its error with Permanent
// or returns Skip; the worker parks or drops the row accordingly.
var (
	// ErrPermanent marks a failure that retrying cannot fix (the citizen
	// blocked the bot, the booking is gone, the kind is unknown): the row
	// is parked.
	ErrPermanent = errors.New("permanent failure")
	// ErrSkipped marks a row that needs no message any more (a reminder of
	// a booking that was cancelled or moved): it counts as handled.
	ErrSkipped = errors.New("skipped")
)

// Permanent wraps err so that the row is parked instead of retried.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// Skip returns an error matching ErrSkipped that says why.
func Skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkipped, reason) }
