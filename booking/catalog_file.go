package booking

import (
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// catalogFile mirrors the TOML layout of a catalog file. Settings that have
// a default are pointers, so that an explicit zero (min_notice = "0s") can be
// told apart from a missing key.
type catalogFile struct {
	Office        Text               `toml:"office"`
	Domain        string             `toml:"domain"`
	Email         string             `toml:"email"`
	TimeZone      string             `toml:"time_zone"`
	SlotStep      *int               `toml:"slot_step"` // minutes
	HorizonDays   *int               `toml:"horizon_days"`
	MinNotice     *string            `toml:"min_notice"` // Go duration, e.g. "2h"
	MaxActive     *int               `toml:"max_active"`
	MaxPerService *int               `toml:"max_per_service"`
	MaxWaiting    *int               `toml:"max_waiting"`
	WaitDropAfter *int               `toml:"waitlist_drop_after"`
	Reminders     *[]string          `toml:"reminders"` // Go durations before the appointment
	Hours         *hoursFile         `toml:"hours"`     // for departments without their own
	LocalHolidays []localHolidayFile `toml:"local_holidays"`
	Overrides     []overrideFile     `toml:"holiday_overrides"`
	Closures      []closureFile      `toml:"closures"`
	Departments   []departmentFile   `toml:"departments"`
	Services      []serviceFile      `toml:"services"`
}

// hoursFile lists each weekday's opening periods as "HH:MM-HH:MM"; a break
// is the gap between two periods.
type hoursFile struct {
	Mon []string `toml:"mon"`
	Tue []string `toml:"tue"`
	Wed []string `toml:"wed"`
	Thu []string `toml:"thu"`
	Fri []string `toml:"fri"`
	Sat []string `toml:"sat"`
	Sun []string `toml:"sun"`
}

type localHolidayFile struct {
	Date string `toml:"date"` // "MM-DD"
	Name Text   `toml:"name"`
}

type overrideFile struct {
	Date string `toml:"date"` // "YYYY-MM-DD"
	Open bool   `toml:"open"`
	Name Text   `toml:"name"`
}

type closureFile struct {
	Department string `toml:"department"`
	Desk       string `toml:"desk"`
	From       string `toml:"from"` // "YYYY-MM-DD"
	To         string `toml:"to"`   // "YYYY-MM-DD"; empty means the same day as from
	Reason     Text   `toml:"reason"`
}

type departmentFile struct {
	Code    string     `toml:"code"`
	Name    Text       `toml:"name"`
	Phones  []string   `toml:"phones"`
	Email   string     `toml:"email"`
	Notes   Text       `toml:"notes"`
	Address Text       `toml:"address"`
	Geo     *geoFile   `toml:"geo"`
	Desks   []string   `toml:"desks"`
	Hours   *hoursFile `toml:"hours"`
	Slack   slackFile  `toml:"slack"`
}

// geoFile is a map point: geo = { lat = 40.6284, lon = 22.9517 }.
type geoFile struct {
	Lat *float64 `toml:"lat"`
	Lon *float64 `toml:"lon"`
}

type slackFile struct {
	Channel string   `toml:"channel"`
	Staff   []string `toml:"staff"`
	Lang    string   `toml:"lang"`
}

type serviceFile struct {
	Code       string   `toml:"code"`
	Department string   `toml:"department"`
	Name       Text     `toml:"name"`
	Duration   int      `toml:"duration"` // minutes
	Bring      Text     `toml:"bring"`
	Desks      []string `toml:"desks"`
}

// invalidf returns the EInvalid error of a bad catalog, naming the field at
// path so that whoever edits the file knows where to look.
func invalidf(path, format string, args ...any) *Error {
	return Errorf(EInvalid, "catalog: %s: %s", path, fmt.Sprintf(format, args...))
}

// ParseCatalog decodes a TOML catalog, fills in defaults, loads its time
// zone and validates it. Any problem is an *Error with code EInvalid whose
// message names the field.
func ParseCatalog(data []byte) (*Catalog, error) {
	var f catalogFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, Errorf(EInvalid, "catalog: %v", err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		// A misspelt key would otherwise be silently ignored.
		return nil, invalidf(locateKey(data, un[0]), "unknown key")
	}
	c, err := f.catalog()
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// catalog converts the file form into a Catalog with defaults filled in.
// It reports problems of form (a bad clock time, a bad date); rules that
// relate fields to each other are Validate's.
func (f *catalogFile) catalog() (*Catalog, error) {
	c := &Catalog{
		Office:        f.Office,
		Domain:        strings.ToLower(strings.TrimSpace(f.Domain)),
		Email:         strings.TrimSpace(f.Email),
		TimeZone:      f.TimeZone,
		SlotStep:      DefaultSlotStep,
		Horizon:       DefaultHorizon,
		MinNotice:     DefaultMinNotice,
		MaxActive:     DefaultMaxActive,
		MaxPerService: DefaultMaxPerService,
		MaxWaiting:    DefaultMaxWaiting,
		WaitDropAfter: DefaultDropAfter,
		Reminders:     append([]time.Duration(nil), DefaultReminders...),
	}
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "Local" {
		return nil, invalidf("time_zone", "%q: unknown time zone", c.TimeZone)
	}
	c.Location = loc
	if f.SlotStep != nil {
		c.SlotStep = time.Duration(*f.SlotStep) * time.Minute
	}
	if f.HorizonDays != nil {
		c.Horizon = *f.HorizonDays
	}
	if f.MinNotice != nil {
		d, err := time.ParseDuration(*f.MinNotice)
		if err != nil {
			return nil, invalidf("min_notice", "%q: want a duration such as \"2h\"", *f.MinNotice)
		}
		c.MinNotice = d
	}
	if f.MaxActive != nil {
		c.MaxActive = *f.MaxActive
	}
	if f.MaxPerService != nil {
		c.MaxPerService = *f.MaxPerService
	}
	if f.MaxWaiting != nil {
		c.MaxWaiting = *f.MaxWaiting
	}
	if f.WaitDropAfter != nil {
		c.WaitDropAfter = *f.WaitDropAfter
	}
	if f.Reminders != nil {
		c.Reminders = nil
		for i, s := range *f.Reminders {
			d, err := time.ParseDuration(s)
			if err != nil {
				return nil, invalidf(fmt.Sprintf("reminders[%d]", i), "%q: want a duration such as \"24h\"", s)
			}
			c.Reminders = append(c.Reminders, d)
		}
	}
	for i, h := range f.LocalHolidays {
		path := fmt.Sprintf("local_holidays[%d].date", i)
		t, err := time.Parse("01-02", h.Date)
		if err != nil {
			return nil, invalidf(path, "%q: want MM-DD", h.Date)
		}
		c.LocalHolidays = append(c.LocalHolidays, LocalHoliday{Month: t.Month(), Day: t.Day(), Name: h.Name})
	}
	for i, o := range f.Overrides {
		d, err := parseFileDate(fmt.Sprintf("holiday_overrides[%d].date", i), o.Date)
		if err != nil {
			return nil, err
		}
		c.Overrides = append(c.Overrides, HolidayOverride{Date: d, Open: o.Open, Name: o.Name})
	}
	for i, cl := range f.Closures {
		from, err := parseFileDate(fmt.Sprintf("closures[%d].from", i), cl.From)
		if err != nil {
			return nil, err
		}
		to := from
		if cl.To != "" {
			if to, err = parseFileDate(fmt.Sprintf("closures[%d].to", i), cl.To); err != nil {
				return nil, err
			}
		}
		c.Closures = append(c.Closures, Closure{Department: cl.Department, Desk: cl.Desk, From: from, To: to, Reason: cl.Reason})
	}
	// The top-level hours are checked on their own, under their own name,
	// even when every department gives its own: a mistake there would
	// surface, under another name, the day a department drops its own.
	var defaults *WeekHours
	if f.Hours != nil {
		h, err := f.Hours.weekHours("hours")
		if err != nil {
			return nil, err
		}
		if err := validHours("hours", h); err != nil {
			return nil, err
		}
		defaults = &h
	}
	for i, df := range f.Departments {
		path := fmt.Sprintf("departments[%d]", i)
		var hours WeekHours
		switch {
		case df.Hours != nil:
			h, err := df.Hours.weekHours(path + ".hours")
			if err != nil {
				return nil, err
			}
			hours = h
		case defaults != nil:
			hours = *defaults
		default:
			return nil, invalidf(path+".hours", "no opening hours (give them here or in a top-level [hours])")
		}
		lang := Lang(df.Slack.Lang)
		if lang == "" {
			lang = Greek
		}
		var geo *Geo
		if g := df.Geo; g != nil {
			if g.Lat == nil || g.Lon == nil {
				return nil, invalidf(path+".geo", "want both lat and lon, e.g. geo = { lat = 40.6284, lon = 22.9517 }")
			}
			geo = &Geo{Lat: *g.Lat, Lon: *g.Lon}
		}
		c.Departments = append(c.Departments, Department{
			Code:    df.Code,
			Name:    df.Name,
			Phones:  df.Phones,
			Email:   df.Email,
			Notes:   df.Notes,
			Address: df.Address,
			Geo:     geo,
			Desks:   df.Desks,
			Hours:   hours,
			Slack:   Slack{Channel: df.Slack.Channel, Staff: df.Slack.Staff, Lang: lang},
		})
	}
	for _, sf := range f.Services {
		c.Services = append(c.Services, Service{
			Code:       sf.Code,
			Department: sf.Department,
			Name:       sf.Name,
			Duration:   time.Duration(sf.Duration) * time.Minute,
			Bring:      sf.Bring,
			Desks:      sf.Desks,
		})
	}
	return c, nil
}

func parseFileDate(path, s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, invalidf(path, "%q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// weekHours parses each weekday's periods; Validate checks their order.
func (h *hoursFile) weekHours(path string) (WeekHours, error) {
	var w WeekHours
	days := []struct {
		key  string
		day  time.Weekday
		list []string
	}{
		{"mon", time.Monday, h.Mon}, {"tue", time.Tuesday, h.Tue}, {"wed", time.Wednesday, h.Wed},
		{"thu", time.Thursday, h.Thu}, {"fri", time.Friday, h.Fri}, {"sat", time.Saturday, h.Sat},
		{"sun", time.Sunday, h.Sun},
	}
	for _, d := range days {
		for _, s := range d.list {
			p, err := parsePeriod(s)
			if err != nil {
				return w, invalidf(path+"."+d.key, "%q: %v", s, err)
			}
			w[d.day] = append(w[d.day], p)
		}
	}
	return w, nil
}

// parsePeriod parses "HH:MM-HH:MM"; the end may be 24:00.
func parsePeriod(s string) (Period, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Period{}, fmt.Errorf("want HH:MM-HH:MM")
	}
	start, err := ParseClock(strings.TrimSpace(a))
	if err != nil {
		return Period{}, err
	}
	end, err := ParseClock(strings.TrimSpace(b))
	if err != nil {
		return Period{}, err
	}
	if end <= start {
		return Period{}, fmt.Errorf("end before start")
	}
	return Period{Start: start, End: end}, nil
}

// ParseClock parses a 24-hour "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (Clock, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q: want HH:MM", s)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q: want HH:MM", s)
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q: no such time of day", s)
	}
	return Clock(h*60 + m), nil
}

// locateKey names an unknown key as the catalog's errors name fields,
// with the index of the table it is in: "services[3].minutes", not
// "services.minutes" (which of thirteen?). The TOML decoder reports keys
// without indexes, so the document is read again as plain data to find
// the first table of an array that holds the key.
func locateKey(data []byte, key toml.Key) string {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return key.String()
	}
	var walk func(v any, rest toml.Key) (string, bool)
	walk = func(v any, rest toml.Key) (string, bool) {
		if len(rest) == 0 {
			return "", true
		}
		switch v := v.(type) {
		case map[string]any:
			next, ok := v[rest[0]]
			if !ok {
				return "", false
			}
			tail, ok := walk(next, rest[1:])
			if !ok {
				return "", false
			}
			return "." + rest[0] + tail, true
		case []map[string]any:
			for i, t := range v {
				if tail, ok := walk(t, rest); ok {
					return fmt.Sprintf("[%d]", i) + tail, true
				}
			}
		}
		return "", false
	}
	if path, ok := walk(doc, key); ok {
		return strings.TrimPrefix(path, ".")
	}
	return key.String()
}
