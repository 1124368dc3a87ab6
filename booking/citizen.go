package booking

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Request asks for a booking.
type Request struct {
	Citizen        Citizen
	Service        string
	Start          time.Time
	IdempotencyKey string
}

// candidates checks that svc can start at start and returns the desks not
// closed then, in order of preference. It does not read who is busy: the
// store tries the desks in order and the database's exclusion constraint
// decides, which costs less than a read that could be stale anyway.
func (o *Office) candidates(ctx context.Context, svc *Service, start time.Time) ([]string, time.Time, error) {
	end := start.Add(svc.Duration)
	d := DateOf(start, o.loc())
	closures, err := o.store.Closures(ctx, svc.Department, d, d)
	if err != nil {
		return nil, end, err
	}
	earliest, latest := o.cal.Window(o.now())
	if err := o.cal.CheckStart(svc, start, closures, earliest, latest); err != nil {
		return nil, end, err
	}
	desks := o.cal.FreeDesks(svc, start, end, nil, closures)
	if len(desks) == 0 {
		return nil, end, Errorf(EClosed, "no open desk for %s at %s", svc.Code, start.UTC().Format(time.RFC3339))
	}
	return desks, end, nil
}

// Book books r.Service at r.Start for r.Citizen.
func (o *Office) Book(ctx context.Context, r Request) (Booking, error) {
	if r.Citizen.TelegramID <= 0 {
		return Booking{}, Errorf(EInvalid, "book: no citizen")
	}
	if l := r.Citizen.Lang; l != "" && l != Greek && l != English {
		// The database refuses it too; this says so before the insert.
		return Booking{}, Errorf(EInvalid, "book: language %q", l)
	}
	svc, _, err := o.service(r.Service)
	if err != nil {
		return Booking{}, err
	}
	desks, end, err := o.candidates(ctx, svc, r.Start)
	if err != nil {
		return o.repeated(ctx, err, r.IdempotencyKey, o.store.BookingByIdempotencyKey, func(b Booking) bool {
			return b.Citizen.TelegramID == r.Citizen.TelegramID
		})
	}
	actor := Actor{Kind: ActorCitizen, ID: strconv.FormatInt(r.Citizen.TelegramID, 10), Name: r.Citizen.Name}
	return o.insert(ctx, actor, r.Citizen, ViaTelegram, svc, r.Start, end, desks, r.IdempotencyKey, o.limits.ChangesPerHour)
}

// insert books svc at [start, end) on the first free desk of desks for c,
// through via, with the notifications every booking writes: the
// citizen's confirmation and reminders (to their chat, or to whoever they
// are on Telegram at delivery when they have none yet), and the
// department's alert of a booking for today.
func (o *Office) insert(ctx context.Context, a Actor, c Citizen, via Via, svc *Service, start, end time.Time, desks []string, key string, maxChanges int) (Booking, error) {
	now := o.now()
	notify := []Notification{o.toCitizen(c.TelegramID, NotifyConfirmed, now, Payload{})}
	notify[0].InChat = o.inChat && via == ViaTelegram
	notify = append(notify, o.reminders(c.TelegramID, start, now)...)
	if o.isToday(start, now) {
		notify = append(notify, o.toStaff(svc.Department, NotifyStaffToday, now, Payload{}))
	}
	b, created, err := o.store.Insert(ctx, NewBooking{
		Citizen:        c,
		Via:            via,
		Department:     svc.Department,
		Service:        svc.Code,
		Desks:          desks,
		Start:          start,
		End:            end,
		Day:            DateOf(start, o.loc()),
		IdempotencyKey: key,
		MaxActive:      o.catalog.MaxActive,
		MaxPerService:  o.catalog.MaxPerService,
		MaxChanges:     maxChanges,
		Now:            now,
		Notify:         notify,
		Actor:          a,
	})
	if created {
		// A repeated request (a doubled tap on two replicas) gets the
		// first one's booking; it was counted then.
		o.changed("created", 1, err)
	}
	return b, err
}

// Reschedule moves the booking ref to start, atomically.
func (o *Office) Reschedule(ctx context.Context, a Actor, ref string, start time.Time, idempotencyKey string) (Booking, error) {
	b, err := o.Booking(ctx, a, ref)
	if err != nil {
		return Booking{}, err
	}
	desks, end, err := o.canMove(ctx, a, b, start)
	if err != nil {
		return o.repeated(ctx, err, idempotencyKey, o.store.BookingByRequestKey, func(m Booking) bool {
			return m.ID == b.ID
		})
	}
	now := o.now()
	payload := Payload{OldStart: b.Start}
	notify := []Notification{o.toCitizen(b.Citizen.TelegramID, NotifyRescheduled, now, Payload{OldStart: b.Start, ByStaff: a.Kind != ActorCitizen})}
	notify[0].InChat = o.inChat && a.Kind == ActorCitizen
	notify = append(notify, o.reminders(b.Citizen.TelegramID, start, now)...)
	if a.Kind == ActorCitizen {
		notify = append(notify, o.toStaff(b.Department, NotifyStaffRescheduled, now, payload))
	}
	if o.isToday(start, now) {
		notify = append(notify, o.toStaff(b.Department, NotifyStaffToday, now, Payload{}))
	}
	moved, err := o.store.Move(ctx, Move{
		Ref: b.Ref, Desks: desks, Start: start, End: end, Day: DateOf(start, o.loc()),
		IdempotencyKey: idempotencyKey, Now: now, MaxChanges: o.maxChanges(a), Notify: notify, Actor: a,
		Department: b.Department, From: Interval{Desk: b.Desk, Start: b.Start, End: b.End},
	})
	o.changed("rescheduled", 1, err)
	if err == nil {
		o.offerFreed(ctx, b.Department) // the old place, to whoever waits for it
	}
	return moved, err
}

// canMove checks that a may move b to start now and returns the candidate
// desks and the new end.
func (o *Office) canMove(ctx context.Context, a Actor, b Booking, start time.Time) ([]string, time.Time, error) {
	if b.Status != Active {
		return nil, time.Time{}, Errorf(EConflict, "booking %s is %s", b.Ref, b.Status)
	}
	if a.Kind == ActorCitizen && !b.Start.After(o.now()) {
		return nil, time.Time{}, Errorf(EClosed, "booking %s has already started", b.Ref)
	}
	svc, _, err := o.service(b.Service)
	if err != nil {
		return nil, time.Time{}, err
	}
	return o.candidates(ctx, svc, start)
}

// repeated is what a request refused by the rules (err) returns: the
// result of its first run when key shows it is a repeat of a request that
// succeeded, else err. A retry after a lost answer must get the first
// result even when time has since moved past the notice or the start
// itself. The key is looked up only here, after a refusal, so the normal
// path costs no extra round trip (the store looks the key up itself); same
// says whether the earlier result belongs to this request's citizen or
// booking, so a key cannot fetch somebody else's booking.
func (o *Office) repeated(ctx context.Context, err error, key string, byKey func(context.Context, string) (Booking, error), same func(Booking) bool) (Booking, error) {
	if key == "" || ErrorCode(err) == EInternal {
		return Booking{}, err
	}
	first, kerr := byKey(ctx, key)
	switch {
	case kerr == nil && same(first):
		return first, nil
	case kerr == nil || ErrorCode(kerr) == ENotFound:
		return Booking{}, err
	default:
		return Booking{}, kerr
	}
}

// Cancel cancels the booking ref. Citizens cancel only their own bookings,
// staff only their departments'; staff give a reason.
func (o *Office) Cancel(ctx context.Context, a Actor, ref, reason string) (Booking, error) {
	return o.cancel(ctx, a, ref, reason, o.maxChanges(a))
}

// cancel is Cancel with the changes limit given: none for the
// cancellations of a citizen who asked to be forgotten.
func (o *Office) cancel(ctx context.Context, a Actor, ref, reason string, maxChanges int) (Booking, error) {
	b, err := o.Booking(ctx, a, ref)
	if err != nil {
		return Booking{}, err
	}
	if b.Status != Active {
		return Booking{}, Errorf(EConflict, "booking %s is %s", b.Ref, b.Status)
	}
	now := o.now()
	var notify []Notification
	var hold time.Time
	switch a.Kind {
	case ActorCitizen:
		if !b.Start.After(now) {
			return Booking{}, Errorf(EClosed, "booking %s has already started", b.Ref)
		}
		notify = append(notify, o.toStaff(b.Department, NotifyStaffCancelled, now, Payload{}))
		if o.limits.ReleaseDelay > 0 {
			hold = now.Add(o.limits.ReleaseDelay)
		}
	default:
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return Booking{}, Errorf(EInvalid, "cancel: staff must give a reason")
		}
		if !plainText(reason) {
			return Booking{}, Errorf(EInvalid, "cancel: reason with control characters")
		}
		notify = append(notify, o.toCitizen(b.Citizen.TelegramID, NotifyCancelledByStaff, now, Payload{Reason: reason}))
	}
	// A place held for its citizen a while is offered once the hold is
	// over, by the waiting list's sweep; one nobody waits for now needs
	// no offering (whoever joins later is offered what is free then).
	waits := hold.IsZero() && o.someoneWaits(ctx, b.Department, now)
	if waits {
		// A hold that has run out already: nobody but the waiting list's
		// offer, made right after, takes the place (see Store.Insert).
		hold = now
	}
	cancelled, err := o.store.Cancel(ctx, Cancel{Ref: b.Ref, Reason: reason, HoldUntil: hold,
		Now: now, MaxChanges: maxChanges, Notify: notify, Actor: a})
	o.changed("cancelled", 1, err)
	if err == nil && waits {
		o.offerFreed(ctx, b.Department)
	}
	return cancelled, err
}

// MyBookings returns the citizen's upcoming active bookings.
func (o *Office) MyBookings(ctx context.Context, telegramID int64) ([]Booking, error) {
	return o.store.CitizenBookings(ctx, telegramID, o.now())
}

// CitizenLang returns the language the citizen chose last (ok false if never).
func (o *Office) CitizenLang(ctx context.Context, telegramID int64) (l Lang, ok bool, err error) {
	c, err := o.store.Citizen(ctx, telegramID)
	if ErrorCode(err) == ENotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return c.Lang, true, nil
}

// MeetCitizen is what a session's start needs to know of the citizen, in
// one statement: the language they chose last (first false), or, for a
// citizen the office does not know, l, with the citizen remembered with l
// from now on (first true), as SetCitizenLang(l) would. The caller shows
// the privacy notice when first is true: remembering them is what makes
// it not shown again.
func (o *Office) MeetCitizen(ctx context.Context, telegramID int64, l Lang) (lang Lang, first bool, err error) {
	if l != Greek && l != English {
		return "", false, Errorf(EInvalid, "language %q", l)
	}
	if telegramID < 1 {
		// No account is numbered so; the row of the forgotten has none.
		return "", false, Errorf(EInvalid, "citizen %d", telegramID)
	}
	return o.store.MeetCitizen(ctx, telegramID, l)
}

// SetCitizenLang remembers the citizen's language (creating the citizen if new).
func (o *Office) SetCitizenLang(ctx context.Context, telegramID int64, l Lang) error {
	if l != Greek && l != English {
		return Errorf(EInvalid, "language %q", l)
	}
	return o.store.SetCitizenLang(ctx, telegramID, l)
}
