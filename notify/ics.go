package notify

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one appointment as a calendar entry.
type Event struct {
	UID         string // stable per booking, so a change replaces the entry
	Sequence    int    // grows with every change of the booking
	Start, End  time.Time
	Summary     string
	Location    string
	Description string
	Cancelled   bool // METHOD:CANCEL and STATUS:CANCELLED: calendars remove it
	Stamp       time.Time
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
		panic("notify: time zone " + name + ": " + err.Error())
	}
	return loc
}

// ICS renders e as an iCalendar (RFC 5545) file with times in Europe/Athens.
func ICS(e Event) []byte {
	var b strings.Builder
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//rantevou//rantevou//EL")
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
	line("SEQUENCE", strconv.Itoa(e.Sequence))
	line("DTSTART;TZID=Europe/Athens", e.Start.In(athens).Format("20060102T150405"))
	line("DTEND;TZID=Europe/Athens", e.End.In(athens).Format("20060102T150405"))
	line("SUMMARY", escapeText(e.Summary))
	if e.Location != "" {
		line("LOCATION", escapeText(e.Location))
	}
	if e.Description != "" {
		line("DESCRIPTION", escapeText(e.Description))
	}
	if e.Cancelled {
		line("STATUS", "CANCELLED")
	} else {
		line("STATUS", "CONFIRMED")
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return []byte(b.String())
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
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
