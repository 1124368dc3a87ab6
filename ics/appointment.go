package ics

import (
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Appointment describes booking b as a calendar entry, in the citizen's
// language, as of now: cancelled says the file takes the entry out again.
//
// Every file about a booking has the same UID, and a SEQUENCE of the
// seconds between the booking's creation and the file's writing. Files are
// written when the booking changes (or after, when the citizen asks for
// one), so each carries a higher SEQUENCE than any file before it, whoever
// wrote it: the conversation (booked, moved, cancelled by the citizen) or
// the notifications (cancelled by staff, a closed day).
func Appointment(c *booking.Catalog, b booking.Booking, now time.Time, cancelled bool) Event {
	lang := b.Citizen.Lang
	p := locales.For(lang)
	service := c.ServiceName(b.Service).In(lang)
	deptName := c.DepartmentName(b.Department).In(lang)
	office := c.Office.In(lang)
	var dept booking.Department
	if d, ok := c.Department(b.Department); ok {
		dept = *d
	}
	var bring string
	if s, ok := c.Service(b.Service); ok {
		bring = s.Bring.In(lang)
	}
	phone := ""
	if len(dept.Phones) > 0 {
		phone = booking.FormatPhone(dept.Phones[0])
	}
	data := map[string]any{"Service": service, "Department": deptName, "Office": office, "Ref": b.Ref,
		"Desk": b.Desk, "Bring": bring, "Phone": phone}
	location := dept.Address.In(lang)
	if location == "" {
		location = strings.Trim(office+", "+deptName, ", ")
	}
	seq := 0
	if !b.CreatedAt.IsZero() {
		seq = int(now.Sub(b.CreatedAt) / time.Second)
	}
	if cancelled && seq == 0 {
		seq = 1 // above the file of the booking made this very second
	}
	e := Event{
		UID:         UID(b.Ref, c.Domain),
		Sequence:    seq,
		Stamp:       now,
		Start:       b.Start,
		End:         b.End,
		Summary:     p.T("ics_summary", data),
		Location:    location,
		Geo:         dept.Geo,
		Description: p.T("ics_description", data),
		Organizer:   organizer(c, dept, office, deptName),
		Lang:        lang,
		Cancelled:   cancelled,
	}
	if !cancelled {
		e.Alarms = append([]time.Duration(nil), c.Reminders...)
	}
	return e
}

// organizer is the department, by the office's name and the department's
// e-mail, else the office's; with neither, a no-reply address of the
// office's domain, since iTIP requires an organizer.
func organizer(c *booking.Catalog, d booking.Department, office, dept string) Organizer {
	email := d.Email
	if email == "" {
		email = c.Email
	}
	if email == "" {
		domain := c.Domain
		if domain == "" {
			domain = "rantevou.invalid"
		}
		email = "noreply@" + domain
	}
	name := dept
	if office != "" {
		name = office + " — " + dept
	}
	return Organizer{Name: name, Email: email}
}
