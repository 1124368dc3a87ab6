package booking

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// slotsCatalog has one department with two desks, a break on Mondays and
// services of different lengths sharing the desks.
const slotsCatalog = `
[[departments]]
code = "d"
name = { el = "Τμήμα", en = "Department" }
desks = ["X", "Y"]
[departments.hours]
mon = ["08:00-10:00", "10:30-12:00"]
tue = ["08:00-10:00"]

[[services]]
code = "short"
department = "d"
name = { el = "Σύντομη", en = "Short" }
duration = 15

[[services]]
code = "long"
department = "d"
name = { el = "Μακριά", en = "Long" }
duration = 30

[[services]]
code = "only-y"
department = "d"
name = { el = "Μόνο Υ", en = "Only Y" }
duration = 15
desks = ["Y"]
`

type slotsFixture struct {
	cat *Catalog
	cal *Calendar
	mon Date // a Monday that is no holiday
}

func newSlotsFixture(t testing.TB) slotsFixture {
	t.Helper()
	c, err := ParseCatalog([]byte(slotsCatalog))
	if err != nil {
		t.Fatal(err)
	}
	return slotsFixture{cat: c, cal: NewCalendar(c), mon: Date{2026, time.March, 2}}
}

func (f slotsFixture) service(t testing.TB, code string) *Service {
	t.Helper()
	s, ok := f.cat.Service(code)
	if !ok {
		t.Fatalf("no service %q", code)
	}
	return s
}

// at returns hh:mm on the fixture's Monday in Athens.
func (f slotsFixture) at(t testing.TB, hhmm string) time.Time {
	t.Helper()
	c, err := ParseClock(hhmm)
	if err != nil {
		t.Fatal(err)
	}
	return f.mon.At(c, f.cat.Location)
}

func (f slotsFixture) busy(t testing.TB, desk, from, to string) Interval {
	return Interval{Desk: desk, Start: f.at(t, from), End: f.at(t, to)}
}

func startsOf(day Day, loc *time.Location) string {
	var s []string
	for _, sl := range day.Slots {
		s = append(s, sl.Start.In(loc).Format("15:04"))
	}
	return strings.Join(s, " ")
}

const (
	allShort = "08:00 08:15 08:30 08:45 09:00 09:15 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"
	allLong  = "08:00 08:15 08:30 08:45 09:00 09:15 09:30 10:30 10:45 11:00 11:15 11:30"
)

func TestServiceDay(t *testing.T) {
	f := newSlotsFixture(t)
	broken := Text{EL: "Βλάβη", EN: "Out of order"}
	deskY := Closure{Department: "d", Desk: "Y", From: f.mon, To: f.mon, Reason: broken}
	wholeDept := Closure{Department: "d", From: f.mon.AddDays(-1), To: f.mon.AddDays(1), Reason: broken}
	tests := []struct {
		name             string
		service          string
		date             Date
		busy             []Interval
		closures         []Closure
		earliest, latest string // "" is no bound
		want             string // starts, local
		closed           bool
		reason           Text
	}{
		{name: "BreakShort", service: "short", want: allShort},
		{name: "BreakLong", service: "long", want: allLong},
		{name: "DeskRestrictionBusy", service: "only-y", busy: []Interval{f.busy(t, "Y", "08:00", "08:15")},
			want: strings.TrimPrefix(allShort, "08:00 ")},
		{name: "UnrestrictedUsesTheOtherDesk", service: "short", busy: []Interval{f.busy(t, "Y", "08:00", "08:15")}, want: allShort},
		{name: "LongBookingBlocksTwoShortStarts", service: "short",
			busy: []Interval{f.busy(t, "X", "09:00", "09:30"), f.busy(t, "Y", "09:00", "09:30")},
			want: "08:00 08:15 08:30 08:45 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"},
		{name: "LongBookingBlocksThreeLongStarts", service: "long",
			busy: []Interval{f.busy(t, "X", "09:00", "09:30"), f.busy(t, "Y", "09:00", "09:30")},
			want: "08:00 08:15 08:30 09:30 10:30 10:45 11:00 11:15 11:30"},
		{name: "ShortBookingBlocksTwoLongStarts", service: "long",
			busy: []Interval{f.busy(t, "X", "08:15", "08:30"), f.busy(t, "Y", "08:15", "08:30")},
			want: "08:30 08:45 09:00 09:15 09:30 10:30 10:45 11:00 11:15 11:30"},
		{name: "DeskClosureClosesRestrictedService", service: "only-y", closures: []Closure{deskY}, closed: true, reason: broken},
		{name: "DeskClosureLeavesOtherDesk", service: "short", closures: []Closure{deskY},
			busy: []Interval{f.busy(t, "X", "08:00", "09:00")},
			want: "09:00 09:15 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"},
		{name: "DepartmentClosure", service: "short", closures: []Closure{wholeDept}, closed: true, reason: broken},
		{name: "MinNotice", service: "short", earliest: "09:10",
			want: "09:15 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"},
		{name: "EarliestOnASlot", service: "short", earliest: "11:30", want: "11:30 11:45"},
		{name: "Horizon", service: "short", latest: "10:30", want: "08:00 08:15 08:30 08:45 09:00 09:15 09:30 09:45"},
		{name: "NothingLeft", service: "short", earliest: "12:00", want: ""},
		{name: "BusyOnOtherDaysIgnored", service: "short", want: allShort, busy: []Interval{
			{Desk: "X", Start: f.at(t, "08:00").AddDate(0, 0, 1), End: f.at(t, "12:00").AddDate(0, 0, 1)},
			{Desk: "Y", Start: f.at(t, "08:00").AddDate(0, 0, -7), End: f.at(t, "12:00").AddDate(0, 0, -7)},
		}},
		{name: "UnsortedOverlappingBusy", service: "short", busy: []Interval{
			f.busy(t, "X", "08:30", "09:00"), f.busy(t, "Y", "08:00", "09:00"),
			f.busy(t, "X", "08:00", "08:20"), f.busy(t, "X", "08:10", "08:40"),
		}, want: "09:00 09:15 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"},
		{name: "GapTooShortForLong", service: "long",
			busy: []Interval{f.busy(t, "X", "08:00", "08:45"), f.busy(t, "X", "09:00", "12:00"), f.busy(t, "Y", "08:00", "12:00")},
			want: ""},
		{name: "UnknownDeskIgnored", service: "short", busy: []Interval{f.busy(t, "Z", "08:00", "12:00")}, want: allShort},
		{name: "ShorterDayTuesday", service: "long", date: f.mon.AddDays(1), want: "08:00 08:15 08:30 08:45 09:00 09:15 09:30"},
		{name: "Weekend", service: "short", date: f.mon.AddDays(-2), closed: true, reason: reasonWeekend},
		{name: "NoHoursWednesday", service: "short", date: f.mon.AddDays(2), closed: true, reason: reasonNoHours},
		{name: "Holiday", service: "short", date: Date{2026, time.February, 23}, closed: true,
			reason: Text{EL: "Καθαρά Δευτέρα", EN: "Clean Monday"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.date
			if d == (Date{}) {
				d = f.mon
			}
			var earliest, latest time.Time
			if tt.earliest != "" {
				earliest = f.at(t, tt.earliest)
			}
			if tt.latest != "" {
				latest = f.at(t, tt.latest)
			}
			svc := f.service(t, tt.service)
			day := f.cal.ServiceDay(svc, d, tt.busy, tt.closures, earliest, latest)
			if day.Date != d {
				t.Errorf("Date = %s, want %s", day.Date, d)
			}
			if day.Closed != tt.closed || day.Reason != tt.reason {
				t.Fatalf("Closed, Reason = %v, %+v; want %v, %+v", day.Closed, day.Reason, tt.closed, tt.reason)
			}
			if got := startsOf(day, f.cat.Location); got != tt.want {
				t.Errorf("starts = %q\nwant     %q", got, tt.want)
			}
			for _, s := range day.Slots {
				if s.End.Sub(s.Start) != svc.Duration {
					t.Errorf("slot %v-%v is not %v long", s.Start, s.End, svc.Duration)
				}
			}
		})
	}
}

// TestServiceDayMatchesBruteForce compares the pointer walk with a direct
// check of every busy interval, on random busy days.
func TestServiceDayMatchesBruteForce(t *testing.T) {
	f := newSlotsFixture(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var busy []Interval
		for range rng.IntN(20) {
			from := f.at(t, "07:30").Add(time.Duration(rng.IntN(60)) * 5 * time.Minute)
			busy = append(busy, Interval{
				Desk:  []string{"X", "Y"}[rng.IntN(2)],
				Start: from,
				End:   from.Add(time.Duration(1+rng.IntN(12)) * 5 * time.Minute),
			})
		}
		for _, code := range []string{"short", "long", "only-y"} {
			svc := f.service(t, code)
			dept, _ := f.cat.Department("d")
			got := f.cal.ServiceDay(svc, f.mon, busy, nil, time.Time{}, time.Time{})
			var want []Slot
			for _, p := range dept.Hours[time.Monday] {
				for c := p.Start; c+Clock(svc.Duration/time.Minute) <= p.End; c += 15 {
					start := f.mon.At(c, f.cat.Location)
					end := start.Add(svc.Duration)
					for _, desk := range svc.DesksIn(dept) {
						free := true
						for _, b := range busy {
							if b.Desk == desk && b.Start.Before(end) && b.End.After(start) {
								free = false
							}
						}
						if free {
							want = append(want, Slot{Start: start, End: end})
							break
						}
					}
				}
			}
			if !slices.EqualFunc(got.Slots, want, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
				t.Fatalf("round %d %s: got %s\nwant %s\nbusy %v", round, code,
					startsOf(got, f.cat.Location), startsOf(Day{Slots: want}, f.cat.Location), busy)
			}
		}
	}
}

func TestDepartmentDay(t *testing.T) {
	f := newSlotsFixture(t)
	dept, _ := f.cat.Department("d")
	t.Run("UnionOfServices", func(t *testing.T) {
		// X is busy all morning, Y until 08:30: only Y serves, from 08:30;
		// at 11:45 only a 15-minute service fits before noon.
		busy := []Interval{f.busy(t, "X", "08:00", "12:00"), f.busy(t, "Y", "08:00", "08:30")}
		day := f.cal.DepartmentDay(dept, f.mon, busy, nil, time.Time{}, time.Time{})
		if got, want := startsOf(day, f.cat.Location), "08:30 08:45 09:00 09:15 09:30 09:45 10:30 10:45 11:00 11:15 11:30 11:45"; got != want {
			t.Errorf("starts = %q, want %q", got, want)
		}
		for _, s := range day.Slots {
			if s.End.Sub(s.Start) != 15*time.Minute {
				t.Errorf("slot at %v ends %v after, want the shortest service's 15m", s.Start, s.End.Sub(s.Start))
			}
		}
	})
	t.Run("OtherDeskServesAll", func(t *testing.T) {
		// Y is busy all day, so only-y cannot start; X serves the others.
		busy := []Interval{f.busy(t, "Y", "08:00", "12:00")}
		day := f.cal.DepartmentDay(dept, f.mon, busy, nil, time.Time{}, f.at(t, "08:30"))
		if got := startsOf(day, f.cat.Location); got != "08:00 08:15" {
			t.Errorf("starts = %q", got)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		day := f.cal.DepartmentDay(dept, f.mon.AddDays(-1), nil, nil, time.Time{}, time.Time{})
		if !day.Closed || day.Reason != reasonWeekend || len(day.Slots) != 0 {
			t.Errorf("Sunday = %+v", day)
		}
	})
	t.Run("EveryDeskClosed", func(t *testing.T) {
		r := Text{EL: "Απολύμανση", EN: "Disinfection"}
		cl := []Closure{{Department: "d", Desk: "X", From: f.mon, To: f.mon, Reason: r}, {Department: "d", Desk: "Y", From: f.mon, To: f.mon, Reason: r}}
		day := f.cal.DepartmentDay(dept, f.mon, nil, cl, time.Time{}, time.Time{})
		if !day.Closed || day.Reason != r {
			t.Errorf("day = %+v", day)
		}
	})
}

func TestFreeDesks(t *testing.T) {
	f := newSlotsFixture(t)
	busy := []Interval{f.busy(t, "X", "09:00", "09:30")}
	deskX := []Closure{{Department: "d", Desk: "X", From: f.mon, To: f.mon}}
	tests := []struct {
		name, service, from, to string
		closures                []Closure
		want                    []string
	}{
		{"BothFree", "short", "08:00", "08:15", nil, []string{"X", "Y"}},
		{"OneBusy", "short", "09:15", "09:30", nil, []string{"Y"}},
		{"BackToBack", "short", "09:30", "09:45", nil, []string{"X", "Y"}},
		{"EndsWhenBusyStarts", "long", "08:30", "09:00", nil, []string{"X", "Y"}},
		{"Restricted", "only-y", "09:00", "09:15", nil, []string{"Y"}},
		{"DeskClosed", "short", "08:00", "08:15", deskX, []string{"Y"}},
		{"DeskClosedAndOtherBusy", "long", "09:00", "09:30", append(slices.Clone(deskX), Closure{Department: "d", Desk: "Y", From: f.mon, To: f.mon}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.cal.FreeDesks(f.service(t, tt.service), f.at(t, tt.from), f.at(t, tt.to), busy, tt.closures)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FreeDesks = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckStart(t *testing.T) {
	f := newSlotsFixture(t)
	deskY := []Closure{{Department: "d", Desk: "Y", From: f.mon, To: f.mon, Reason: Text{EL: "Βλάβη", EN: "Out of order"}}}
	tests := []struct {
		name, service    string
		start            time.Time
		closures         []Closure
		earliest, latest string
		code             Code
		msg              string
	}{
		{name: "OK", service: "long", start: f.at(t, "09:30")},
		{name: "AfterBreak", service: "short", start: f.at(t, "10:30")},
		{name: "Misaligned", service: "short", start: f.at(t, "08:05"), code: EInvalid, msg: "not on the 15-minute grid"},
		{name: "Seconds", service: "short", start: f.at(t, "08:00").Add(30 * time.Second), code: EInvalid, msg: "08:00:30"},
		{name: "DoesNotFitBeforeBreak", service: "long", start: f.at(t, "09:45"), code: EInvalid, msg: "does not fit before 10:00"},
		{name: "InBreak", service: "short", start: f.at(t, "10:00"), code: EClosed, msg: "outside the opening hours"},
		{name: "BeforeOpening", service: "short", start: f.at(t, "07:45"), code: EClosed, msg: "outside the opening hours"},
		{name: "AtClosing", service: "short", start: f.at(t, "12:00"), code: EClosed, msg: "outside the opening hours"},
		{name: "Weekend", service: "short", start: f.at(t, "09:00").AddDate(0, 0, -1), code: EClosed, msg: "Closed at weekends"},
		{name: "Holiday", service: "short", start: time.Date(2026, time.April, 13, 9, 0, 0, 0, f.cat.Location), code: EClosed, msg: "Easter Monday"},
		{name: "DeskClosedForRestricted", service: "only-y", start: f.at(t, "09:00"), closures: deskY, code: EClosed, msg: "Out of order"},
		{name: "DeskClosedOtherDeskServes", service: "short", start: f.at(t, "09:00"), closures: deskY},
		{name: "BeforeEarliest", service: "short", start: f.at(t, "09:00"), earliest: "09:10", code: EClosed, msg: "before the earliest"},
		{name: "AtEarliest", service: "short", start: f.at(t, "09:15"), earliest: "09:15"},
		{name: "AtLatest", service: "short", start: f.at(t, "09:00"), latest: "09:00", code: EClosed, msg: "beyond the booking horizon"},
		{name: "StartGivenInUTC", service: "short", start: f.at(t, "09:00").UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var earliest, latest time.Time
			if tt.earliest != "" {
				earliest = f.at(t, tt.earliest)
			}
			if tt.latest != "" {
				latest = f.at(t, tt.latest)
			}
			err := f.cal.CheckStart(f.service(t, tt.service), tt.start, tt.closures, earliest, latest)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not name the problem %q", err, tt.msg)
			}
		})
	}
}

// CheckStart accepts exactly the starts ServiceDay offers on a free day.
func TestCheckStartAgreesWithServiceDay(t *testing.T) {
	f := newSlotsFixture(t)
	for _, code := range []string{"short", "long", "only-y"} {
		svc := f.service(t, code)
		offered := map[time.Time]bool{}
		for _, s := range f.cal.ServiceDay(svc, f.mon, nil, nil, time.Time{}, time.Time{}).Slots {
			offered[s.Start] = true
		}
		for m := 0; m < 24*60; m += 5 {
			start := f.mon.At(Clock(m), f.cat.Location)
			ok := f.cal.CheckStart(svc, start, nil, time.Time{}, time.Time{}) == nil
			if ok != offered[start] {
				t.Errorf("%s at %s: CheckStart ok=%v, offered=%v", code, Clock(m), ok, offered[start])
			}
		}
	}
}

// benchBusy returns a default catalog, its family-status service, the first
// of 30 days and 10,000 busy intervals of the service's department spread
// over those days, in random order.
func benchBusy(tb testing.TB) (*Calendar, *Service, Date, []Interval, time.Time, time.Time) {
	return randomBusy(tb, 3, 10_000, func(rng *rand.Rand) int { return rng.IntN(30) })
}

// randomBusy returns the default catalog's calendar, its family-status
// service (three desks, 15-minute grid, 08:00-14:00 on weekdays), a Monday,
// n busy intervals of the service's department, in random order (seeded
// by seed), each on the day dayAfter picks (days after that Monday), and
// the booking window as seen at 07:00 that Monday.
func randomBusy(tb testing.TB, seed uint64, n int, dayAfter func(*rand.Rand) int) (*Calendar, *Service, Date, []Interval, time.Time, time.Time) {
	c := DefaultCatalog()
	cal := NewCalendar(c)
	svc, _ := c.Service("family-status")
	dept, _ := c.Department(svc.Department)
	first := Date{2026, time.March, 2}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	busy := make([]Interval, n)
	for i := range busy {
		d := first.AddDays(dayAfter(rng))
		start := d.At(Clock(8*60+15*rng.IntN(23)), c.Location)
		busy[i] = Interval{
			Desk:  dept.Desks[rng.IntN(len(dept.Desks))],
			Start: start,
			End:   start.Add(time.Duration(1+rng.IntN(2)) * 15 * time.Minute),
		}
	}
	earliest, latest := cal.Window(first.At(7*60, c.Location))
	return cal, svc, first, busy, earliest, latest
}

// TestServiceDaysMatchesServiceDay checks that indexing busy once for a
// range gives the same days as computing each day on its own.
func TestServiceDaysMatchesServiceDay(t *testing.T) {
	cal, svc, first, busy, earliest, latest := benchBusy(t)
	busy = busy[:600] // leave free slots to compare
	closures := []Closure{
		{Department: "civil-registry", Desk: "A1", From: first.AddDays(3), To: first.AddDays(9)},
		{Department: "civil-registry", From: first.AddDays(12), To: first.AddDays(12), Reason: Text{EL: "Απεργία", EN: "Strike"}},
	}
	days := cal.ServiceDays(svc, first, first.AddDays(29), busy, closures, earliest, latest)
	if len(days) != 30 {
		t.Fatalf("%d days, want 30", len(days))
	}
	slots := 0
	for i, got := range days {
		want := cal.ServiceDay(svc, first.AddDays(i), busy, closures, earliest, latest)
		if got.Date != want.Date || got.Closed != want.Closed || got.Reason != want.Reason ||
			!slices.EqualFunc(got.Slots, want.Slots, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
			t.Fatalf("day %s: ServiceDays %+v\nServiceDay %+v", want.Date, got, want)
		}
		slots += len(got.Slots)
	}
	if slots == 0 || !days[12].Closed {
		t.Errorf("fixture too weak: %d slots, strike day closed=%v", slots, days[12].Closed)
	}
}

// BenchmarkServiceDay30Days is the heaviest query done day by day, as
// Office.Availability once did it: 30 calls of ServiceDay, each given all
// 10,000 busy intervals of the department.
func BenchmarkServiceDay30Days(b *testing.B) {
	cal, svc, first, busy, earliest, latest := benchBusy(b)
	b.ReportAllocs()
	slots := 0
	for b.Loop() {
		slots = 0
		for i := range 30 {
			slots += len(cal.ServiceDay(svc, first.AddDays(i), busy, nil, earliest, latest).Slots)
		}
	}
	b.ReportMetric(float64(slots), "slots")
}

// BenchmarkServiceDays30Days is the same work in one ServiceDays call.
func BenchmarkServiceDays30Days(b *testing.B) {
	cal, svc, first, busy, earliest, latest := benchBusy(b)
	b.ReportAllocs()
	for b.Loop() {
		cal.ServiceDays(svc, first, first.AddDays(29), busy, nil, earliest, latest)
	}
}

// weekBusy is a realistic availability query: the first of 10 days from a
// Monday and 300 busy intervals on the eight working days among them.
func weekBusy(tb testing.TB) (*Calendar, *Service, Date, []Interval, time.Time, time.Time) {
	return randomBusy(tb, 5, 300, func(rng *rand.Rand) int {
		d := rng.IntN(5)
		if rng.IntN(3) == 0 {
			d += 7
		}
		return d
	})
}

// BenchmarkServiceDay10Days is the realistic query day by day: 10 calls of
// ServiceDay, each given all 300 busy intervals.
func BenchmarkServiceDay10Days(b *testing.B) {
	cal, svc, first, busy, earliest, latest := weekBusy(b)
	b.ReportAllocs()
	for b.Loop() {
		for i := range 10 {
			cal.ServiceDay(svc, first.AddDays(i), busy, nil, earliest, latest)
		}
	}
}

// BenchmarkServiceDays10Days is one ServiceDays call over 10 days with 300
// busy intervals on three desks.
func BenchmarkServiceDays10Days(b *testing.B) {
	cal, svc, first, busy, earliest, latest := weekBusy(b)
	b.ReportAllocs()
	slots := 0
	for b.Loop() {
		slots = 0
		for _, d := range cal.ServiceDays(svc, first, first.AddDays(9), busy, nil, earliest, latest) {
			slots += len(d.Slots)
		}
	}
	b.ReportMetric(float64(slots), "slots")
}

// freeStartsPerSlot is freeStarts as it was before it stepped the grid
// with Add: a time.Date in the location for every slot.
func freeStartsPerSlot(cal *Calendar, d Date, periods []Period, dur time.Duration, idx []int, spans [][]span, earliest, latest time.Time) []Slot {
	var out []Slot
	ptr := make([]int, len(idx))
	step := Clock(cal.cat.SlotStep / time.Minute)
	durMin := Clock(dur / time.Minute)
	if step <= 0 || durMin <= 0 || len(periods) == 0 {
		return nil
	}
	first := d.At(periods[0].Start, cal.loc).UnixNano()
	for j, k := range idx {
		ptr[j], _ = slices.BinarySearchFunc(spans[k], first, func(x span, t int64) int {
			if x.end <= t {
				return -1
			}
			return 1
		})
	}
	for _, p := range periods {
		for c := p.Start; c+durMin <= p.End; c += step {
			start := d.At(c, cal.loc)
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
					out = append(out, Slot{Start: start, End: end})
					break
				}
			}
		}
	}
	return out
}

// TestFreeStartsAcrossDaylightSaving checks that stepping each period's
// grid with Add gives exactly the slots (the same time.Time values, and
// duplicates where the clock skips an hour) that placing every slot by its
// local clock gave: on the days the clocks change in Athens (and, for other
// shapes of change, in New York and Lord Howe Island, whose clocks move by
// half an hour) and on an ordinary day, for every period on a half-hour
// grid, with and without busy desks and bounds.
func TestFreeStartsAcrossDaylightSaving(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, zone := range []string{"Europe/Athens", "America/New_York", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		cal := &Calendar{cat: &Catalog{SlotStep: 15 * time.Minute}, loc: loc}
		days := []Date{{2026, time.March, 2}}
		for d := (Date{2026, time.January, 1}); d.Year == 2026; d = d.AddDays(1) {
			if d.AddDays(1).Midnight(loc).Sub(d.Midnight(loc)) != 24*time.Hour {
				days = append(days, d)
			}
		}
		if len(days) != 3 {
			t.Fatalf("%s: %d days, want an ordinary day and two changes of the clocks", zone, len(days))
		}
		changes := 0 // periods a change falls inside, in which the Add grid would drift
		for _, d := range days {
			for start := Clock(0); start < 24*60; start += 30 {
				for end := start + 30; end <= 24*60; end += 30 {
					periods := []Period{{start, end}}
					if d.At(end, loc).Sub(d.At(start, loc)) != time.Duration(end-start)*time.Minute {
						changes++
					}
					if end <= 22*60 {
						periods = append(periods, Period{end + 60, 24 * 60})
					}
					var busy []Interval
					for range rng.IntN(6) {
						from := d.Midnight(loc).Add(time.Duration(rng.IntN(24*4)) * 15 * time.Minute)
						busy = append(busy, Interval{Desk: []string{"X", "Y"}[rng.IntN(2)], Start: from, End: from.Add(time.Duration(1+rng.IntN(8)) * 15 * time.Minute)})
					}
					spans := busyByDesk([]string{"X", "Y"}, d.Midnight(loc), d.AddDays(1).Midnight(loc), busy)
					var earliest, latest time.Time
					if rng.IntN(3) == 0 {
						earliest = d.Midnight(loc).Add(time.Duration(rng.IntN(24*60)) * time.Minute)
					}
					if rng.IntN(3) == 0 {
						latest = d.Midnight(loc).Add(time.Duration(rng.IntN(25*60)) * time.Minute)
					}
					for _, dur := range []time.Duration{15 * time.Minute, 45 * time.Minute} {
						for _, idx := range [][]int{{0, 1}, {1}} {
							got := cal.freeStarts(d, periods, dur, idx, spans, earliest, latest)
							want := freeStartsPerSlot(cal, d, periods, dur, idx, spans, earliest, latest)
							if !slices.Equal(got, want) {
								t.Fatalf("%s %s %v %v desks %v busy %v, [%v, %v):\ngot  %v\nwant %v",
									zone, d, periods, dur, idx, busy, earliest, latest, got, want)
							}
						}
					}
				}
			}
		}
		if changes == 0 {
			t.Errorf("%s: no period had a change of the clocks inside", zone)
		}
	}
}

// BenchmarkBusyByDesk groups a full 30-day horizon of three desks (3,240
// intervals, every ten minutes from 06:00 to 12:00 UTC) by desk: in order
// of start, as the store reads it and the read cache keeps it, and
// shuffled.
func BenchmarkBusyByDesk(b *testing.B) {
	t0 := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var sorted []Interval
	for d := range 30 {
		for s := range 36 {
			for _, desk := range []string{"A", "B", "C"} {
				st := t0.AddDate(0, 0, d).Add(time.Duration(s) * 10 * time.Minute)
				sorted = append(sorted, Interval{Desk: desk, Start: st, End: st.Add(10 * time.Minute)})
			}
		}
	}
	shuffled := slices.Clone(sorted)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	from, to := t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 31)
	for _, c := range []struct {
		name string
		busy []Interval
	}{{"InOrderOfStart", sorted}, {"Shuffled", shuffled}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				busyByDesk([]string{"A", "B", "C"}, from, to, c.busy)
			}
		})
	}
}
