package dialog

import (
	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/ics"
)

// Where and when, beyond the chat: a department's map pin, and a
// booking's calendar file. Both are asked for with global buttons (on the
// confirmation, a reminder, /info) and answered below, leaving the screen
// on display as it is.

// sendMap sends the map pin of department code.
func (m *machine) sendMap(code string) {
	d, ok := m.env.dept(code)
	if !ok || d.Geo == nil {
		m.replies = append(m.replies, Reply{Toast: m.t("MapUnknown", nil)})
		return
	}
	title := d.Name.In(m.s.Lang)
	if office := m.env.Catalog.Office.In(m.s.Lang); office != "" {
		title += " — " + office
	}
	m.replies = append(m.replies, Reply{Venue: &Venue{Lat: d.Geo.Lat, Lon: d.Geo.Lon, Title: title,
		Address: d.Address.In(m.s.Lang)}})
}

// calendarLoaded sends the calendar file of the booking looked up: an
// entry to add, or, for a booking cancelled since, one that takes the entry
// out again.
func (m *machine) calendarLoaded(r Result) {
	switch r.Err {
	case "":
	case booking.EInternal:
		m.replies = append(m.replies, Reply{Toast: m.t("CalendarFailed", nil)})
		return
	default:
		m.replies = append(m.replies, Reply{Toast: m.t("NotYourBooking", nil)})
		return
	}
	b := r.Booking
	cancelled := b.Status == booking.Cancelled
	id := "CalendarFile"
	if cancelled {
		id = "CalendarFileCancelled"
	}
	m.replies = append(m.replies, Reply{Text: Clip(m.t(id, map[string]any{"Ref": b.Ref}), MaxCaptionChars),
		Document: m.calendarFile(b, cancelled)})
}

// calendarFile is b's calendar file as of now, in the citizen's language
// of this session.
func (m *machine) calendarFile(b booking.Booking, cancelled bool) *Document {
	b.Citizen.Lang = m.s.Lang
	return &Document{Name: ics.FileName(b.Ref), Data: ics.Write(ics.Appointment(m.env.Catalog, b, m.env.Now, cancelled))}
}

// infoMaps are the /info message's buttons: a map pin for each place the
// departments receive citizens at, named after the place's first
// department, or one «📍 Χάρτης» when they share one.
func (v view) infoMaps() [][]Button {
	type place struct {
		geo  booking.Geo
		addr string
	}
	var seen []place
	var rs [][]Button
	for _, d := range v.env.Catalog.Departments {
		if d.Geo == nil {
			continue
		}
		p := place{*d.Geo, d.Address.In(v.s.Lang)}
		dup := false
		for _, s := range seen {
			dup = dup || s == p
		}
		if dup {
			continue
		}
		seen = append(seen, p)
		rs = append(rs, row(v.mapButton(d.Code, v.t("BtnMapOf", map[string]any{"Department": d.Name.In(v.s.Lang)}))))
	}
	if len(rs) == 1 {
		rs[0][0].Text = v.t("BtnMap", nil)
	}
	return rows(rs...)
}
