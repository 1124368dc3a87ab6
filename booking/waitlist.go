package booking

import (
	"context"
	"slices"
	"time"
)

// The waiting list. A citizen who finds no free time for a service joins
// the list for it, over a range of days and optionally a part of the day;
// a citizen holding a booking may ask for an earlier time for it. Whenever
// capacity frees up (a cancellation, a move, an offer declined or run out)
// the office offers the free places to the waiting citizens in order of
// joining, one offer at a time per citizen, each kept for them for
// WaitlistConfig.Hold: the place is held by a row the exclusion constraint
// counts, as a booking is (see the store's migration 010), so nobody else
// can book it meanwhile, by any channel. Taking the offer books the place
// (or moves the booking to it); declining it or letting it run out offers
// it to the next in line. A citizen who lets several offers in a row run
// out is taken off the list and told.

// DayPart is the part of the day a waiting citizen can come.
type DayPart string

const (
	AnyTime     DayPart = "any"     // whenever the office is open
	Morning     DayPart = "morning" // starting before PartSplit
	LateMorning DayPart = "late"    // starting at PartSplit or later
)

// PartSplit is where Morning ends and LateMorning begins, local time.
const PartSplit Clock = 11 * 60

// Fits reports whether a slot starting at local clock c is in part p.
func (p DayPart) Fits(c Clock) bool {
	switch p {
	case Morning:
		return c < PartSplit
	case LateMorning:
		return c >= PartSplit
	}
	return true
}

// Valid reports whether p is one of the parts of the day.
func (p DayPart) Valid() bool { return p == AnyTime || p == Morning || p == LateMorning }

// WaitStatus is the life cycle of a waiting-list entry.
type WaitStatus string

const (
	Waiting     WaitStatus = "waiting" // in line
	WaitOffered WaitStatus = "offered" // one of its offers is live
	WaitBooked  WaitStatus = "booked"  // an offer was taken
	WaitLeft    WaitStatus = "left"    // the citizen left the list
	WaitDropped WaitStatus = "dropped" // too many offers left unanswered in a row
	WaitExpired WaitStatus = "expired" // its range of days is over
)

// Offered is the status of a booking row that holds a place for an offer
// (see the store's migration 010); such a row is never listed as a
// booking.
const Offered Status = "offered"

// Defaults of the waiting list.
const (
	DefaultOfferHold  = 10 * time.Minute
	DefaultMaxWaiting = 3 // entries per citizen
	DefaultDropAfter  = 3 // offers left to run out in a row
)

// WaitEntry is one citizen's place in line.
type WaitEntry struct {
	ID         int64
	CitizenID  int64
	TelegramID int64
	Department string
	Service    string
	From, To   Date // the days that suit, in the office's time zone
	Part       DayPart
	// EarlierThan is the reference of the booking to bring forward, ""
	// for a wish for a new booking; EarlierStart is that booking's start.
	EarlierThan  string
	EarlierStart time.Time
	JoinedAt     time.Time
	ExpiresAt    time.Time
	Status       WaitStatus
	Ignored      int // offers left to run out in a row
	// Offered are the starts offered to this entry before, which it is
	// not offered again.
	Offered []time.Time
}

// Offer is a place kept for one waiting citizen until ExpiresAt.
type Offer struct {
	ID    int64
	Entry WaitEntry
	// Hold is the row that keeps the place: Ref identifies the offer to
	// its citizen (the buttons carry it); Status Offered.
	Hold      Booking
	FreedAt   time.Time // when the place was freed, for the time to re-booking
	OfferedAt time.Time
	ExpiresAt time.Time
	// Dropped says the entry was taken off the list as this offer ran
	// out (ExpireOffers).
	Dropped bool
}

// WaitlistConfig configures the waiting list.
type WaitlistConfig struct {
	// Hold is how long an offer keeps its place; DefaultOfferHold if 0.
	Hold time.Duration
}

// WaitlistObserver is told of what the waiting list does, for metrics.
// Its methods must be quick and safe for concurrent use.
type WaitlistObserver interface {
	WaitJoined()
	OfferMade()
	OfferTaken(sinceFreed time.Duration)
	OfferDeclined()
	OfferExpired(dropped bool)
}

// UseWaitlist turns the waiting list on, kept by ws. Call it before the
// Office is shared. Without it, the waiting list's methods fail with
// EInternal and freed places are not offered.
func (o *Office) UseWaitlist(ws WaitlistStore, cfg WaitlistConfig) {
	if cfg.Hold <= 0 {
		cfg.Hold = DefaultOfferHold
	}
	o.wait, o.waitCfg = ws, cfg
}

// ObserveWaitlist makes the Office tell w of the waiting list's events.
// Call it before the Office is shared.
func (o *Office) ObserveWaitlist(w WaitlistObserver) { o.waitObs = w }

func (o *Office) waitlist() (WaitlistStore, error) {
	if o.wait == nil {
		return nil, Errorf(EInternal, "waiting list not in use")
	}
	return o.wait, nil
}

// WaitRequest asks for a place in line.
type WaitRequest struct {
	Citizen Citizen // TelegramID required; Name and Phone, when known, go into the booking an offer makes
	Service string  // ignored with EarlierThan: the booking's service
	// From and To are the days that suit; zero: from today, to the end
	// of the horizon. They are cut to the horizon.
	From, To Date
	Part     DayPart // AnyTime if empty
	// EarlierThan asks for an earlier time for the citizen's booking of
	// this reference instead of a new booking.
	EarlierThan string
}

// JoinWaitlist puts the citizen in line. A citizen already waiting for the
// service (or for an earlier time for that booking) gets EConflict; one
// with as many entries as the catalog allows, ELimit. Free places that
// suit are offered at once.
func (o *Office) JoinWaitlist(ctx context.Context, r WaitRequest) (WaitEntry, error) {
	ws, err := o.waitlist()
	if err != nil {
		return WaitEntry{}, err
	}
	if r.Citizen.TelegramID <= 0 {
		return WaitEntry{}, Errorf(EInvalid, "join waiting list: no citizen")
	}
	if r.Part == "" {
		r.Part = AnyTime
	}
	if !r.Part.Valid() {
		return WaitEntry{}, Errorf(EInvalid, "join waiting list: part of day %q", r.Part)
	}
	if r.Citizen.Lang != Greek && r.Citizen.Lang != English {
		r.Citizen.Lang = Greek
	}
	now := o.now()
	today := DateOf(now, o.loc())
	last := today.AddDays(o.catalog.Horizon)
	var earlier Booking
	if r.EarlierThan != "" {
		a := citizenActor(r.Citizen.TelegramID)
		if earlier, err = o.Booking(ctx, a, r.EarlierThan); err != nil {
			return WaitEntry{}, err
		}
		if earlier.Status != Active || !earlier.Start.After(now) {
			return WaitEntry{}, Errorf(EConflict, "booking %s is %s", earlier.Ref, earlier.Status)
		}
		r.Service = earlier.Service
		if d := DateOf(earlier.Start, o.loc()); d.Before(last) {
			last = d
		}
	}
	svc, _, err := o.service(r.Service)
	if err != nil {
		return WaitEntry{}, err
	}
	if r.From == (Date{}) || r.From.Before(today) {
		r.From = today
	}
	if r.To == (Date{}) || last.Before(r.To) {
		r.To = last
	}
	if r.To.Before(r.From) {
		return WaitEntry{}, Errorf(EClosed, "join waiting list: %s to %s is outside the horizon", r.From, r.To)
	}
	expires := r.To.AddDays(1).Midnight(o.loc())
	if r.EarlierThan != "" && earlier.Start.Before(expires) {
		expires = earlier.Start
	}
	e, err := ws.Join(ctx, NewEntry{
		Citizen: r.Citizen, Department: svc.Department, Service: svc.Code,
		From: r.From, To: r.To, Part: r.Part, EarlierThan: earlier.ID,
		Now: now, ExpiresAt: expires, Max: o.catalog.WaitingLimit(),
		Actor: citizenActor(r.Citizen.TelegramID),
	})
	if err != nil {
		return WaitEntry{}, err
	}
	if o.waitObs != nil {
		o.waitObs.WaitJoined()
	}
	o.offerFreed(ctx, svc.Department)
	return e, nil
}

// MyWaitlist returns the citizen's entries in line (waiting or offered),
// in order of joining; none when the waiting list is not in use.
func (o *Office) MyWaitlist(ctx context.Context, telegramID int64) ([]WaitEntry, error) {
	if o.wait == nil {
		return nil, nil
	}
	return o.wait.Entries(ctx, telegramID, o.now())
}

// LeaveWaitlist takes the citizen's entry id out of line; a live offer
// of it ends and goes to the next in line. ENotFound when the entry is
// not theirs or not in line any more.
func (o *Office) LeaveWaitlist(ctx context.Context, telegramID, id int64) error {
	ws, err := o.waitlist()
	if err != nil {
		return err
	}
	e, err := ws.Leave(ctx, telegramID, id, o.now(), citizenActor(telegramID))
	if err != nil {
		return err
	}
	o.offerFreed(ctx, e.Department)
	return nil
}

// TakeOffer takes the citizen's live offer whose hold has reference ref:
// it books the place, or for an earlier-time offer moves their booking
// to it (freeing the old place, which is offered to the next in line).
// An offer that ran out or ended is EConflict; not theirs, ENotFound; the
// limits apply as to a booking (ELimit).
func (o *Office) TakeOffer(ctx context.Context, telegramID int64, ref string) (Booking, error) {
	ws, err := o.waitlist()
	if err != nil {
		return Booking{}, err
	}
	now := o.now()
	var moved bool
	b, offer, err := ws.TakeOffer(ctx, TakeOffer{
		TelegramID: telegramID, Ref: ref, Now: now,
		MaxActive: o.catalog.MaxActive, MaxPerService: o.catalog.MaxPerService,
		DayOf: func(t time.Time) Date { return DateOf(t, o.loc()) },
		Actor: citizenActor(telegramID),
		Notify: func(b Booking, old *Booking) []Notification {
			p := Payload{}
			if old != nil {
				moved = true
				p.OldStart = old.Start
			}
			ns := []Notification{o.toCitizen(telegramID, NotifyOfferTaken, now, p)}
			ns = append(ns, o.reminders(telegramID, b.Start, now)...)
			if old != nil {
				ns = append(ns, o.toStaff(b.Department, NotifyStaffRescheduled, now, p))
			}
			if o.isToday(b.Start, now) {
				ns = append(ns, o.toStaff(b.Department, NotifyStaffToday, now, Payload{}))
			}
			return ns
		},
	})
	if err != nil {
		return Booking{}, err
	}
	if o.waitObs != nil {
		o.waitObs.OfferTaken(now.Sub(offer.FreedAt))
	}
	if moved {
		o.changed("rescheduled", 1, nil)
		o.offerFreed(ctx, b.Department)
	} else {
		o.changed("created", 1, nil)
	}
	return b, nil
}

// DeclineOffer turns the citizen's live offer of hold ref down: the place
// goes to the next in line and the citizen stays in line for others.
func (o *Office) DeclineOffer(ctx context.Context, telegramID int64, ref string) (Offer, error) {
	ws, err := o.waitlist()
	if err != nil {
		return Offer{}, err
	}
	of, err := ws.DeclineOffer(ctx, telegramID, ref, o.now(), citizenActor(telegramID))
	if err != nil {
		return Offer{}, err
	}
	if o.waitObs != nil {
		o.waitObs.OfferDeclined()
	}
	o.offerFreed(ctx, of.Hold.Department)
	return of, nil
}

// SweepWaitlist is the waiting list's job, run on every scheduler tick by
// every replica: it ends the offers that ran out (each once, whichever
// replica gets it, telling its citizen in the same transaction), ends the
// entries whose days are over, and offers every free place that suits
// someone in line. The last also catches a place freed on another replica
// whose own offering failed, or a held place whose hold has since been
// released. It returns how many offers it ended and made.
func (o *Office) SweepWaitlist(ctx context.Context) (expired, offered int, err error) {
	ws, err := o.waitlist()
	if err != nil {
		return 0, 0, err
	}
	now := o.now()
	ended, err := ws.ExpireOffers(ctx, ExpireOffers{
		Now: now, DropAfter: o.catalog.WaitDrops(), MaxPerService: o.catalog.MaxPerService,
		Notify: func(of Offer) []Notification {
			k := NotifyOfferExpired
			if of.Dropped {
				k = NotifyWaitDropped
			}
			return []Notification{o.toCitizen(of.Entry.TelegramID, k, now, Payload{OldStart: of.Entry.EarlierStart})}
		},
	})
	if err != nil {
		return 0, 0, err
	}
	for _, of := range ended {
		if o.waitObs != nil {
			o.waitObs.OfferExpired(of.Dropped)
		}
	}
	depts, err := ws.WaitingDepartments(ctx, now)
	if err != nil {
		return len(ended), 0, err
	}
	for _, d := range depts {
		n, err := o.OfferFreed(ctx, d)
		offered += n
		if err != nil {
			return len(ended), offered, err
		}
	}
	return len(ended), offered, nil
}

// someoneWaits reports whether citizens wait in line in dept; false when
// the waiting list is not in use or cannot be read.
func (o *Office) someoneWaits(ctx context.Context, dept string, now time.Time) bool {
	if o.wait == nil {
		return false
	}
	ok, err := o.wait.SomeoneWaits(ctx, dept, now)
	return err == nil && ok
}

// offerFreed is OfferFreed after a change that freed capacity: the change
// is made whatever happens here, and a place not offered now is offered
// by the next SweepWaitlist.
func (o *Office) offerFreed(ctx context.Context, dept string) {
	if o.wait != nil {
		_, _ = o.OfferFreed(ctx, dept)
	}
}

// OfferFreed offers the free places of dept to the citizens in line for
// its services, in order of joining: each citizen without a live offer
// gets the first free place that suits them and that they were not
// offered before. It returns how many offers it made.
//
// Two replicas may run it at once: the store refuses a second offer to
// an entry or a citizen, and a second hold on a place, so the worst a race
// does is make one of them try the next place.
func (o *Office) OfferFreed(ctx context.Context, dept string) (int, error) {
	ws, err := o.waitlist()
	if err != nil {
		return 0, err
	}
	now := o.now()
	queue, err := ws.Queue(ctx, dept, now, o.catalog.MaxPerService)
	if err != nil || len(queue) == 0 {
		return 0, err
	}
	today := DateOf(now, o.loc())
	last := today.AddDays(o.catalog.Horizon)
	busy, err := ws.Taken(ctx, dept, today.Midnight(o.loc()), last.AddDays(1).Midnight(o.loc()), now)
	if err != nil {
		return 0, err
	}
	closures, err := o.store.Closures(ctx, dept, today, last)
	if err != nil {
		return 0, err
	}
	earliest, latest := o.cal.Window(now)
	made := 0
	for _, e := range queue {
		svc, ok := o.catalog.Service(e.Service)
		if !ok || svc.Department != dept {
			continue
		}
		of, ok, err := o.offerTo(ctx, ws, e, svc, busy, closures, earliest, latest, now)
		if err != nil {
			return made, err
		}
		if ok {
			made++
			busy = append(busy, Interval{Desk: of.Hold.Desk, Start: of.Hold.Start, End: of.Hold.End})
			if o.waitObs != nil {
				o.waitObs.OfferMade()
			}
		}
	}
	return made, nil
}

// offerTo offers e the first free place that suits it, trying the next
// when a place was just taken; ok is false when none suits or e is not in
// line any more.
func (o *Office) offerTo(ctx context.Context, ws WaitlistStore, e WaitEntry, svc *Service, busy []Interval, closures []Closure,
	earliest, latest, now time.Time) (Offer, bool, error) {
	from, to := e.From, e.To
	if today := DateOf(now, o.loc()); from.Before(today) {
		from = today
	}
	tries := 0
	for d := from; !to.Before(d); d = d.AddDays(1) {
		day := o.cal.ServiceDay(svc, d, busy, closures, earliest, latest)
		for _, sl := range day.Slots {
			if !e.Part.Fits(ClockOf(sl.Start, o.loc())) || slices.ContainsFunc(e.Offered, sl.Start.Equal) {
				continue
			}
			if !e.EarlierStart.IsZero() && !sl.Start.Before(e.EarlierStart) {
				return Offer{}, false, nil
			}
			desks := o.cal.FreeDesks(svc, sl.Start, sl.End, busy, closures)
			if len(desks) == 0 {
				continue
			}
			of, err := ws.Offer(ctx, NewOffer{
				Entry: e, Desks: desks, Start: sl.Start, End: sl.End, Day: d,
				Now: now, Until: now.Add(o.waitCfg.Hold),
				Notify: []Notification{o.toCitizen(e.TelegramID, NotifyOffer, now, Payload{OldStart: e.EarlierStart})},
			})
			switch ErrorCode(err) {
			case "":
				return of, true, nil
			case ESlotTaken, EClosed:
				// Taken or closed since the calendar was read: the next.
				if tries++; tries > 20 {
					return Offer{}, false, nil
				}
				continue
			case EConflict:
				return Offer{}, false, nil // offered meanwhile, left or ended
			default:
				return Offer{}, false, err
			}
		}
	}
	return Offer{}, false, nil
}

// WaitingCounts returns how many citizens are in line for each service of
// dept, for staff a may act for.
func (o *Office) WaitingCounts(ctx context.Context, a Actor, dept string) (map[string]int, error) {
	ws, err := o.waitlist()
	if err != nil {
		return nil, err
	}
	if _, err := o.department(dept); err != nil {
		return nil, err
	}
	if err := o.mayActOn(a, dept); err != nil {
		return nil, err
	}
	return ws.WaitingCounts(ctx, dept, o.now())
}
