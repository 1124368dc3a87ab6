package booking

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	// The binary may run in a minimal container without /usr/share/zoneinfo;
	// Europe/Athens must still load, or every slot would be computed in UTC.
	_ "time/tzdata"
)

// Defaults applied by ParseCatalog when the file leaves a setting out.
const (
	DefaultSlotStep      = 15 * time.Minute
	DefaultHorizon       = 30 // days
	DefaultMinNotice     = 2 * time.Hour
	DefaultMaxActive     = 2
	DefaultMaxPerService = 1
	DefaultTimeZone      = "Europe/Athens"
)

// DefaultReminders are the reminder offsets before an appointment used when
// the catalog names none.
var DefaultReminders = []time.Duration{24 * time.Hour, 2 * time.Hour}

//go:embed thessaloniki.toml
var defaultCatalogFile []byte

// DefaultCatalog returns the built-in catalog of the City of Thessaloniki.
// Each call returns a fresh copy, so a caller may modify it. It panics only if
// the embedded file is broken, which a test guards against.
func DefaultCatalog() *Catalog {
	c, err := ParseCatalog(defaultCatalogFile)
	if err != nil {
		panic("booking: embedded thessaloniki.toml: " + err.Error())
	}
	return c
}

// LoadCatalog reads and parses the catalog file at path (CATALOG_FILE);
// an empty path means the built-in DefaultCatalog.
func LoadCatalog(path string) (*Catalog, error) {
	if path == "" {
		return DefaultCatalog(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: load: %w", err)
	}
	return ParseCatalog(data)
}

// Department returns the department with code.
func (c *Catalog) Department(code string) (*Department, bool) {
	for i := range c.Departments {
		if c.Departments[i].Code == code {
			return &c.Departments[i], true
		}
	}
	return nil, false
}

// Service returns the service with code.
func (c *Catalog) Service(code string) (*Service, bool) {
	for i := range c.Services {
		if c.Services[i].Code == code {
			return &c.Services[i], true
		}
	}
	return nil, false
}

// ServiceName returns the name of the service with code, or the code itself
// for a service no longer in the catalog: an old booking may still name one,
// and its citizen and staff must read something.
func (c *Catalog) ServiceName(code string) Text {
	if s, ok := c.Service(code); ok {
		return s.Name
	}
	return Text{EL: code}
}

// DepartmentName returns the name of the department with code, or the code
// itself for one no longer in the catalog, as ServiceName does.
func (c *Catalog) DepartmentName(code string) Text {
	if d, ok := c.Department(code); ok {
		return d.Name
	}
	return Text{EL: code}
}

// WaitingLimit returns how many entries a citizen may have on the waiting
// list: MaxWaiting, or DefaultMaxWaiting when it is not set.
func (c *Catalog) WaitingLimit() int {
	if c.MaxWaiting > 0 {
		return c.MaxWaiting
	}
	return DefaultMaxWaiting
}

// WaitDrops returns how many offers in a row a citizen may let run out
// before they are taken off the waiting list: WaitDropAfter, or
// DefaultDropAfter when it is not set.
func (c *Catalog) WaitDrops() int {
	if c.WaitDropAfter > 0 {
		return c.WaitDropAfter
	}
	return DefaultDropAfter
}

// ServicesOf returns the services of department, in catalog order.
func (c *Catalog) ServicesOf(department string) []Service {
	var out []Service
	for _, s := range c.Services {
		if s.Department == department {
			out = append(out, s)
		}
	}
	return out
}

// StaffDepartments returns the codes of the departments whose staff list
// holds slackUserID, in catalog order.
func (c *Catalog) StaffDepartments(slackUserID string) []string {
	var out []string
	for _, d := range c.Departments {
		if slackUserID != "" && slices.Contains(d.Slack.Staff, slackUserID) {
			out = append(out, d.Code)
		}
	}
	return out
}

// DesksIn returns the desks of d that may serve s, in the department's
// order: every desk unless the service is restricted to some of them.
func (s *Service) DesksIn(d *Department) []string {
	if len(s.Desks) == 0 {
		return slices.Clone(d.Desks)
	}
	var out []string
	for _, desk := range d.Desks {
		if slices.Contains(s.Desks, desk) {
			out = append(out, desk)
		}
	}
	return out
}

// Validate checks the rules that relate the catalog's fields to each other:
// unique codes, known departments and desks, durations on the slot grid,
// ordered opening hours, Greek names present. The error is an *Error with
// code EInvalid naming the first bad field.
func (c *Catalog) Validate() error {
	if c.Location == nil {
		return invalidf("time_zone", "%q: no location loaded", c.TimeZone)
	}
	if c.Domain != "" && !validDomain(c.Domain) {
		return invalidf("domain", "%q: want an internet domain such as \"thessaloniki.gr\"", c.Domain)
	}
	if c.Email != "" && !validEmail(c.Email) {
		return invalidf("email", "%q: want an e-mail address", c.Email)
	}
	if c.SlotStep < time.Minute || c.SlotStep%time.Minute != 0 || c.SlotStep > 24*time.Hour {
		return invalidf("slot_step", "%v: want a whole number of minutes between 1 and 1440", c.SlotStep)
	}
	if c.Horizon < 1 || c.Horizon > 366 {
		return invalidf("horizon_days", "%d: want 1 to 366 days", c.Horizon)
	}
	if c.MinNotice < 0 {
		return invalidf("min_notice", "%v: negative", c.MinNotice)
	}
	if c.MaxActive < 1 {
		return invalidf("max_active", "%d: want at least 1", c.MaxActive)
	}
	if c.MaxPerService < 1 || c.MaxPerService > c.MaxActive {
		return invalidf("max_per_service", "%d: want 1 to max_active (%d)", c.MaxPerService, c.MaxActive)
	}
	if c.MaxWaiting < 0 || c.MaxWaiting > 20 {
		return invalidf("max_waiting", "%d: want 1 to 20 entries", c.MaxWaiting)
	}
	if c.WaitDropAfter < 0 || c.WaitDropAfter > 20 {
		return invalidf("waitlist_drop_after", "%d: want 1 to 20 offers", c.WaitDropAfter)
	}
	for i, r := range c.Reminders {
		if r <= 0 {
			return invalidf(fmt.Sprintf("reminders[%d]", i), "%v: want a positive offset before the appointment", r)
		}
		if slices.Contains(c.Reminders[:i], r) {
			return invalidf(fmt.Sprintf("reminders[%d]", i), "%v: duplicate", r)
		}
	}
	for i, h := range c.LocalHolidays {
		path := fmt.Sprintf("local_holidays[%d]", i)
		if h.Month < time.January || h.Month > time.December || h.Day < 1 ||
			h.Day > time.Date(2024, h.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			return invalidf(path+".date", "%02d-%02d: no such day", int(h.Month), h.Day)
		}
		if h.Name.EL == "" {
			return invalidf(path+".name.el", "empty Greek name")
		}
	}
	for i, o := range c.Overrides {
		path := fmt.Sprintf("holiday_overrides[%d]", i)
		if !validDate(o.Date) {
			return invalidf(path+".date", "%s: no such day", o.Date)
		}
		if !o.Open && o.Name.EL == "" {
			return invalidf(path+".name.el", "empty Greek name for a closed day")
		}
		for _, p := range c.Overrides[:i] {
			if p.Date == o.Date {
				return invalidf(path+".date", "%s: overridden twice", o.Date)
			}
		}
	}
	for i := range c.Departments {
		if err := c.validateDepartment(i); err != nil {
			return err
		}
	}
	for i := range c.Services {
		if err := c.validateService(i); err != nil {
			return err
		}
	}
	for i, cl := range c.Closures {
		path := fmt.Sprintf("closures[%d]", i)
		d, ok := c.Department(cl.Department)
		if !ok {
			return invalidf(path+".department", "%q: unknown department", cl.Department)
		}
		if cl.Desk != "" && !slices.Contains(d.Desks, cl.Desk) {
			return invalidf(path+".desk", "%q: no such desk in department %q", cl.Desk, d.Code)
		}
		if !validDate(cl.From) || !validDate(cl.To) || cl.To.Before(cl.From) {
			return invalidf(path+".to", "%s: before from (%s)", cl.To, cl.From)
		}
	}
	return nil
}

func (c *Catalog) validateDepartment(i int) error {
	d := &c.Departments[i]
	path := fmt.Sprintf("departments[%d]", i)
	if err := validCode(path+".code", d.Code); err != nil {
		return err
	}
	for _, p := range c.Departments[:i] {
		if p.Code == d.Code {
			return invalidf(path+".code", "%q: duplicate department code", d.Code)
		}
	}
	if d.Name.EL == "" {
		return invalidf(path+".name.el", "empty Greek name")
	}
	if len(d.Desks) == 0 {
		return invalidf(path+".desks", "no desks")
	}
	for j, desk := range d.Desks {
		if err := validCode(fmt.Sprintf("%s.desks[%d]", path, j), desk); err != nil {
			return err
		}
		if slices.Contains(d.Desks[:j], desk) {
			return invalidf(fmt.Sprintf("%s.desks[%d]", path, j), "%q: duplicate desk", desk)
		}
	}
	if d.Email != "" && !validEmail(d.Email) {
		return invalidf(path+".email", "%q: want an e-mail address", d.Email)
	}
	if d.Address.EL == "" && d.Address.EN != "" {
		return invalidf(path+".address.el", "empty Greek address")
	}
	if g := d.Geo; g != nil {
		switch {
		case !(g.Lat >= -90 && g.Lat <= 90):
			return invalidf(path+".geo.lat", "%v: want degrees north, -90 to 90", g.Lat)
		case !(g.Lon >= -180 && g.Lon <= 180):
			return invalidf(path+".geo.lon", "%v: want degrees east, -180 to 180", g.Lon)
		case g.Lat == 0 && g.Lon == 0:
			return invalidf(path+".geo", "0, 0 is in the Gulf of Guinea: give the department's coordinates")
		case d.Address.EL == "":
			return invalidf(path+".address", "a map point without an address: give the street address too")
		}
	}
	if err := validHours(path+".hours", d.Hours); err != nil {
		return err
	}
	open := false
	for _, periods := range d.Hours {
		open = open || len(periods) > 0
	}
	if !open {
		return invalidf(path+".hours", "never open")
	}
	switch d.Slack.Lang {
	case Greek, English:
	default:
		return invalidf(path+".slack.lang", "%q: want \"el\" or \"en\"", d.Slack.Lang)
	}
	return nil
}

func (c *Catalog) validateService(i int) error {
	s := &c.Services[i]
	path := fmt.Sprintf("services[%d]", i)
	if err := validCode(path+".code", s.Code); err != nil {
		return err
	}
	for _, p := range c.Services[:i] {
		if p.Code == s.Code {
			return invalidf(path+".code", "%q: duplicate service code", s.Code)
		}
	}
	d, ok := c.Department(s.Department)
	if !ok {
		return invalidf(path+".department", "%q: unknown department", s.Department)
	}
	if s.Name.EL == "" {
		return invalidf(path+".name.el", "empty Greek name")
	}
	mins, step := int(s.Duration/time.Minute), int(c.SlotStep/time.Minute)
	if s.Duration <= 0 {
		return invalidf(path+".duration", "%d minutes: want a positive duration", mins)
	}
	if s.Duration%c.SlotStep != 0 {
		return invalidf(path+".duration", "%d minutes is not a multiple of the %d-minute slot step", mins, step)
	}
	fits := false
	for _, periods := range d.Hours {
		for _, p := range periods {
			fits = fits || time.Duration(p.End-p.Start)*time.Minute >= s.Duration
		}
	}
	if !fits {
		return invalidf(path+".duration", "%d minutes fits in no opening period of %q", mins, d.Code)
	}
	for j, desk := range s.Desks {
		if !slices.Contains(d.Desks, desk) {
			return invalidf(fmt.Sprintf("%s.desks[%d]", path, j), "%q: no such desk in department %q", desk, d.Code)
		}
		if slices.Contains(s.Desks[:j], desk) {
			return invalidf(fmt.Sprintf("%s.desks[%d]", path, j), "%q: duplicate desk", desk)
		}
	}
	return nil
}

// validHours checks that each day's periods run forward, within the day
// and in order; path names the hours in errors.
func validHours(path string, h WeekHours) error {
	for wd, periods := range h {
		key := path + "." + weekdayKeys[wd]
		for j, p := range periods {
			if p.Start < 0 || p.End > 24*60 || p.End <= p.Start {
				return invalidf(key, "%q: end before start", p.Start.String()+"-"+p.End.String())
			}
			if j > 0 && p.Start < periods[j-1].End {
				return invalidf(key, "%q: overlaps or precedes the period before it", p.Start.String()+"-"+p.End.String())
			}
		}
	}
	return nil
}

// weekdayKeys are the catalog file's keys for time.Weekday values.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// validCode accepts short lower-case codes of letters, digits, '-' and '_':
// codes travel inside Telegram callback data (64 bytes) and Slack commands.
func validCode(path, code string) error {
	if code == "" {
		return invalidf(path, "empty code")
	}
	if len(code) > 32 {
		return invalidf(path, "%q: longer than 32 characters", code)
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r >= 'A' && r <= 'Z') {
			return invalidf(path, "%q: use only ASCII letters, digits, '-' and '_'", code)
		}
	}
	return nil
}

func validDate(d Date) bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		d.Day <= time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() && d.Year > 0
}

// validDomain accepts a DNS name of at least two labels of letters, digits
// and inner hyphens.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// validEmail accepts local@domain with no spaces, as calendars and mail
// clients need it; it does not try to be RFC 5322.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && !strings.ContainsAny(e, " \t\"<>,;:") && validDomain(strings.ToLower(domain))
}
