// Package ics writes the calendar files (iCalendar, RFC 5545) a citizen
// opens to put an appointment in their phone's calendar, or to take it out
// again: Write renders one Event, and Appointment describes a booking as
// one, from the catalog, in the citizen's language. It is pure, so that the
// conversation (a booking made, moved or cancelled by the citizen) and the
// notifications (a cancellation by staff, a closed day) write the same file
// for the same booking.
package ics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
)

// Event is one appointment as a calendar entry.
type Event struct {
	UID         string // stable per booking, so that a change replaces the entry
	Sequence    int    // grows with every change of the booking
	Stamp       time.Time
	Start, End  time.Time
	Summary     string // what and where, in one line
	Location    string // the street address
	Geo         *booking.Geo
	Description string
	// Alarms are how long before Start the calendar reminds, one VALARM
	// each; a cancelled event carries none.
	Alarms    []time.Duration
	Organizer Organizer
	Lang      booking.Lang // of the texts; also in PRODID
	Cancelled bool         // METHOD:CANCEL and STATUS:CANCELLED: calendars remove the entry
}

// Organizer is who holds the appointment: iTIP (RFC 5546) requires one on
// every published or cancelled event, and calendars show it.
type Organizer struct {
	Name  string
	Email string
}

// athensTZ describes Europe/Athens with the EU rule (last Sunday of March
// and October, at 01:00 UTC), so calendars show the local time even where
// they do not know the zone by name.
const athensTZ = "BEGIN:VTIMEZONE\r\n" +
	"TZID:Europe/Athens\r\n" +
	"BEGIN:DAYLIGHT\r\n" +
	"TZOFFSETFROM:+0200\r\n" +
	"TZOFFSETTO:+0300\r\n" +
	"TZNAME:EEST\r\n" +
	"DTSTART:19700329T030000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\n" +
	"TZOFFSETFROM:+0300\r\n" +
	"TZOFFSETTO:+0200\r\n" +
	"TZNAME:EET\r\n" +
	"DTSTART:19701025T040000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// athens is the zone the VTIMEZONE above describes.
var athens = mustZone("Europe/Athens")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("ics: time zone " + name + ": " + err.Error())
	}
	return loc
}

// Write renders e as an iCalendar file with times in Europe/Athens: lines
// end in CRLF and are folded at 75 octets without splitting a UTF-8
// character, texts are escaped, and the language of the texts is named.
func Write(e Event) []byte {
	var b strings.Builder
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	lang := strings.ToUpper(string(langOf(e.Lang)))
	langParam := ";LANGUAGE=" + string(langOf(e.Lang))
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//rantevou//rantevou appointments//"+lang)
	line("CALSCALE", "GREGORIAN")
	if e.Cancelled {
		line("METHOD", "CANCEL")
	} else {
		line("METHOD", "PUBLISH")
	}
	b.WriteString(athensTZ)
	line("BEGIN", "VEVENT")
	line("UID", escapeText(e.UID))
	line("DTSTAMP", e.Stamp.UTC().Format("20060102T150405Z"))
	line("SEQUENCE", strconv.Itoa(max(e.Sequence, 0)))
	line("DTSTART;TZID=Europe/Athens", e.Start.In(athens).Format("20060102T150405"))
	line("DTEND;TZID=Europe/Athens", e.End.In(athens).Format("20060102T150405"))
	line("SUMMARY"+langParam, escapeText(e.Summary))
	if e.Location != "" {
		line("LOCATION"+langParam, escapeText(e.Location))
	}
	if g := e.Geo; g != nil {
		line("GEO", strconv.FormatFloat(g.Lat, 'f', 6, 64)+";"+strconv.FormatFloat(g.Lon, 'f', 6, 64))
	}
	if e.Description != "" {
		line("DESCRIPTION"+langParam, escapeText(e.Description))
	}
	if e.Organizer.Email != "" {
		name := ""
		if e.Organizer.Name != "" {
			name = ";CN=" + quoteParam(e.Organizer.Name)
		}
		line("ORGANIZER"+name, "mailto:"+e.Organizer.Email)
	}
	if e.Cancelled {
		line("STATUS", "CANCELLED")
	} else {
		line("STATUS", "CONFIRMED")
		line("TRANSP", "OPAQUE")
		for _, before := range e.Alarms {
			if before <= 0 {
				continue
			}
			line("BEGIN", "VALARM")
			line("ACTION", "DISPLAY")
			line("DESCRIPTION"+langParam, escapeText(e.Summary))
			line("TRIGGER;RELATED=START", "-"+duration(before))
			line("END", "VALARM")
		}
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return []byte(b.String())
}

func langOf(l booking.Lang) booking.Lang {
	if l == booking.English {
		return booking.English
	}
	return booking.Greek
}

// duration writes d, rounded to the minute, as an RFC 5545 DURATION
// (3.3.6): 24h is "P1D", 2h "PT2H", 90m "PT1H30M".
func duration(d time.Duration) string {
	mins := int((d + 30*time.Second) / time.Minute)
	days, mins := mins/(24*60), mins%(24*60)
	hours, mins := mins/60, mins%60
	s := "P"
	if days > 0 {
		s += strconv.Itoa(days) + "D"
	}
	if hours > 0 || mins > 0 || days == 0 {
		s += "T"
		if hours > 0 {
			s += strconv.Itoa(hours) + "H"
		}
		if mins > 0 || hours == 0 {
			s += strconv.Itoa(mins) + "M"
		}
	}
	return s
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// quoteParam quotes a parameter value (RFC 5545 3.2), which may hold any
// character but a double quote and a control character.
func quoteParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

// writeFolded writes one content line, folded so that no line is longer than
// 75 octets without splitting a UTF-8 character (RFC 5545 3.1).
func writeFolded(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// FileName is the name of a booking's calendar file.
func FileName(ref string) string { return "rantevou-" + ref + ".ics" }

// UID is the calendar UID of booking ref in domain: the same for every file
// about the booking, so that each replaces the entry of the one before.
func UID(ref, domain string) string {
	if domain == "" {
		// No domain in the catalog: a reserved name, unique to this
		// software but honest about not being a real one.
		domain = "rantevou.invalid"
	}
	return fmt.Sprintf("rantevou-%s@%s", ref, domain)
}
