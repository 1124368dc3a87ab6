package booking

import (
	"context"
	"slices"
	"strings"
	"time"
)

// StaffDepartments returns the department codes a Slack user may act on.
func (o *Office) StaffDepartments(slackUserID string) []string {
	return o.catalog.StaffDepartments(slackUserID)
}

// StaffBooking returns the booking ref if staff member a may act on it.
// When a may not, the error is EForbidden and the booking holds only its
// reference and department: enough for the answer to name the department
// the booking belongs to, and nothing of the citizen.
func (o *Office) StaffBooking(ctx context.Context, a Actor, ref string) (Booking, error) {
	b, err := o.lookup(ctx, ref)
	if err != nil {
		return Booking{}, err
	}
	if err := o.mayActOn(a, b.Department); err != nil {
		return Booking{Ref: b.Ref, Department: b.Department}, err
	}
	return b, nil
}

// Roster is a department's day for staff.
type Roster struct {
	Department   string
	Date         Date
	Closed       bool
	Reason       Text
	Bookings     []Booking // every status, by start
	FreeCapacity int       // desk-minutes of the day's opening hours not taken by active bookings
	// Waiting is how many citizens are on the waiting list for each of
	// the department's services (by code), now; nil when none or the
	// waiting list is not in use.
	Waiting map[string]int
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
	if o.wait != nil {
		// The roster goes out without the count rather than not at all.
		if w, err := o.wait.WaitingCounts(ctx, dept, o.now()); err == nil && len(w) > 0 {
			r.Waiting = w
		}
	}
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
	if !plainText(query) {
		return nil, Errorf(EInvalid, "find: query with control characters")
	}
	if a.Kind == ActorCitizen {
		return nil, Errorf(EForbidden, "find: citizens cannot search")
	}
	var found []Booking
	if looksLikeRef(query) {
		b, err := o.lookup(ctx, query)
		switch {
		case err == nil:
			found = []Booking{b}
		case ErrorCode(err) != ENotFound:
			return nil, err
		}
	}
	if len(found) == 0 {
		// Bookings hold the number in its stored form (phone.go); the
		// number as typed is tried too, for one stored some other way.
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
	if o.now().Before(b.Start) {
		// Nobody can have attended, or failed to, before the time.
		return Booking{}, Errorf(EClosed, "booking %s starts at %s", b.Ref, b.Start.In(o.loc()).Format("15:04"))
	}
	marked, err := o.store.SetStatus(ctx, b.Ref, s, a)
	o.changed(string(s), 1, err)
	return marked, err
}

// Unmark undoes Mark: the booking is active again. A clerk who pressed the
// wrong button can put it right the same day, not later.
func (o *Office) Unmark(ctx context.Context, a Actor, ref string) (Booking, error) {
	if a.Kind == ActorCitizen {
		return Booking{}, Errorf(EForbidden, "unmark: citizens cannot mark attendance")
	}
	b, err := o.Booking(ctx, a, ref)
	if err != nil {
		return Booking{}, err
	}
	if b.Status != Attended && b.Status != NoShow {
		return Booking{}, Errorf(EConflict, "booking %s is %s", b.Ref, b.Status)
	}
	if !o.isToday(b.Start, o.now()) {
		return Booking{}, Errorf(EClosed, "booking %s was not today", b.Ref)
	}
	unmarked, err := o.store.Unmark(ctx, b.Ref, a)
	o.changed("unmarked", 1, err)
	return unmarked, err
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
	if !plainText(reason) {
		return nil, Errorf(EInvalid, "close day: reason with control characters")
	}
	c := Closure{Department: dept, From: d, To: d, Reason: Text{EL: reason, EN: reason}}
	if err := o.checkClosure(a, &c); err != nil {
		return nil, err
	}
	now := o.now()
	payload := Payload{Reason: reason}
	cancelled, err := o.store.CloseAndCancel(ctx, Closing{
		NewClosure: o.newClosure(a, c),
		Reason:     reason,
		Notify: func(b Booking) []Notification {
			return []Notification{o.toCitizen(b.Citizen.TelegramID, NotifyDayClosed, now, payload)}
		},
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
	return o.store.AddClosure(ctx, o.newClosure(a, c))
}

// newClosure is the store's request to store c for a.
func (o *Office) newClosure(a Actor, c Closure) NewClosure {
	start, end := o.cal.Span(c)
	return NewClosure{Closure: c, Start: start, End: end, Actor: a}
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
