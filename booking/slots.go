package booking

import (
	"cmp"
	"slices"
	"time"
)

// span is a busy stretch of one desk in Unix nanoseconds, [start, end).
type span struct{ start, end int64 }

// busyByDesk returns, for each of desks, its busy spans overlapping
// [from, to), sorted and merged so that they are disjoint and ordered by
// both start and end; that lets a caller walk them with one pointer.
//
// Cost: O(B) over all busy intervals (two comparisons each; the desk is
// looked up only for intervals inside the window), plus O(k log k) to sort
// the k that overlap the window. The busy slice need not be sorted; in
// order of start, as the store reads it and the read cache keeps it, each
// desk's spans come out sorted and the sort only checks them (a full 30-day
// horizon in half the time or less, BenchmarkBusyByDesk).
func busyByDesk(desks []string, from, to time.Time, busy []Interval) [][]span {
	out := make([][]span, len(desks))
	lo, hi := from.UnixNano(), to.UnixNano()
	for i := range busy {
		iv := &busy[i]
		s, e := iv.Start.UnixNano(), iv.End.UnixNano()
		if e <= lo || s >= hi || e <= s {
			continue
		}
		for k, desk := range desks {
			if desk == iv.Desk {
				out[k] = append(out[k], span{s, e})
				break
			}
		}
	}
	for k, sp := range out {
		if len(sp) < 2 {
			continue
		}
		slices.SortFunc(sp, func(a, b span) int { return cmp.Compare(a.start, b.start) })
		merged := sp[:1]
		for _, x := range sp[1:] {
			last := &merged[len(merged)-1]
			if x.start <= last.end {
				last.end = max(last.end, x.end)
				continue
			}
			merged = append(merged, x)
		}
		out[k] = merged
	}
	return out
}

// freeStarts walks the slot grid of periods on d for a service of length
// dur that any desk in idx (indices into spans) may serve, and returns the
// starts in [earliest, latest) at which one of them is free. Starts ascend
// across the day, so each desk keeps a pointer into its spans that only
// moves forward: O(slots × desks + spans) for the day.
//
// A time.Date in a Location is costly, so it is done per period (at its
// start and end) rather than per slot, and the grid is stepped from the
// start with Add; only a period that a daylight-saving change falls inside
// places each slot by its local clock. The result is allocated
// once, at the first free start, for every slot of the day's grid.
func (cal *Calendar) freeStarts(d Date, periods []Period, dur time.Duration, idx []int, spans [][]span, earliest, latest time.Time) []Slot {
	step := Clock(cal.cat.SlotStep / time.Minute)
	durMin := Clock(dur / time.Minute)
	if step <= 0 || durMin <= 0 {
		return nil
	}
	if len(periods) == 0 {
		return nil
	}
	// Spans are disjoint and sorted by end too, so the first that ends after
	// the day's first start is found by binary search; from there the
	// pointers only move forward. (For up to four desks ptr stays on the
	// stack.)
	ptr := make([]int, len(idx))
	first := d.At(periods[0].Start, cal.loc).UnixNano()
	for j, k := range idx {
		ptr[j], _ = slices.BinarySearchFunc(spans[k], first, func(x span, t int64) int {
			if x.end <= t {
				return -1
			}
			return 1
		})
	}
	var out []Slot
	for _, p := range periods {
		from := d.At(p.Start, cal.loc)
		// A daylight-saving change inside the period makes it last more or
		// less than its length on the clock; Add would then drift from the
		// local grid, so each slot is placed by d.At instead.
		steady := d.At(p.End, cal.loc).Sub(from) == time.Duration(p.End-p.Start)*time.Minute
		for c := p.Start; c+durMin <= p.End; c += step {
			start := from.Add(time.Duration(c-p.Start) * time.Minute)
			if !steady {
				start = d.At(c, cal.loc)
			}
			if !earliest.IsZero() && start.Before(earliest) {
				continue
			}
			if !latest.IsZero() && !start.Before(latest) {
				return out
			}
			end := start.Add(dur)
			s, e := start.UnixNano(), end.UnixNano()
			for j, k := range idx {
				sp, i := spans[k], ptr[j]
				for i < len(sp) && sp[i].end <= s {
					i++
				}
				ptr[j] = i
				if i == len(sp) || sp[i].start >= e {
					if out == nil {
						out = make([]Slot, 0, gridSlots(periods, step, durMin))
					}
					out = append(out, Slot{Start: start, End: end})
					break
				}
			}
		}
	}
	return out
}

// gridSlots returns the number of starts on the grid of periods (every
// step minutes from each period's start) at which durMin minutes fit
// before the period ends.
func gridSlots(periods []Period, step, durMin Clock) int {
	n := 0
	for _, p := range periods {
		if p.End-p.Start >= durMin {
			n += int((p.End-p.Start-durMin)/step) + 1
		}
	}
	return n
}

// dayBounds returns the instants at which the opening periods of a day
// begin and end.
func (cal *Calendar) dayBounds(d Date, periods []Period) (time.Time, time.Time) {
	return d.At(periods[0].Start, cal.loc), d.At(periods[len(periods)-1].End, cal.loc)
}

// ServiceDay computes the free slots of svc on d: on the slot grid from the
// start of each opening period, fitting inside that period, with at least
// one allowed desk that is neither closed nor busy over the slot, and
// starting in [earliest, latest) (a zero bound is no bound). busy may hold
// intervals of any desks and days, in any order; those outside the day are
// skipped.
//
// Cost: O(B + k log k + slots × desks) where B = len(busy) and k the busy
// intervals of the service's desks on d. To compute many days with the
// same busy list, ServiceDays pays the O(B) scan once.
func (cal *Calendar) ServiceDay(svc *Service, d Date, busy []Interval, closures []Closure, earliest, latest time.Time) Day {
	return cal.ServiceDays(svc, d, d, busy, closures, earliest, latest)[0]
}

// ServiceDays returns ServiceDay for every date in [from, to] (at least
// one Day, for from), indexing busy once for the whole range.
//
// Cost: O(B + k log k + days × desks × log k + slots × desks) where k is the
// number of busy intervals of the service's desks inside the range: the
// busy times are grouped per desk, sorted and merged once, each day finds
// its place in them by binary search and walks them with one pointer per
// desk.
func (cal *Calendar) ServiceDays(svc *Service, from, to Date, busy []Interval, closures []Closure, earliest, latest time.Time) []Day {
	days := make([]Day, dayCount(from, to))
	dept, ok := cal.cat.Department(svc.Department)
	if !ok {
		for i, d := 0, from; i < len(days); i, d = i+1, d.AddDays(1) {
			days[i] = Day{Date: d, Closed: true, Reason: reasonClosure}
		}
		return days
	}
	allowed := svc.DesksIn(dept)
	// Opening periods lie within their local day (at most 00:00-24:00).
	last := from.AddDays(len(days) - 1)
	spans := busyByDesk(allowed, from.Midnight(cal.loc), last.AddDays(1).Midnight(cal.loc), busy)
	idx := make([]int, 0, len(allowed)) // the day's open desks, reused
	for i, d := 0, from; i < len(days); i, d = i+1, d.AddDays(1) {
		day := &days[i]
		day.Date = d
		if reason, closed := cal.DayClosed(dept, d, closures); closed {
			day.Closed, day.Reason = true, reason
			continue
		}
		on := cal.closuresOn(dept.Code, d, closures)
		idx = idx[:0]
		for k, desk := range allowed {
			if !deskClosed(desk, on) {
				idx = append(idx, k)
			}
		}
		if len(idx) == 0 {
			// Only this service's desks are closed: the day is closed for it.
			day.Closed, day.Reason = true, closureReason(on[0])
			continue
		}
		day.Slots = cal.freeStarts(d, dept.Hours[d.Weekday()], svc.Duration, idx, spans, earliest, latest)
	}
	return days
}

// dayCount returns the number of dates in [from, to], and 1 when to is
// before from.
func dayCount(from, to Date) int {
	n := int(to.Midnight(time.UTC).Sub(from.Midnight(time.UTC))/(24*time.Hour)) + 1
	return max(n, 1)
}

// DepartmentDay returns the times on d at which any service of dept can
// start (sorted, unique by start). A slot's End is the earliest end among
// the services that can start then.
func (cal *Calendar) DepartmentDay(dept *Department, d Date, busy []Interval, closures []Closure, earliest, latest time.Time) Day {
	day := Day{Date: d}
	if reason, closed := cal.DayClosed(dept, d, closures); closed {
		day.Closed, day.Reason = true, reason
		return day
	}
	on := cal.closuresOn(dept.Code, d, closures)
	desks := openDesks(dept.Desks, on)
	periods := dept.Hours[d.Weekday()]
	from, to := cal.dayBounds(d, periods)
	spans := busyByDesk(desks, from, to, busy)
	anyDesk := false
	for _, svc := range cal.cat.ServicesOf(dept.Code) {
		var idx []int
		for _, desk := range svc.DesksIn(dept) {
			if k := slices.Index(desks, desk); k >= 0 {
				idx = append(idx, k)
			}
		}
		if len(idx) == 0 {
			continue
		}
		anyDesk = true
		day.Slots = append(day.Slots, cal.freeStarts(d, periods, svc.Duration, idx, spans, earliest, latest)...)
	}
	if !anyDesk && len(on) > 0 {
		day.Closed, day.Reason = true, closureReason(on[0])
		return day
	}
	slices.SortFunc(day.Slots, func(a, b Slot) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.End.Compare(b.End)
	})
	day.Slots = slices.CompactFunc(day.Slots, func(a, b Slot) bool { return a.Start.Equal(b.Start) })
	return day
}

// FreeDesks returns the allowed desks of svc that are free over
// [start, end): not closed on the day and with no busy interval overlapping,
// in catalog order. It is O(len(busy)).
func (cal *Calendar) FreeDesks(svc *Service, start, end time.Time, busy []Interval, closures []Closure) []string {
	dept, ok := cal.cat.Department(svc.Department)
	if !ok {
		return nil
	}
	desks := svc.DesksIn(dept)
	// A desk closed on any day the interval touches is not free.
	first, last := DateOf(start, cal.loc), DateOf(end.Add(-time.Nanosecond), cal.loc)
	for d := first; d == first || !last.Before(d); d = d.AddDays(1) {
		desks = openDesks(desks, cal.closuresOn(dept.Code, d, closures))
	}
	taken := make([]bool, len(desks))
	for i := range busy {
		iv := &busy[i]
		if !iv.Start.Before(end) || !iv.End.After(start) {
			continue
		}
		if k := slices.Index(desks, iv.Desk); k >= 0 {
			taken[k] = true
		}
	}
	var out []string
	for k, desk := range desks {
		if !taken[k] {
			out = append(out, desk)
		}
	}
	return out
}

// CheckStart validates a requested start for svc. It returns an *Error with
// code EInvalid when the start is off the slot grid or the appointment does
// not fit in the opening period, and EClosed when the office is closed then
// (holiday, closure, weekend, out of hours) or the start is before earliest
// or not before latest (zero bounds are no bounds).
func (cal *Calendar) CheckStart(svc *Service, start time.Time, closures []Closure, earliest, latest time.Time) error {
	dept, ok := cal.cat.Department(svc.Department)
	if !ok {
		return Errorf(ENotFound, "service %q: unknown department %q", svc.Code, svc.Department)
	}
	local := start.In(cal.loc)
	d := DateOf(start, cal.loc)
	when := local.Format("2006-01-02 15:04")
	if reason, closed := cal.DayClosed(dept, d, closures); closed {
		return Errorf(EClosed, "%s at %s: %s is closed on %s: %s", svc.Code, when, dept.Code, d, reason.In(English))
	}
	on := cal.closuresOn(dept.Code, d, closures)
	if len(openDesks(svc.DesksIn(dept), on)) == 0 {
		return Errorf(EClosed, "%s at %s: every desk serving it is closed on %s: %s", svc.Code, when, d, closureReason(on[0]).In(English))
	}
	clock := Clock(local.Hour()*60 + local.Minute())
	var period *Period
	for i, p := range dept.Hours[d.Weekday()] {
		if clock >= p.Start && clock < p.End {
			period = &dept.Hours[d.Weekday()][i]
			break
		}
	}
	if period == nil {
		return Errorf(EClosed, "%s at %s: outside the opening hours of %s", svc.Code, when, dept.Code)
	}
	step := Clock(cal.cat.SlotStep / time.Minute)
	if local.Second() != 0 || local.Nanosecond() != 0 || step <= 0 || (clock-period.Start)%step != 0 {
		return Errorf(EInvalid, "%s at %s: not on the %d-minute grid from %s", svc.Code, local.Format("2006-01-02 15:04:05"), int(step), period.Start)
	}
	if clock+Clock(svc.Duration/time.Minute) > period.End {
		return Errorf(EInvalid, "%s at %s: a %d-minute appointment does not fit before %s", svc.Code, when, int(svc.Duration/time.Minute), period.End)
	}
	if !earliest.IsZero() && start.Before(earliest) {
		return Errorf(EClosed, "%s at %s: before the earliest bookable time %s", svc.Code, when, earliest.In(cal.loc).Format("2006-01-02 15:04"))
	}
	if !latest.IsZero() && !start.Before(latest) {
		return Errorf(EClosed, "%s at %s: beyond the booking horizon ending %s", svc.Code, when, latest.In(cal.loc).Format("2006-01-02 15:04"))
	}
	return nil
}
