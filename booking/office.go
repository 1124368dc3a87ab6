package booking

import (
	"context"
	"time"
)

// Office is the booking service every adapter talks to: it checks the rules
// (catalog, calendar, horizon, notice, limits, who may act) and turns each
// request into one Store call with its notifications.
//
// SKELETON: signatures are the contract between packages; bodies are being
// written (issue 2).
type Office struct {
	catalog *Catalog
	store   Store
	now     func() time.Time
}

// NewOffice returns an Office over c and s; now is the clock (time.Now in
// production, a fake in tests).
func NewOffice(c *Catalog, s Store, now func() time.Time) *Office {
	return &Office{catalog: c, store: s, now: now}
}

// Catalog returns the office's catalog. Callers must not modify it.
func (o *Office) Catalog() *Catalog { return o.catalog }

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
	FreeCapacity int       // free minutes-of-desk left... see implementation
}

// Availability returns one Day per date in [from, to] for service.
func (o *Office) Availability(ctx context.Context, service string, from, to Date) ([]Day, error) {
	panic("unimplemented")
}

// FreeSlots returns the free start times of service on d.
func (o *Office) FreeSlots(ctx context.Context, service string, d Date) (Day, error) {
	panic("unimplemented")
}

// DepartmentSlots returns the times on d at which any service of dept can start.
func (o *Office) DepartmentSlots(ctx context.Context, dept string, d Date) (Day, error) {
	panic("unimplemented")
}

// FirstAvailable returns the earliest free slot of service within the horizon.
func (o *Office) FirstAvailable(ctx context.Context, service string) (Slot, error) {
	panic("unimplemented")
}

// Book books r.Service at r.Start for r.Citizen.
func (o *Office) Book(ctx context.Context, r Request) (Booking, error) { panic("unimplemented") }

// Reschedule moves the booking ref to start, atomically.
func (o *Office) Reschedule(ctx context.Context, a Actor, ref string, start time.Time, idempotencyKey string) (Booking, error) {
	panic("unimplemented")
}

// Cancel cancels the booking ref. Citizens cancel only their own bookings,
// staff only their departments'; staff give a reason.
func (o *Office) Cancel(ctx context.Context, a Actor, ref, reason string) (Booking, error) {
	panic("unimplemented")
}

// Mark records that the citizen attended or did not show up.
func (o *Office) Mark(ctx context.Context, a Actor, ref string, s Status) (Booking, error) {
	panic("unimplemented")
}

// CloseDay closes dept on d and cancels every active booking of that day,
// telling each citizen. It returns the cancelled bookings.
func (o *Office) CloseDay(ctx context.Context, a Actor, dept string, d Date, reason string) ([]Booking, error) {
	panic("unimplemented")
}

// AddClosure stores c and returns the active bookings it covers, without
// cancelling them.
func (o *Office) AddClosure(ctx context.Context, a Actor, c Closure) ([]Booking, error) {
	panic("unimplemented")
}

// Booking returns the booking ref if a may see it.
func (o *Office) Booking(ctx context.Context, a Actor, ref string) (Booking, error) {
	panic("unimplemented")
}

// MyBookings returns the citizen's upcoming active bookings.
func (o *Office) MyBookings(ctx context.Context, telegramID int64) ([]Booking, error) {
	panic("unimplemented")
}

// Roster returns dept's bookings on d.
func (o *Office) Roster(ctx context.Context, dept string, d Date) (Roster, error) {
	panic("unimplemented")
}

// Find returns the bookings with reference or phone query that staff member a may see.
func (o *Office) Find(ctx context.Context, a Actor, query string) ([]Booking, error) {
	panic("unimplemented")
}

// StaffDepartments returns the department codes a Slack user may act on.
func (o *Office) StaffDepartments(slackUserID string) []string { panic("unimplemented") }

// CitizenLang returns the language the citizen chose last (ok false if never).
func (o *Office) CitizenLang(ctx context.Context, telegramID int64) (l Lang, ok bool, err error) {
	panic("unimplemented")
}

// SetCitizenLang remembers the citizen's language (creating the citizen if new).
func (o *Office) SetCitizenLang(ctx context.Context, telegramID int64, l Lang) error {
	panic("unimplemented")
}
