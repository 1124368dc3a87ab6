package booking

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Office is the booking service every adapter talks to: it checks the rules
// (catalog, calendar, horizon, notice, limits, who may act) and turns each
// request into one Store call with its notifications. The Store, not the
// Office, guarantees no overbooking: the Office's checks are there to give
// friendly errors early.
//
// Its methods live in a file per use case, so that one question has one
// place to read: availability.go (free days, times, the first free slot),
// citizen.go (book, move, cancel, a citizen's bookings and language) and
// staff.go (rosters, look-ups, attendance, closing days). Cancel serves
// both sides, with the rules of each actor; it is in citizen.go. This file
// keeps who may see or act on what, and the notifications every change
// writes.
type Office struct {
	catalog *Catalog
	store   Store
	now     func() time.Time
	cal     *Calendar
	observe func(action string, n int)
	limits  CitizenLimits
	// inChat: the conversation shows the confirmation of what a citizen
	// does in the bot, so its outbox row is written delivered (InChat).
	inChat bool
	// The waiting list (waitlist.go); nil wait: not in use.
	wait    WaitlistStore
	waitCfg WaitlistConfig
	waitObs WaitlistObserver
}

// Observe makes the Office tell f of every change it makes, as an action
// ("created", "rescheduled", "cancelled", "attended", "no_show") and a count.
// It is for metrics: f must be quick and safe for concurrent use. Call it
// before the Office is shared.
func (o *Office) Observe(f func(action string, n int)) { o.observe = f }

// ConfirmInChat tells the Office that the conversation shows citizens the
// confirmation of what they book or move in the bot (package dialog does),
// so that its outbox row is written as delivered, kept as the record,
// instead of being claimed by a worker only to be skipped: two writes
// less per booking. Without it the worker decides (notify.Renderer's
// SendConfirmations). Call it before the Office is shared.
func (o *Office) ConfirmInChat() { o.inChat = true }

// changed reports a successful change to the observer.
func (o *Office) changed(action string, n int, err error) {
	if err == nil && n > 0 && o.observe != nil {
		o.observe(action, n)
	}
}

// NewOffice returns an Office over c and s; now is the clock (time.Now in
// production, a fake in tests).
func NewOffice(c *Catalog, s Store, now func() time.Time) *Office {
	return &Office{catalog: c, store: s, now: now, cal: NewCalendar(c)}
}

// Catalog returns the office's catalog. Callers must not modify it.
func (o *Office) Catalog() *Catalog { return o.catalog }

// Calendar returns the office's calendar.
func (o *Office) Calendar() *Calendar { return o.cal }

func (o *Office) loc() *time.Location { return o.cal.Location() }

func (o *Office) service(code string) (*Service, *Department, error) {
	svc, ok := o.catalog.Service(code)
	if !ok {
		return nil, nil, Errorf(ENotFound, "unknown service %q", code)
	}
	dept, ok := o.catalog.Department(svc.Department)
	if !ok {
		return nil, nil, Errorf(EInternal, "service %q of unknown department %q", code, svc.Department)
	}
	return svc, dept, nil
}

func (o *Office) department(code string) (*Department, error) {
	d, ok := o.catalog.Department(code)
	if !ok {
		return nil, Errorf(ENotFound, "unknown department %q", code)
	}
	return d, nil
}

// Booking returns the booking ref if a may see it.
func (o *Office) Booking(ctx context.Context, a Actor, ref string) (Booking, error) {
	b, err := o.lookup(ctx, ref)
	if err != nil {
		return Booking{}, err
	}
	switch a.Kind {
	case ActorCitizen:
		if a.ID == "" || a.ID != strconv.FormatInt(b.Citizen.TelegramID, 10) {
			return Booking{}, Errorf(EForbidden, "booking %s is not citizen %s's", b.Ref, a.ID)
		}
	default:
		if err := o.mayActOn(a, b.Department); err != nil {
			return Booking{}, err
		}
	}
	return b, nil
}

// lookup reads the booking ref as people type it, in any case and with
// spaces around, without checking who asks. The hold of an offer from the
// waiting list is a row of the store's bookings but not a booking: nobody
// finds it by its reference.
func (o *Office) lookup(ctx context.Context, ref string) (Booking, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if ref == "" {
		return Booking{}, Errorf(EInvalid, "empty booking reference")
	}
	if !plainText(ref) {
		return Booking{}, Errorf(EInvalid, "booking reference with control characters")
	}
	b, err := o.store.Booking(ctx, ref)
	if err == nil && b.Status == Offered {
		return Booking{}, Errorf(ENotFound, "no booking %q", ref)
	}
	return b, err
}

// mayActOn says whether a may act for department dept: staff listed in the
// department's Slack staff, or the system itself.
func (o *Office) mayActOn(a Actor, dept string) error {
	switch a.Kind {
	case ActorSystem:
		return nil
	case ActorStaff:
		if slices.Contains(o.catalog.StaffDepartments(a.ID), dept) {
			return nil
		}
	}
	return Errorf(EForbidden, "%s %s may not act on department %q", a.Kind, a.ID, dept)
}

// reminders returns a reminder per catalog offset that is still in the future.
func (o *Office) reminders(telegramID int64, start, now time.Time) []Notification {
	var out []Notification
	for _, off := range o.catalog.Reminders {
		due := start.Add(-off)
		if due.After(now) {
			out = append(out, o.toCitizen(telegramID, NotifyReminder, due, Payload{Before: off}))
		}
	}
	return out
}

func (o *Office) isToday(start, now time.Time) bool {
	return DateOf(start, o.loc()) == DateOf(now, o.loc())
}

// toCitizen is a notification to the citizen telegramID, or with 0 to
// whoever the booking's citizen is on Telegram at delivery (see
// NotifyConfirmed).
func (o *Office) toCitizen(telegramID int64, k NotificationKind, due time.Time, payload Payload) Notification {
	n := Notification{Kind: k, Channel: ChannelTelegram, DueAt: due, Payload: payload}
	if telegramID > 0 {
		n.Recipient = strconv.FormatInt(telegramID, 10)
	}
	return n
}

func (o *Office) toStaff(dept string, k NotificationKind, due time.Time, payload Payload) Notification {
	return Notification{Kind: k, Channel: ChannelSlack, Recipient: dept, DueAt: due, Payload: payload}
}
