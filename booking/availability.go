package booking

import (
	"context"
)

// maxRange bounds one availability query, so a request cannot make the
// office compute years of days.
const maxRange = 400

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

// Availability returns one Day per date in [from, to] for service. The
// calendar indexes the range's busy intervals once for all its days.
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
	return o.cal.ServiceDays(svc, from, to, busy, closures, earliest, latest), nil
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
