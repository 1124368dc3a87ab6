// Package booking is the domain of rantevou: the office's catalog
// (departments, services, desks, hours), its calendar (holidays, closures,
// daylight-saving, the office's time zone), the rules a booking must obey
// (phone numbers among them), the notifications each change writes and what
// each carries, and the typed errors that adapters turn into friendly
// messages. It does no I/O of its own: the Store interface it declares is
// implemented by package postgres.
package booking

import (
	"fmt"
	"strconv"
	"time"
)

// Lang is a citizen's or staff member's language.
type Lang string

const (
	Greek   Lang = "el"
	English Lang = "en"
)

// Text is a phrase in both languages of the office.
type Text struct {
	EL string `toml:"el" json:"el"`
	EN string `toml:"en" json:"en"`
}

// In returns the phrase in lang, falling back to Greek.
func (t Text) In(lang Lang) string {
	if lang == English && t.EN != "" {
		return t.EN
	}
	return t.EL
}

// Date is a calendar day in the office's time zone, without a time.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EInvalid, "date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// At returns the instant at local clock time hh:mm on d in loc. Across a
// daylight-saving change it follows time.Date's rules.
func (d Date) At(c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}

// Midnight returns the start of d in loc.
func (d Date) Midnight(loc *time.Location) time.Time { return d.At(0, loc) }

// AddDays returns the date n days after d.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// Clock is a local wall-clock time as minutes after midnight (08:30 = 510).
type Clock int

// ClockOf returns the local clock time of t in loc, to the minute.
func ClockOf(t time.Time, loc *time.Location) Clock {
	l := t.In(loc)
	return Clock(l.Hour()*60 + l.Minute())
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Period is an opening period within a day, [Start, End).
type Period struct {
	Start, End Clock
}

// WeekHours holds the opening periods of each weekday, indexed by
// time.Weekday. A break is the gap between two periods of one day.
type WeekHours [7][]Period

// Department is one office that receives citizens, e.g. the Civil Registry.
type Department struct {
	Code   string
	Name   Text
	Phones []string
	Email  string
	Notes  Text
	// Address is where citizens come, as written on a letter: «Βασιλέως
	// Γεωργίου 1, 546 40 Θεσσαλονίκη». Empty if the catalog gives none.
	Address Text
	// Geo is the point of Address on a map, for a map pin and the calendar
	// file's GEO; nil if the catalog gives none.
	Geo   *Geo
	Desks []string  // desk codes, unique within the department
	Hours WeekHours // opening hours; a weekday without periods is closed
	Slack Slack
}

// Geo is a point on the map in WGS 84 degrees, as Telegram's locations and
// the calendar's GEO take it: latitude north, longitude east.
type Geo struct {
	Lat, Lon float64
}

// Slack says where a department's staff read and who they are.
type Slack struct {
	Channel string   // channel ID for rosters and alerts
	Staff   []string // Slack user IDs allowed to act on this department
	Lang    Lang     // language of rosters and alerts; Greek by default
}

// Service is something a citizen books, e.g. a birth certificate.
type Service struct {
	Code       string
	Department string
	Name       Text
	Duration   time.Duration
	Bring      Text     // what to bring
	Desks      []string // desks that serve it; empty means every desk of the department
}

// LocalHoliday is a yearly holiday of the municipality, e.g. Saint Demetrius
// on 26 October in Thessaloniki.
type LocalHoliday struct {
	Month time.Month
	Day   int
	Name  Text
}

// HolidayOverride changes one national holiday by decree: Open true makes a
// holiday date a working day, otherwise the date is closed with Name.
type HolidayOverride struct {
	Date Date
	Open bool
	Name Text
}

// Closure closes a department, or one desk of it, over whole days [From, To].
type Closure struct {
	ID         int64
	Department string
	Desk       string // empty: the whole department
	From, To   Date
	Reason     Text
}

// Catalog describes the office. It is loaded from a file (or the built-in
// default), validated once at start and then only read.
type Catalog struct {
	Office Text
	// Domain is the office's internet domain, e.g. "thessaloniki.gr": it
	// makes the calendar files' UIDs unique in the world, so it must not
	// change once citizens have appointments in their calendars.
	Domain string
	// Email is the office's general address, the calendar files'
	// organizer for a department that has none of its own.
	Email         string
	TimeZone      string
	Location      *time.Location
	SlotStep      time.Duration // grid of start times from each period's start; every Duration is a multiple
	Horizon       int           // days ahead that can be booked
	MinNotice     time.Duration // earliest booking is now + MinNotice
	MaxActive     int           // active future bookings per citizen
	MaxPerService int           // active future bookings per citizen and service
	MaxWaiting    int           // entries per citizen on the waiting list; DefaultMaxWaiting if 0
	WaitDropAfter int           // offers left to run out in a row before a citizen leaves the list; DefaultDropAfter if 0
	Reminders     []time.Duration
	LocalHolidays []LocalHoliday
	Overrides     []HolidayOverride
	Closures      []Closure // closures known in advance; staff add more at run time
	Departments   []Department
	Services      []Service
}

// Interval is a desk's busy time.
type Interval struct {
	Desk       string
	Start, End time.Time
}

// Slot is a start time at which a service can be booked.
type Slot struct {
	Start, End time.Time
}

// Day is the availability of one date for one service (or department).
type Day struct {
	Date   Date
	Closed bool // closed all day: Reason says why (holiday name, closure reason, weekend)
	Reason Text
	Slots  []Slot // free start times in order; empty on a full or closed day
}

// Status is the life cycle of a booking.
type Status string

const (
	Active    Status = "active"
	Cancelled Status = "cancelled"
	Attended  Status = "attended"
	NoShow    Status = "no_show"
)

// Citizen is a person: known by their Telegram user ID (which is also
// their private chat ID), by the phone number staff booked them with, or
// by both once they shared that number as their own contact in the bot
// (Office.LinkTelegram).
type Citizen struct {
	ID         int64 // the store's; 0 until stored
	TelegramID int64 // 0: not linked to a Telegram account (booked by phone or at the desk)
	Name       string
	Phone      string
	Lang       Lang
}

// Booking is one appointment.
type Booking struct {
	ID           int64
	Ref          string // short reference code quoted at the desk, e.g. "K7P4QX"
	Department   string
	Service      string
	Desk         string
	Start, End   time.Time
	Status       Status
	Citizen      Citizen // contact given for this booking; ID and TelegramID are the citizen's as they are now
	Via          Via     // the channel it was made through
	CancelReason string
	CreatedAt    time.Time
	// HeldUntil is, for the hold row of an offer (Status Offered), until
	// when its place is kept; zero once the offer has ended, and for
	// every other booking.
	HeldUntil time.Time
}

// ActorKind says who acts.
type ActorKind string

const (
	ActorCitizen ActorKind = "citizen"
	ActorStaff   ActorKind = "staff"
	ActorSystem  ActorKind = "system"
)

// Actor is whoever causes a change; it goes into the audit log.
type Actor struct {
	Kind ActorKind
	ID   string // Telegram user ID for citizens, Slack user ID for staff
	Name string
}

// citizenActor is the citizen of Telegram user telegramID as an Actor.
func citizenActor(telegramID int64) Actor {
	return Actor{Kind: ActorCitizen, ID: strconv.FormatInt(telegramID, 10)}
}
