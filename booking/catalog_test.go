package booking

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultCatalog(t *testing.T) {
	c := DefaultCatalog()
	var codes []string
	for _, d := range c.Departments {
		codes = append(codes, d.Code)
	}
	if want := []string{"civil-registry", "registry-office", "general-protocol", "transparency"}; !slices.Equal(codes, want) {
		t.Fatalf("departments = %v, want %v", codes, want)
	}
	if c.Location.String() != "Europe/Athens" || c.SlotStep != 15*time.Minute || c.Horizon != 30 ||
		c.MinNotice != 2*time.Hour || c.MaxActive != 2 || c.MaxPerService != 1 {
		t.Errorf("settings = %s %v %d %v %d %d", c.Location, c.SlotStep, c.Horizon, c.MinNotice, c.MaxActive, c.MaxPerService)
	}
	if !slices.Equal(c.Reminders, []time.Duration{24 * time.Hour, 2 * time.Hour}) {
		t.Errorf("reminders = %v", c.Reminders)
	}
	weekday := []Period{{Start: 8 * 60, End: 14 * 60}}
	for _, d := range c.Departments {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			open := wd != time.Saturday && wd != time.Sunday
			if got := d.Hours[wd]; open && !slices.Equal(got, weekday) || !open && len(got) != 0 {
				t.Errorf("%s hours on %v = %v", d.Code, wd, got)
			}
		}
		if n := len(d.Desks); n < 2 || n > 4 {
			t.Errorf("%s has %d desks, want 2 to 4", d.Code, n)
		}
		if d.Name.EN == "" || d.Slack.Channel == "" || len(d.Slack.Staff) == 0 || d.Slack.Lang != Greek {
			t.Errorf("%s: incomplete department %+v", d.Code, d)
		}
		if len(c.ServicesOf(d.Code)) < 2 {
			t.Errorf("%s has fewer than 2 services", d.Code)
		}
	}
	contacts := map[string]struct {
		phones []string
		email  string
	}{
		"civil-registry":   {[]string{"2313317777"}, ""},
		"registry-office":  {[]string{"2313317777", "2313317413", "2313317504"}, ""},
		"general-protocol": {nil, "info@thessaloniki.gr"},
		"transparency":     {[]string{"2313317390", "2313317854", "2313317394", "2313317421"}, "diafaneia@thessaloniki.gr"},
	}
	for code, want := range contacts {
		d, _ := c.Department(code)
		if !slices.Equal(d.Phones, want.phones) || d.Email != want.email {
			t.Errorf("%s contacts = %v %q, want %v %q", code, d.Phones, d.Email, want.phones, want.email)
		}
	}
	for _, s := range c.Services {
		if s.Duration < 15*time.Minute || s.Duration > 30*time.Minute {
			t.Errorf("%s lasts %v, want 15 to 30 minutes", s.Code, s.Duration)
		}
		if s.Name.EN == "" || s.Bring.EL == "" || s.Bring.EN == "" {
			t.Errorf("%s: missing English name or what to bring", s.Code)
		}
	}
	if len(c.LocalHolidays) != 1 || c.LocalHolidays[0].Month != time.October || c.LocalHolidays[0].Day != 26 {
		t.Errorf("local holidays = %+v, want 26 October", c.LocalHolidays)
	}
	// Each call is a fresh copy: a caller's change must not leak.
	c.Departments[0].Code = "changed"
	if d := DefaultCatalog(); d.Departments[0].Code != "civil-registry" {
		t.Error("DefaultCatalog returned a shared catalog")
	}
}

// TestDefaultCatalogPlaces: every built-in department says where it is, in
// both languages, with a point on the map near Thessaloniki.
func TestDefaultCatalogPlaces(t *testing.T) {
	for _, d := range DefaultCatalog().Departments {
		if d.Address.EL == "" || d.Address.EN == "" || d.Geo == nil {
			t.Errorf("%s: address %+v, geo %v", d.Code, d.Address, d.Geo)
			continue
		}
		if d.Geo.Lat < 40.5 || d.Geo.Lat > 40.7 || d.Geo.Lon < 22.8 || d.Geo.Lon > 23.1 {
			t.Errorf("%s: %v is not in Thessaloniki", d.Code, *d.Geo)
		}
	}
}

func TestLoadCatalog(t *testing.T) {
	t.Run("EmptyPathIsDefault", func(t *testing.T) {
		c, err := LoadCatalog("")
		if err != nil || len(c.Departments) != 4 {
			t.Fatalf("LoadCatalog(\"\") = %v, %v", c, err)
		}
	})
	t.Run("File", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "catalog.toml")
		if err := os.WriteFile(path, []byte(minimalCatalog), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadCatalog(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Service("s-long"); !ok {
			t.Error("service s-long not loaded")
		}
	})
	t.Run("MissingFile", func(t *testing.T) {
		_, err := LoadCatalog(filepath.Join(t.TempDir(), "nope.toml"))
		if err == nil || !os.IsNotExist(unwrapAll(err)) {
			t.Fatalf("err = %v, want a not-exist error", err)
		}
	})
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// minimalCatalog is small and valid; the table of bad catalogs breaks it one
// field at a time.
const minimalCatalog = `
office = { el = "Δήμος", en = "Municipality" }

[hours]
mon = ["08:00-14:00"]
tue = ["08:00-14:00"]

[[local_holidays]]
date = "10-26"
name = { el = "Αγίου Δημητρίου", en = "Saint Demetrius" }

[[closures]]
department = "dept-a"
desk = "A2"
from = "2026-03-02"
reason = { el = "Βλάβη", en = "Out of order" }

[[departments]]
code = "dept-a"
name = { el = "Τμήμα Α", en = "Department A" }
desks = ["A1", "A2"]
slack = { channel = "C1", staff = ["U1", "U2"] }

[[departments]]
code = "dept-b"
name = { el = "Τμήμα Β", en = "Department B" }
desks = ["B1"]
slack = { channel = "C2", staff = ["U2"], lang = "en" }
[departments.hours]
mon = ["08:00-10:00", "10:30-14:00"]

[[services]]
code = "s-short"
department = "dept-a"
name = { el = "Σύντομη", en = "Short" }
duration = 15

[[services]]
code = "s-long"
department = "dept-a"
name = { el = "Μακριά", en = "Long" }
duration = 30
desks = ["A2"]

[[services]]
code = "s-b"
department = "dept-b"
name = { el = "Υπηρεσία Β", en = "Service B" }
duration = 15
`

func TestParseCatalogDefaults(t *testing.T) {
	c, err := ParseCatalog([]byte(minimalCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone != "Europe/Athens" || c.SlotStep != DefaultSlotStep || c.Horizon != DefaultHorizon ||
		c.MinNotice != DefaultMinNotice || c.MaxActive != 2 || c.MaxPerService != 1 ||
		!slices.Equal(c.Reminders, DefaultReminders) {
		t.Errorf("defaults not filled: %+v", c)
	}
	a, _ := c.Department("dept-a")
	b, _ := c.Department("dept-b")
	if !slices.Equal(a.Hours[time.Tuesday], []Period{{480, 840}}) {
		t.Errorf("dept-a did not inherit the top-level hours: %v", a.Hours)
	}
	if !slices.Equal(b.Hours[time.Monday], []Period{{480, 600}, {630, 840}}) || len(b.Hours[time.Tuesday]) != 0 {
		t.Errorf("dept-b hours = %v", b.Hours)
	}
	if a.Slack.Lang != Greek || b.Slack.Lang != English {
		t.Errorf("slack languages = %q %q", a.Slack.Lang, b.Slack.Lang)
	}
	if cl := c.Closures[0]; cl.From != cl.To || cl.From != (Date{2026, time.March, 2}) {
		t.Errorf("one-day closure = %+v", cl)
	}
}

func TestParseCatalogExplicitZeroes(t *testing.T) {
	c, err := ParseCatalog([]byte(`min_notice = "0s"
reminders = []
` + minimalCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if c.MinNotice != 0 || len(c.Reminders) != 0 {
		t.Errorf("min_notice %v, reminders %v: explicit zero values were replaced by defaults", c.MinNotice, c.Reminders)
	}
}

// atEnd makes a TestParseCatalogInvalid case append its text: a table
// header would otherwise swallow the keys that follow it.
const atEnd = "<end>"

func TestParseCatalogInvalid(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace the first old by new in minimalCatalog ("": prepend new, atEnd: append it)
		want     string
	}{
		{"DurationNotOnGrid", "duration = 30", "duration = 20",
			"catalog: services[1].duration: 20 minutes is not a multiple of the 15-minute slot step"},
		{"ZeroDuration", "duration = 30", "duration = 0", "services[1].duration: 0 minutes: want a positive duration"},
		{"DurationFitsNoPeriod", "name = { el = \"Υπηρεσία Β\", en = \"Service B\" }\nduration = 15", "name = { el = \"Υπηρεσία Β\", en = \"Service B\" }\nduration = 225",
			"services[2].duration: 225 minutes fits in no opening period"},
		{"EndBeforeStart", `mon = ["08:00-10:00", "10:30-14:00"]`, `mon = ["14:00-08:00"]`,
			`catalog: departments[1].hours.mon: "14:00-08:00": end before start`},
		{"OverlappingPeriods", `mon = ["08:00-10:00", "10:30-14:00"]`, `mon = ["08:00-11:00", "10:30-14:00"]`,
			"departments[1].hours.mon"},
		{"BadClock", `tue = ["08:00-14:00"]`, `tue = ["8:00-14:00"]`, `catalog: hours.tue: "8:00-14:00": "8:00": want HH:MM`},
		{"NoSuchTime", `tue = ["08:00-14:00"]`, `tue = ["08:00-25:00"]`, `"25:00": no such time of day`},
		{"NoHours", "[hours]\nmon = [\"08:00-14:00\"]\ntue = [\"08:00-14:00\"]\n", "", "departments[0].hours: no opening hours"},
		{"NeverOpen", "[hours]\nmon = [\"08:00-14:00\"]\ntue = [\"08:00-14:00\"]\n", "[hours]\n", "departments[0].hours: never open"},
		{"UnknownDepartment", `department = "dept-b"`, `department = "dept-x"`, `services[2].department: "dept-x": unknown department`},
		{"DuplicateServiceCode", `code = "s-long"`, `code = "s-short"`, `services[1].code: "s-short": duplicate service code`},
		{"DuplicateDepartmentCode", `code = "dept-b"`, `code = "dept-a"`, `departments[1].code: "dept-a": duplicate department code`},
		{"EmptyServiceCode", `code = "s-long"`, `code = ""`, "services[1].code: empty code"},
		{"BadCodeCharacters", `code = "s-long"`, `code = "s long/1"`, `services[1].code: "s long/1": use only`},
		{"UnknownDeskInRestriction", `desks = ["A2"]`, `desks = ["B1"]`, `services[1].desks[0]: "B1": no such desk in department "dept-a"`},
		{"DuplicateDesk", `desks = ["A1", "A2"]`, `desks = ["A1", "A1"]`, `departments[0].desks[1]: "A1": duplicate desk`},
		{"NoDesks", `desks = ["B1"]`, `desks = []`, "departments[1].desks: no desks"},
		{"BadTimeZone", "", `time_zone = "Europe/Atlantis"`, `time_zone: "Europe/Atlantis": unknown time zone`},
		{"EmptyGreekServiceName", `name = { el = "Μακριά", en = "Long" }`, `name = { en = "Long" }`, "services[1].name.el: empty Greek name"},
		{"EmptyGreekDepartmentName", `name = { el = "Τμήμα Β", en = "Department B" }`, `name = { el = "", en = "Department B" }`, "departments[1].name.el: empty Greek name"},
		{"UnknownKey", "", "colour = 1", "catalog: colour: unknown key"},
		{"UnknownNestedKey", `duration = 30`, "duration = 30\nminutes = 30", "catalog: services[1].minutes: unknown key"},
		{"UnknownKeyOfSecondDepartment", `lang = "en" }`, "lang = \"en\" }\nphone = \"2310\"", "catalog: departments[1].phone: unknown key"},
		{"UnknownKeyInInlineTable", `lang = "en" }`, "lang = \"en\", chanel = \"C9\" }", "catalog: departments[1].slack.chanel: unknown key"},
		{"UnknownKeyInHours", `mon = ["08:00-10:00", "10:30-14:00"]`, "mon = [\"08:00-10:00\", \"10:30-14:00\"]\nmonday = []", "catalog: departments[1].hours.monday: unknown key"},
		{"UnknownKeyOfClosure", `reason = { el = "Βλάβη", en = "Out of order" }`, "reason = { el = \"Βλάβη\", en = \"Out of order\" }\nuntil = \"2026-03-03\"", "catalog: closures[0].until: unknown key"},
		{"BadSlackLang", `lang = "en"`, `lang = "fr"`, `departments[1].slack.lang: "fr": want "el" or "en"`},
		{"BadMinNotice", "", `min_notice = "soon"`, `min_notice: "soon": want a duration`},
		{"NegativeMinNotice", "", `min_notice = "-1h"`, "min_notice: -1h0m0s: negative"},
		{"BadReminder", "", `reminders = ["1 day"]`, `reminders[0]: "1 day"`},
		{"DuplicateReminder", "", `reminders = ["2h", "120m"]`, "reminders[1]: 2h0m0s: duplicate"},
		{"ZeroSlotStep", "", "slot_step = 0", "slot_step: 0s"},
		{"ZeroHorizon", "", "horizon_days = 0", "horizon_days: 0: want 1 to 366 days"},
		{"MaxPerServiceAboveMaxActive", "", "max_active = 1\nmax_per_service = 2", "max_per_service: 2: want 1 to max_active (1)"},
		{"BadLocalHolidayDate", `date = "10-26"`, `date = "02-30"`, `local_holidays[0].date: "02-30": want MM-DD`},
		{"EmptyLocalHolidayName", `name = { el = "Αγίου Δημητρίου", en = "Saint Demetrius" }`, `name = { en = "Saint Demetrius" }`, "local_holidays[0].name.el: empty Greek name"},
		{"ClosureUnknownDesk", `desk = "A2"`, `desk = "B1"`, `closures[0].desk: "B1": no such desk in department "dept-a"`},
		{"ClosureUnknownDepartment", `department = "dept-a"`, `department = "nope"`, `closures[0].department: "nope": unknown department`},
		{"ClosureEndsBeforeStart", `from = "2026-03-02"`, "from = \"2026-03-02\"\nto = \"2026-03-01\"", "closures[0].to: 2026-03-01: before from (2026-03-02)"},
		{"ClosureBadDate", `from = "2026-03-02"`, `from = "2 March"`, `closures[0].from: "2 March": want YYYY-MM-DD`},
		{"OverrideTwice", atEnd, "[[holiday_overrides]]\ndate = \"2027-05-01\"\nopen = true\n[[holiday_overrides]]\ndate = \"2027-05-01\"\nopen = true\n",
			"holiday_overrides[1].date: 2027-05-01: overridden twice"},
		{"ClosedOverrideWithoutName", atEnd, "[[holiday_overrides]]\ndate = \"2027-05-04\"\n", "holiday_overrides[0].name.el: empty Greek name"},
		{"TOMLSyntax", "", "office = {", "catalog: toml:"},
		{"WrongType", `duration = 30`, `duration = "30m"`, "catalog: toml:"},
		{"BadDomain", "", `domain = "thessaloniki"`, `domain: "thessaloniki": want an internet domain`},
		{"BadEmail", "", `email = "info at thessaloniki.gr"`, `email: "info at thessaloniki.gr": want an e-mail address`},
		{"BadDepartmentEmail", `desks = ["B1"]`, "desks = [\"B1\"]\nemail = \"diafaneia@\"", `departments[1].email: "diafaneia@": want an e-mail address`},
		{"GeoWithoutAddress", `desks = ["B1"]`, "desks = [\"B1\"]\ngeo = { lat = 40.6, lon = 22.9 }", "departments[1].address: a map point without an address"},
		{"GeoWithoutLon", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { el = \"Οδός 1\" }\ngeo = { lat = 40.6 }", "departments[1].geo: want both lat and lon"},
		{"GeoLatOutOfRange", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { el = \"Οδός 1\" }\ngeo = { lat = 140.6, lon = 22.9 }", "departments[1].geo.lat: 140.6: want degrees north"},
		{"GeoLonOutOfRange", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { el = \"Οδός 1\" }\ngeo = { lat = 40.6, lon = 222.9 }", "departments[1].geo.lon: 222.9: want degrees east"},
		{"GeoZero", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { el = \"Οδός 1\" }\ngeo = { lat = 0, lon = 0 }", "departments[1].geo: 0, 0 is in the Gulf of Guinea"},
		{"AddressWithoutGreek", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { en = \"1 Street\" }", "departments[1].address.el: empty Greek address"},
		{"GeoNotATable", `desks = ["B1"]`, "desks = [\"B1\"]\naddress = { el = \"Οδός 1\" }\ngeo = [40.6, 22.9]", "catalog: toml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.new + "\n" + minimalCatalog
			if tt.old == atEnd {
				text = minimalCatalog + tt.new
			} else if tt.old != "" {
				if !strings.Contains(minimalCatalog, tt.old) {
					t.Fatalf("minimalCatalog has no %q", tt.old)
				}
				text = strings.Replace(minimalCatalog, tt.old, tt.new, 1)
			}
			c, err := ParseCatalog([]byte(text))
			if err == nil {
				t.Fatalf("ParseCatalog accepted a bad catalog: %+v", c)
			}
			if ErrorCode(err) != EInvalid {
				t.Errorf("code = %q, want %q (%v)", ErrorCode(err), EInvalid, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestCatalogTopLevelHours: the top-level [hours] are checked, and named
// as such, even when every department gives its own and none uses them.
func TestCatalogTopLevelHours(t *testing.T) {
	ownHours := strings.Replace(minimalCatalog, `slack = { channel = "C1", staff = ["U1", "U2"] }`,
		"slack = { channel = \"C1\", staff = [\"U1\", \"U2\"] }\n[departments.hours]\nmon = [\"08:00-14:00\"]", 1)
	if _, err := ParseCatalog([]byte(ownHours)); err != nil {
		t.Fatalf("the catalog with every department's own hours: %v", err)
	}
	for _, tc := range []struct{ name, bad, want string }{
		{"BadClock", `tue = ["8:00-14:00"]`, `catalog: hours.tue: "8:00-14:00": "8:00": want HH:MM`},
		{"EndBeforeStart", `tue = ["14:00-08:00"]`, `catalog: hours.tue: "14:00-08:00": end before start`},
		{"Overlap", `tue = ["08:00-11:00", "10:00-14:00"]`, `catalog: hours.tue: "10:00-14:00": overlaps`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, text := range map[string]string{"UsedByADepartment": minimalCatalog, "UsedByNone": ownHours} {
				_, err := ParseCatalog([]byte(strings.Replace(text, `tue = ["08:00-14:00"]`, tc.bad, 1)))
				if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "departments[") {
					t.Errorf("%s: err = %v, want %q", name, err, tc.want)
				}
			}
		})
	}
}

func TestCatalogLookups(t *testing.T) {
	c, err := ParseCatalog([]byte(minimalCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := c.Department("dept-b"); !ok || d.Name.EN != "Department B" {
		t.Errorf("Department(dept-b) = %v, %v", d, ok)
	}
	if _, ok := c.Department("nope"); ok {
		t.Error("Department(nope) found")
	}
	if _, ok := c.Service("nope"); ok {
		t.Error("Service(nope) found")
	}
	// A code no longer in the catalog (an old booking's) reads as itself,
	// in either language.
	if got := c.DepartmentName("dept-b"); got.EN != "Department B" {
		t.Errorf("DepartmentName(dept-b) = %+v", got)
	}
	if got := c.DepartmentName("gone").In(English); got != "gone" {
		t.Errorf("DepartmentName(gone) in English = %q", got)
	}
	if got := c.ServiceName("gone").In(Greek); got != "gone" {
		t.Errorf("ServiceName(gone) = %q", got)
	}
	var got []string
	for _, s := range c.ServicesOf("dept-a") {
		got = append(got, s.Code)
	}
	if !slices.Equal(got, []string{"s-short", "s-long"}) {
		t.Errorf("ServicesOf(dept-a) = %v", got)
	}
	if got := c.StaffDepartments("U2"); !slices.Equal(got, []string{"dept-a", "dept-b"}) {
		t.Errorf("StaffDepartments(U2) = %v", got)
	}
	if got := c.StaffDepartments("U9"); len(got) != 0 {
		t.Errorf("StaffDepartments(U9) = %v", got)
	}
	if got := c.StaffDepartments(""); len(got) != 0 {
		t.Errorf("StaffDepartments(\"\") = %v", got)
	}
	a, _ := c.Department("dept-a")
	short, _ := c.Service("s-short")
	long, _ := c.Service("s-long")
	if got := short.DesksIn(a); !slices.Equal(got, []string{"A1", "A2"}) {
		t.Errorf("unrestricted DesksIn = %v", got)
	}
	if got := long.DesksIn(a); !slices.Equal(got, []string{"A2"}) {
		t.Errorf("restricted DesksIn = %v", got)
	}
	// The result is the caller's: changing it must not change the catalog.
	short.DesksIn(a)[0] = "X"
	if a.Desks[0] != "A1" {
		t.Error("DesksIn returned the department's own slice")
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add(defaultCatalogFile)
	f.Add([]byte(minimalCatalog))
	f.Add([]byte(`[[departments]]
code = "x"
[departments.hours]
mon = ["24:00-24:00"]`))
	f.Add([]byte(`slot_step = -15`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog(data)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("code = %q, want %q: %v", ErrorCode(err), EInvalid, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed catalog fails Validate: %v", err)
		}
		for _, s := range c.Services {
			if _, ok := c.Department(s.Department); !ok || s.Duration%c.SlotStep != 0 {
				t.Fatalf("service %+v escaped validation", s)
			}
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"08:00-14:00", "14:00-08:00", "00:00-24:00", "8:00-9:00", "", "-", "24:01-24:02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePeriod(s)
		if err != nil {
			return
		}
		if p.Start < 0 || p.End > 24*60 || p.End <= p.Start {
			t.Fatalf("parsePeriod(%q) = %v", s, p)
		}
		// The canonical form parses back to the same period.
		again, err := parsePeriod(p.Start.String() + "-" + p.End.String())
		if err != nil || again != p {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
	})
}
