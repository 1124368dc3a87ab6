package booking

import (
	"context"
	"encoding/json"
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
type Office struct {
	catalog *Catalog
	store   Store
	now     func() time.Time
	cal     *Calendar
	observe func(action string, n int)
}

// Observe makes the Office tell f of every change it makes, as an action
// ("created", "rescheduled", "cancelled", "attended", "no_show") and a count.
// It is for metrics: f must be quick and safe for concurrent use. Call it
// before the Office is shared.
func (o *Office) Observe(f func(action string, n int)) { o.observe = f }

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

// Request asks for a booking.
type Request struct {
	Citizen        Citizen
	Service        string
	Start          time.Time
	IdempotencyKey string
}

// Roster is a department's day for staff.
type Roster struct {
	Department   string
	Date         Date
	Closed       bool
	Reason       Text
	Bookings     []Booking // every status, by start
	FreeCapacity int       // desk-minutes of the day's opening hours not taken by active bookings
}

// maxRange bounds one availability query, so a request cannot make the
// office compute years of days.
const maxRange = 400

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

// load fetches the busy intervals and closures of dept over [from, to] once,
// for the pure calendar to use day by day.
func (o *Office) load(ctx context.Context, dept string, from, to Date) ([]Interval, []Closure, error) {
	if to.Before(from) {
		return nil, nil, Errorf(EInvalid, "range ends %s before it starts %s", to, from)
	}
	if from.AddDays(maxRange).Before(to) {
		return nil, nil, Errorf(EInvalid, "range %s to %s longer than %d days", from, to, maxRange)
	}
	busy, err := o.store.Busy(ctx, dept, from.Midnight(o.loc()), to.AddDays(1).Midnight(o.loc()))
	if err != nil {
		return nil, nil, err
	}
	closures, err := o.store.Closures(ctx, dept, from, to)
	if err != nil {
		return nil, nil, err
	}
	return busy, closures, nil
}

// Availability returns one Day per date in [from, to] for service.
func (o *Office) Availability(ctx context.Context, service string, from, to Date) ([]Day, error) {
	svc, dept, err := o.service(service)
	if err != nil {
		return nil, err
	}
	busy, closures, err := o.load(ctx, dept.Code, from, to)
	if err != nil {
		return nil, err
	}
	earliest, latest := o.cal.Window(o.now())
	var days []Day
	for d := from; !to.Before(d); d = d.AddDays(1) {
		days = append(days, o.cal.ServiceDay(svc, d, busy, closures, earliest, latest))
	}
	return days, nil
}

// DepartmentAvailability returns one Day per date in [from, to] with the
// times at which any service of dept can start.
func (o *Office) DepartmentAvailability(ctx context.Context, dept string, from, to Date) ([]Day, error) {
	dp, err := o.department(dept)
	if err != nil {
		return nil, err
	}
	busy, closures, err := o.load(ctx, dept, from, to)
	if err != nil {
		return nil, err
	}
	earliest, latest := o.cal.Window(o.now())
	var days []Day
	for d := from; !to.Before(d); d = d.AddDays(1) {
		days = append(days, o.cal.DepartmentDay(dp, d, busy, closures, earliest, latest))
	}
	return days, nil
}

// FreeSlots returns the free start times of service on d.
func (o *Office) FreeSlots(ctx context.Context, service string, d Date) (Day, error) {
	days, err := o.Availability(ctx, service, d, d)
	if err != nil {
		return Day{}, err
	}
	return days[0], nil
}

// DepartmentSlots returns the times on d at which any service of dept can start.
func (o *Office) DepartmentSlots(ctx context.Context, dept string, d Date) (Day, error) {
	days, err := o.DepartmentAvailability(ctx, dept, d, d)
	if err != nil {
		return Day{}, err
	}
	return days[0], nil
}

// FirstAvailable returns the earliest free slot of service within the
// horizon; ENotFound when there is none.
func (o *Office) FirstAvailable(ctx context.Context, service string) (Slot, error) {
	today := DateOf(o.now(), o.loc())
	days, err := o.Availability(ctx, service, today, today.AddDays(o.catalog.Horizon))
	if err != nil {
		return Slot{}, err
	}
	for _, d := range days {
		if len(d.Slots) > 0 {
			return d.Slots[0], nil
		}
	}
	return Slot{}, Errorf(ENotFound, "no free slot of %q within %d days", service, o.catalog.Horizon)
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
	now := o.now()
	notify := []Notification{o.toCitizen(r.Citizen.TelegramID, NotifyConfirmed, now, nil)}
	notify = append(notify, o.reminders(r.Citizen.TelegramID, r.Start, now)...)
	if o.isToday(r.Start, now) {
		notify = append(notify, o.toStaff(svc.Department, NotifyStaffToday, now, nil))
	}
	b, err := o.store.Insert(ctx, NewBooking{
		Citizen:        r.Citizen,
		Department:     svc.Department,
		Service:        svc.Code,
		Desks:          desks,
		Start:          r.Start,
		End:            end,
		IdempotencyKey: r.IdempotencyKey,
		MaxActive:      o.catalog.MaxActive,
		MaxPerService:  o.catalog.MaxPerService,
		Now:            now,
		Notify:         notify,
		Actor:          Actor{Kind: ActorCitizen, ID: strconv.FormatInt(r.Citizen.TelegramID, 10), Name: r.Citizen.Name},
	})
	o.changed("created", 1, err)
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
	payload := payloadOf(map[string]any{"old_start": b.Start, "old_desk": b.Desk})
	notify := []Notification{o.toCitizen(b.Citizen.TelegramID, NotifyRescheduled, now, payload)}
	notify = append(notify, o.reminders(b.Citizen.TelegramID, start, now)...)
	if a.Kind == ActorCitizen {
		notify = append(notify, o.toStaff(b.Department, NotifyStaffRescheduled, now, payload))
	}
	if o.isToday(start, now) {
		notify = append(notify, o.toStaff(b.Department, NotifyStaffToday, now, nil))
	}
	moved, err := o.store.Move(ctx, Move{
		Ref: b.Ref, Desks: desks, Start: start, End: end,
		IdempotencyKey: idempotencyKey, Notify: notify, Actor: a,
	})
	o.changed("rescheduled", 1, err)
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
	b, err := o.Booking(ctx, a, ref)
	if err != nil {
		return Booking{}, err
	}
	if b.Status != Active {
		return Booking{}, Errorf(EConflict, "booking %s is %s", b.Ref, b.Status)
	}
	now := o.now()
	var notify []Notification
	switch a.Kind {
	case ActorCitizen:
		if !b.Start.After(now) {
			return Booking{}, Errorf(EClosed, "booking %s has already started", b.Ref)
		}
		notify = append(notify, o.toStaff(b.Department, NotifyStaffCancelled, now, nil))
	default:
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return Booking{}, Errorf(EInvalid, "cancel: staff must give a reason")
		}
		notify = append(notify, o.toCitizen(b.Citizen.TelegramID, NotifyCancelledByStaff, now,
			payloadOf(map[string]any{"reason": reason})))
	}
	cancelled, err := o.store.Cancel(ctx, Cancel{Ref: b.Ref, Reason: reason, Notify: notify, Actor: a})
	o.changed("cancelled", 1, err)
	return cancelled, err
}

// Mark records that the citizen attended or did not show up.
func (o *Office) Mark(ctx context.Context, a Actor, ref string, s Status) (Booking, error) {
	if s != Attended && s != NoShow {
		return Booking{}, Errorf(EInvalid, "mark: %q is not attended or no_show", s)
	}
	if a.Kind == ActorCitizen {
		return Booking{}, Errorf(EForbidden, "mark: citizens cannot mark attendance")
	}
	b, err := o.Booking(ctx, a, ref)
	if err != nil {
		return Booking{}, err
	}
	if b.Status != Active {
		return Booking{}, Errorf(EConflict, "booking %s is %s", b.Ref, b.Status)
	}
	marked, err := o.store.SetStatus(ctx, b.Ref, s, a)
	o.changed(string(s), 1, err)
	return marked, err
}

// CloseDay closes dept on d and cancels every active booking of that day,
// telling each citizen, all in one store transaction: if anything fails the
// day stays open and every booking active. It returns the cancelled
// bookings.
func (o *Office) CloseDay(ctx context.Context, a Actor, dept string, d Date, reason string) ([]Booking, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, Errorf(EInvalid, "close day: staff must give a reason")
	}
	c := Closure{Department: dept, From: d, To: d, Reason: Text{EL: reason, EN: reason}}
	if err := o.checkClosure(a, &c); err != nil {
		return nil, err
	}
	now := o.now()
	payload := payloadOf(map[string]any{"reason": reason, "date": d.String()})
	cancelled, err := o.store.CloseAndCancel(ctx, Closing{
		Closure: c,
		Reason:  reason,
		Notify: func(b Booking) []Notification {
			return []Notification{o.toCitizen(b.Citizen.TelegramID, NotifyDayClosed, now, payload)}
		},
		Actor: a,
	})
	o.changed("cancelled", len(cancelled), err)
	return cancelled, err
}

// AddClosure stores c and returns the active bookings it covers, without
// cancelling them.
func (o *Office) AddClosure(ctx context.Context, a Actor, c Closure) ([]Booking, error) {
	if err := o.checkClosure(a, &c); err != nil {
		return nil, err
	}
	return o.store.AddClosure(ctx, c, a)
}

// checkClosure checks that a may close c's department (or desk) over
// valid dates, and makes a closure without an end one day long.
func (o *Office) checkClosure(a Actor, c *Closure) error {
	dept, err := o.department(c.Department)
	if err != nil {
		return err
	}
	if err := o.mayActOn(a, dept.Code); err != nil {
		return err
	}
	if c.Desk != "" && !slices.Contains(dept.Desks, c.Desk) {
		return Errorf(ENotFound, "no desk %q in department %q", c.Desk, dept.Code)
	}
	if c.To == (Date{}) {
		c.To = c.From
	}
	if !validDate(c.From) || !validDate(c.To) || c.To.Before(c.From) {
		return Errorf(EInvalid, "closure from %s to %s", c.From, c.To)
	}
	return nil
}

// Booking returns the booking ref if a may see it.
func (o *Office) Booking(ctx context.Context, a Actor, ref string) (Booking, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if ref == "" {
		return Booking{}, Errorf(EInvalid, "empty booking reference")
	}
	b, err := o.store.Booking(ctx, ref)
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

// MyBookings returns the citizen's upcoming active bookings.
func (o *Office) MyBookings(ctx context.Context, telegramID int64) ([]Booking, error) {
	return o.store.CitizenBookings(ctx, telegramID, o.now())
}

// Roster returns dept's bookings on d.
func (o *Office) Roster(ctx context.Context, dept string, d Date) (Roster, error) {
	dp, err := o.department(dept)
	if err != nil {
		return Roster{}, err
	}
	closures, err := o.store.Closures(ctx, dept, d, d)
	if err != nil {
		return Roster{}, err
	}
	bs, err := o.store.DepartmentBookings(ctx, dept, d.Midnight(o.loc()), d.AddDays(1).Midnight(o.loc()))
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Department: dept, Date: d, Bookings: bs}
	r.Reason, r.Closed = o.cal.DayClosed(dp, d, closures)
	if r.Closed {
		return r, nil
	}
	minutes := 0
	for _, p := range dp.Hours[d.Weekday()] {
		minutes += int(p.End - p.Start)
	}
	r.FreeCapacity = minutes * len(openDesks(dp.Desks, o.cal.closuresOn(dept, d, closures)))
	for _, b := range bs {
		if b.Status == Active {
			r.FreeCapacity -= int(b.End.Sub(b.Start) / time.Minute)
		}
	}
	r.FreeCapacity = max(r.FreeCapacity, 0)
	return r, nil
}

// Find returns the bookings with reference or phone query that staff member a may see.
func (o *Office) Find(ctx context.Context, a Actor, query string) ([]Booking, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, Errorf(EInvalid, "find: empty query")
	}
	if a.Kind == ActorCitizen {
		return nil, Errorf(EForbidden, "find: citizens cannot search")
	}
	var found []Booking
	if looksLikeRef(query) {
		b, err := o.store.Booking(ctx, strings.ToUpper(query))
		switch {
		case err == nil:
			found = []Booking{b}
		case ErrorCode(err) != ENotFound:
			return nil, err
		}
	}
	if len(found) == 0 {
		// Bookings hold the number as the dialog normalised it
		// (+30XXXXXXXXXX); the number as typed is tried too, for one
		// stored some other way.
		phone := normalizePhone(query)
		bs, err := o.store.BookingsByPhone(ctx, phone)
		if err != nil {
			return nil, err
		}
		if typed := stripSeparators(query); len(bs) == 0 && typed != phone {
			if bs, err = o.store.BookingsByPhone(ctx, typed); err != nil {
				return nil, err
			}
		}
		found = bs
	}
	return slices.DeleteFunc(found, func(b Booking) bool { return o.mayActOn(a, b.Department) != nil }), nil
}

// looksLikeRef reports whether s could be a reference code (6 letters and
// digits); the store's alphabet is a subset of this.
func looksLikeRef(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range strings.ToUpper(s) {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// normalizePhone puts a phone number the way staff type it into the form
// bookings store it: Greek numbers as +30XXXXXXXXXX, whether written
// 6912345678, +30 691 234 5678 or 00306912345678, and other international
// numbers as +CC…. Separators (spaces, dots, dashes, brackets) are dropped;
// anything else is kept, so a query that is no phone number finds nothing.
// It mirrors dialog.ParsePhone, which booking cannot import.
func normalizePhone(s string) string {
	d := stripSeparators(s)
	if rest, ok := strings.CutPrefix(d, "00"); ok && rest != "" {
		d = "+" + rest
	}
	if len(d) == 10 && allDigits(d) && (strings.HasPrefix(d, "69") || d[0] == '2') {
		return "+30" + d
	}
	if len(d) == 12 && strings.HasPrefix(d, "30") && allDigits(d) {
		return "+" + d // as Telegram shares a contact's number
	}
	return d
}

// stripSeparators drops the spaces, dots, dashes and brackets people type
// inside phone numbers.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// StaffDepartments returns the department codes a Slack user may act on.
func (o *Office) StaffDepartments(slackUserID string) []string {
	return o.catalog.StaffDepartments(slackUserID)
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

// SetCitizenLang remembers the citizen's language (creating the citizen if new).
func (o *Office) SetCitizenLang(ctx context.Context, telegramID int64, l Lang) error {
	if l != Greek && l != English {
		return Errorf(EInvalid, "language %q", l)
	}
	return o.store.SetCitizenLang(ctx, telegramID, l)
}

// reminders returns a reminder per catalog offset that is still in the future.
func (o *Office) reminders(telegramID int64, start, now time.Time) []Notification {
	var out []Notification
	for _, off := range o.catalog.Reminders {
		due := start.Add(-off)
		if due.After(now) {
			out = append(out, o.toCitizen(telegramID, NotifyReminder, due,
				payloadOf(map[string]any{"before_minutes": int(off / time.Minute)})))
		}
	}
	return out
}

func (o *Office) isToday(start, now time.Time) bool {
	return DateOf(start, o.loc()) == DateOf(now, o.loc())
}

func (o *Office) toCitizen(telegramID int64, k NotificationKind, due time.Time, payload json.RawMessage) Notification {
	return Notification{Kind: k, Channel: ChannelTelegram, Recipient: strconv.FormatInt(telegramID, 10), DueAt: due, Payload: payload}
}

func (o *Office) toStaff(dept string, k NotificationKind, due time.Time, payload json.RawMessage) Notification {
	return Notification{Kind: k, Channel: ChannelSlack, Recipient: dept, DueAt: due, Payload: payload}
}

// payloadOf encodes the extras of a notification; the values are plain
// strings, numbers and times, which always encode.
func payloadOf(v map[string]any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
