package booking

import (
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestHolidays(t *testing.T) {
	cal := NewCalendar(DefaultCatalog())
	easter := map[int]string{2025: "2025-04-20", 2026: "2026-04-12", 2027: "2027-05-02", 2028: "2028-04-16", 2029: "2029-04-08", 2030: "2030-04-28"}
	for year := 2025; year <= 2030; year++ {
		e := mustDate(t, easter[year])
		want := map[Date]string{
			{year, time.January, 1}:   "New Year's Day",
			{year, time.January, 6}:   "Epiphany",
			e.AddDays(-48):            "Clean Monday",
			{year, time.March, 25}:    "Independence Day",
			e.AddDays(-2):             "Good Friday",
			e.AddDays(1):              "Easter Monday",
			{year, time.May, 1}:       "Labour Day",
			e.AddDays(50):             "Holy Spirit Monday",
			{year, time.August, 15}:   "Assumption of the Virgin Mary",
			{year, time.October, 26}:  "Saint Demetrius, patron saint of Thessaloniki",
			{year, time.October, 28}:  "Ochi Day",
			{year, time.December, 25}: "Christmas Day",
			{year, time.December, 26}: "Synaxis of the Theotokos (Boxing Day)",
		}
		for d, name := range want {
			got, ok := cal.Holiday(d)
			if !ok || got.EN != name || got.EL == "" {
				t.Errorf("Holiday(%s) = %+v, %v; want %q", d, got, ok, name)
			}
		}
		// Every other day of the year is a working (or weekend) day.
		n := 0
		for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
			if _, ok := cal.Holiday(d); ok {
				n++
				if _, listed := want[d]; !listed {
					t.Errorf("Holiday(%s) unexpectedly true", d)
				}
			}
		}
		if n != len(want) {
			t.Errorf("%d: %d holidays, want %d", year, n, len(want))
		}
	}
	for _, tt := range []struct{ date, name string }{
		{"2026-04-13", "Easter Monday"},
		{"2027-05-03", "Easter Monday"},
		{"2026-02-23", "Clean Monday"},
		{"2026-06-01", "Holy Spirit Monday"},
		{"2026-01-01", "New Year's Day"}, // gr calls it "Xristougenna"
	} {
		if got, ok := cal.Holiday(mustDate(t, tt.date)); !ok || got.EN != tt.name {
			t.Errorf("Holiday(%s) = %+v, %v; want %q", tt.date, got, ok, tt.name)
		}
	}
	if got, _ := cal.Holiday(mustDate(t, "2026-10-26")); got.EL != "Αγίου Δημητρίου, πολιούχου Θεσσαλονίκης" {
		t.Errorf("26 October = %+v", got)
	}
}

func TestHolidayOverride(t *testing.T) {
	c := DefaultCatalog()
	moved := Text{EL: "Εργατική Πρωτομαγιά (μεταφορά)", EN: "Labour Day (moved)"}
	c.Overrides = []HolidayOverride{
		{Date: Date{2027, time.May, 1}, Open: true},  // Holy Saturday in 2027
		{Date: Date{2027, time.May, 4}, Name: moved}, // moved here by decree
		{Date: Date{2027, time.October, 26}, Open: true},
	}
	cal := NewCalendar(c)
	if _, ok := cal.Holiday(Date{2027, time.May, 1}); ok {
		t.Error("1 May 2027 still a holiday after an opening override")
	}
	if got, ok := cal.Holiday(Date{2027, time.May, 4}); !ok || got != moved {
		t.Errorf("4 May 2027 = %+v, %v; want the moved Labour Day", got, ok)
	}
	if _, ok := cal.Holiday(Date{2027, time.October, 26}); ok {
		t.Error("a local holiday was not opened by its override")
	}
	if _, ok := cal.Holiday(Date{2026, time.May, 1}); !ok {
		t.Error("an override of 2027 changed 2026")
	}
	dept, _ := c.Department("civil-registry")
	if reason, closed := cal.DayClosed(dept, Date{2027, time.May, 4}, nil); !closed || reason != moved {
		t.Errorf("DayClosed on the moved holiday = %+v, %v", reason, closed)
	}
}

func TestDayClosed(t *testing.T) {
	c := DefaultCatalog()
	c.Departments[3].Hours[time.Wednesday] = nil // transparency: no Wednesdays
	cal := NewCalendar(c)
	civil, _ := c.Department("civil-registry")
	transparency, _ := c.Department("transparency")
	strike := Text{EL: "Στάση εργασίας", EN: "Work stoppage"}
	tests := []struct {
		name     string
		dept     *Department
		date     string
		closures []Closure
		closed   bool
		reason   Text
	}{
		{"OpenWeekday", civil, "2026-03-04", nil, false, Text{}},
		{"Saturday", civil, "2026-03-07", nil, true, reasonWeekend},
		{"Sunday", civil, "2026-03-08", nil, true, reasonWeekend},
		{"NoHoursThatWeekday", transparency, "2026-03-04", nil, true, reasonNoHours},
		{"NationalHoliday", civil, "2026-04-13", nil, true, Text{EL: "Δευτέρα του Πάσχα", EN: "Easter Monday"}},
		{"LocalHoliday", civil, "2026-10-26", nil, true, c.LocalHolidays[0].Name},
		{"DepartmentClosure", civil, "2026-03-05",
			[]Closure{{Department: "civil-registry", From: mustDate(t, "2026-03-04"), To: mustDate(t, "2026-03-06"), Reason: strike}}, true, strike},
		{"ClosureWithoutReason", civil, "2026-03-05",
			[]Closure{{Department: "civil-registry", From: mustDate(t, "2026-03-05"), To: mustDate(t, "2026-03-05")}}, true, reasonClosure},
		{"ClosureOfAnotherDepartment", civil, "2026-03-05",
			[]Closure{{Department: "transparency", From: mustDate(t, "2026-03-05"), To: mustDate(t, "2026-03-05"), Reason: strike}}, false, Text{}},
		{"ClosureEndedTheDayBefore", civil, "2026-03-07",
			[]Closure{{Department: "civil-registry", From: mustDate(t, "2026-03-04"), To: mustDate(t, "2026-03-06"), Reason: strike}}, true, reasonWeekend},
		{"OneDeskClosed", civil, "2026-03-05",
			[]Closure{{Department: "civil-registry", Desk: "A1", From: mustDate(t, "2026-03-05"), To: mustDate(t, "2026-03-05"), Reason: strike}}, false, Text{}},
		{"EveryDeskClosed", transparency, "2026-03-05", []Closure{
			{Department: "transparency", Desk: "D1", From: mustDate(t, "2026-03-05"), To: mustDate(t, "2026-03-05"), Reason: strike},
			{Department: "transparency", Desk: "D2", From: mustDate(t, "2026-03-01"), To: mustDate(t, "2026-03-31"), Reason: strike},
		}, true, strike},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, closed := cal.DayClosed(tt.dept, mustDate(t, tt.date), tt.closures)
			if closed != tt.closed || reason != tt.reason {
				t.Errorf("DayClosed = %+v, %v; want %+v, %v", reason, closed, tt.reason, tt.closed)
			}
		})
	}
}

// TestCatalogClosureCountedOnce: the catalog's closures reach the calendar
// in the closures read from the store, which SyncCatalog wrote them to; the
// calendar does not add them a second time.
func TestCatalogClosureCountedOnce(t *testing.T) {
	c := DefaultCatalog()
	repairs := Text{EL: "Εργασίες", EN: "Works"}
	c.Closures = []Closure{{Department: "general-protocol", From: mustDate(t, "2026-03-02"), To: mustDate(t, "2026-03-03"), Reason: repairs}}
	cal := NewCalendar(c)
	dept, _ := c.Department("general-protocol")
	d := mustDate(t, "2026-03-03")
	if reason, closed := cal.DayClosed(dept, d, c.Closures); !closed || reason != repairs {
		t.Errorf("catalog closure read from the store ignored: %+v, %v", reason, closed)
	}
	if on := cal.closuresOn(dept.Code, d, c.Closures); len(on) != 1 {
		t.Errorf("one closure in force counted %d times", len(on))
	}
}

func TestWindow(t *testing.T) {
	c := DefaultCatalog()
	cal := NewCalendar(c)
	athens := c.Location
	now := time.Date(2026, time.March, 2, 10, 0, 0, 0, athens)
	earliest, latest := cal.Window(now)
	if want := time.Date(2026, time.March, 2, 12, 0, 0, 0, athens); !earliest.Equal(want) {
		t.Errorf("earliest = %v, want %v", earliest, want)
	}
	// Horizon 30 days: 1 April is bookable to its end; 2 April is not.
	if want := time.Date(2026, time.April, 2, 0, 0, 0, 0, athens); !latest.Equal(want) {
		t.Errorf("latest = %v, want %v", latest, want)
	}
	// Late at night in UTC is already the next day in Athens.
	now = time.Date(2026, time.March, 1, 23, 30, 0, 0, time.UTC) // 01:30 on 2 March in Athens
	if _, latest := cal.Window(now); !latest.Equal(time.Date(2026, time.April, 2, 0, 0, 0, 0, athens)) {
		t.Errorf("latest from UTC evening = %v", latest)
	}
}

// TestDaylightSaving checks the weeks around both changes of 2026: local
// clock times stay 08:00-14:00 while the UTC offset moves.
func TestDaylightSaving(t *testing.T) {
	c := DefaultCatalog()
	cal := NewCalendar(c)
	svc, _ := c.Service("family-status")
	tests := []struct {
		name             string
		from, to, change string
		before, after    int // UTC offsets in hours
		open             int // weekdays that are not holidays
	}{
		{"Spring", "2026-03-23", "2026-04-03", "2026-03-29", 2, 3, 9}, // 25 March closed
		{"Autumn", "2026-10-19", "2026-10-30", "2026-10-25", 3, 2, 8}, // 26 and 28 October closed
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			change := mustDate(t, tt.change)
			open := 0
			for d := mustDate(t, tt.from); !mustDate(t, tt.to).Before(d); d = d.AddDays(1) {
				day := cal.ServiceDay(svc, d, nil, nil, time.Time{}, time.Time{})
				if day.Closed {
					continue
				}
				open++
				if len(day.Slots) != 24 {
					t.Fatalf("%s: %d slots, want 24", d, len(day.Slots))
				}
				want := tt.before
				if !d.Before(change) {
					want = tt.after
				}
				for i, s := range day.Slots {
					local := s.Start.In(c.Location)
					if _, off := local.Zone(); off != want*3600 {
						t.Errorf("%s slot %d: offset %d s, want %d h", d, i, off, want)
					}
					if got, wantClock := Clock(local.Hour()*60+local.Minute()), Clock(8*60+15*i); got != wantClock {
						t.Errorf("%s slot %d starts %s local, want %s", d, i, got, wantClock)
					}
					if s.End.Sub(s.Start) != 15*time.Minute {
						t.Errorf("%s slot %d lasts %v", d, i, s.End.Sub(s.Start))
					}
				}
				if utc := day.Slots[0].Start.UTC().Hour(); utc != 8-want {
					t.Errorf("%s: first slot at %02d:00 UTC, want %02d:00", d, utc, 8-want)
				}
			}
			if open != tt.open {
				t.Errorf("%d open days in the fortnight, want %d", open, tt.open)
			}
		})
	}
}

func TestDateBefore(t *testing.T) {
	days := []Date{{Year: 2025, Month: 12, Day: 31}, {Year: 2026, Month: 1, Day: 1}, {Year: 2026, Month: 1, Day: 9},
		{Year: 2026, Month: 1, Day: 10}, {Year: 2026, Month: 2, Day: 1}, {Year: 2026, Month: 10, Day: 1}, {Year: 2026, Month: 12, Day: 31}}
	for i, d := range days {
		for j, e := range days {
			if got, want := d.Before(e), i < j; got != want {
				t.Errorf("%v.Before(%v) = %v, want %v", d, e, got, want)
			}
			// As the dates' ISO texts order them.
			if got, want := d.Before(e), d.String() < e.String(); got != want {
				t.Errorf("%v.Before(%v) = %v, unlike their texts", d, e, got)
			}
		}
	}
}
