package dialog

import (
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestPlacesAndCalendar: the confirmation is one message with the address
// and the ways to the map and the calendar; both work from it later, like
// the map buttons of /info, and leave the session as it was.
func TestPlacesAndCalendar(t *testing.T) {
	c := newConvo(t)
	c.toConfirm()
	c.wantSaid("📍 Δημαρχείο, Βασιλέως Γεωργίου 1, 546 40 Θεσσαλονίκη")
	c.tap("Επιβεβαίωση")
	if len(c.replies) != 2 {
		t.Fatalf("booking answers with %d replies, want the released summary and one message:\n%s", len(c.replies), transcript(c.replies))
	}
	for _, w := range []string{"K7P4QX", "Δημοτολόγιο, γκισέ A1", "Πιστοποιητικό οικογενειακής κατάστασης",
		"Τετάρτη 25 Νοεμβρίου, 09:30", "Αστυνομική ταυτότητα", "Βασιλέως Γεωργίου 1", "231 331 7777"} {
		c.wantSaid(w)
	}
	mapBtn, calBtn := c.button("Χάρτης"), c.button("Στο ημερολόγιο")
	before := c.s

	c.send(Event{Kind: KindButton, Data: mapBtn.Data})
	if len(c.replies) != 1 || c.replies[0].Venue == nil || c.replies[0].Venue.Lat != 40.6284 || c.replies[0].Edit {
		t.Fatalf("map: %+v", c.replies)
	}
	if !strings.Contains(c.replies[0].Venue.Title, "Δημοτολόγιο") || !strings.Contains(c.replies[0].Venue.Address, "Βασιλέως Γεωργίου 1") {
		t.Fatalf("map pin %+v", c.replies[0].Venue)
	}
	c.send(Event{Kind: KindButton, Data: calBtn.Data})
	if e, ok := c.ran(LoadBooking); !ok || e.Ref != "K7P4QX" {
		t.Fatalf("calendar looked up %+v", c.w.ran)
	}
	if c.s.Screen != before.Screen || c.s.Version != before.Version {
		t.Fatal("the map or the calendar changed the screen")
	}

	// The calendar file of a booking as the store has it now.
	c = newConvo(t)
	b := booking.Booking{Ref: "AB12CD", Service: "family-status", Department: "civil-registry", Desk: "A3",
		Start: today.AddDays(2).At(600, c.w.loc()), Status: booking.Active, CreatedAt: c.w.env.Now.Add(-3600e9)}
	b.End = b.Start.Add(15 * 60e9)
	c.w.bookings = []booking.Booking{b}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalCalendar, "AB12CD")})
	if len(c.replies) != 1 || c.replies[0].Document == nil || c.replies[0].Document.Name != "rantevou-AB12CD.ics" {
		t.Fatalf("calendar: %+v", c.replies)
	}
	file := string(c.replies[0].Document.Data)
	for _, w := range []string{"METHOD:PUBLISH", "UID:rantevou-AB12CD@thessaloniki.gr", "SEQUENCE:3600", "GEO:40.628400;22.951700", "BEGIN:VALARM"} {
		if !strings.Contains(file, w) {
			t.Errorf("calendar file lacks %q", w)
		}
	}
	// Once cancelled, the same button takes the entry out again.
	c.w.past, c.w.bookings = []booking.Booking{b}, nil
	c.w.past[0].Status = booking.Cancelled
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalCalendar, "AB12CD")})
	c.wantSaid("έχει ακυρωθεί")
	if d := c.replies[0].Document; d == nil || !strings.Contains(string(d.Data), "METHOD:CANCEL") {
		t.Fatalf("cancelled calendar: %+v", c.replies)
	}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalCalendar, "NOSUCH")})
	if len(c.replies) != 1 || c.replies[0].Toast == "" || c.replies[0].Document != nil {
		t.Fatalf("someone else's calendar: %+v", c.replies)
	}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalMap, "no-such-dept")})
	if len(c.replies) != 1 || c.replies[0].Toast == "" {
		t.Fatalf("map of an unknown department: %+v", c.replies)
	}
}

// TestCitizenCancelCarriesCalendarFile: cancelling sends the cancelling
// calendar file with the outcome, so the entry leaves the phone's calendar.
func TestCitizenCancelCarriesCalendarFile(t *testing.T) {
	c := newConvo(t)
	c.toMine()
	c.tap("Ακύρωση AB12CD")
	c.tap("Ναι, ακύρωση")
	var doc *Document
	for _, r := range c.replies {
		if r.Document != nil {
			doc = r.Document
			if !strings.Contains(r.Text, "ακυρώθηκε") || r.Edit {
				t.Fatalf("the file comes without its outcome, or as an edit: %+v", r)
			}
		}
	}
	if doc == nil {
		t.Fatalf("no calendar file:\n%s", transcript(c.replies))
	}
	for _, w := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "UID:rantevou-AB12CD@thessaloniki.gr", "ORGANIZER;CN="} {
		if !strings.Contains(strings.ReplaceAll(string(doc.Data), "\r\n ", ""), w) {
			t.Errorf("file lacks %q", w)
		}
	}
	// The message holding the file is never edited: the next tap on it
	// answers below.
	c.tap("Κλείσιμο ραντεβού")
	if !c.replies[0].DropButtons {
		t.Fatalf("tap on the file's message:\n%s", transcript(c.replies))
	}
}
