package dialog

import (
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestLimitBeforeDay: the catalog's limits are checked when the service is
// chosen, before any day, time or name is asked for, and the message names
// the rule that applies, in both languages and in the singular and plural.
func TestLimitBeforeDay(t *testing.T) {
	held := func(c *convo, services ...string) []booking.Booking {
		var bs []booking.Booking
		for i, svc := range services {
			bs = append(bs, booking.Booking{Ref: "HELD0" + string(rune('1'+i)), Service: svc,
				Start: today.AddDays(2+i).At(600, c.w.loc()), Status: booking.Active})
		}
		return bs
	}
	for _, tc := range []struct {
		name              string
		maxActive, maxSvc int
		held              []string // services of the citizen's active bookings
		lang              string
		screen            Screen // where the citizen lands after choosing the family-status certificate
		said              string
		notSaid           string
	}{
		{name: "NoBookings", maxActive: 2, maxSvc: 1, screen: ScreenDate, said: "Διαλέξτε ημέρα"},
		{name: "OtherServiceWithinTotal", maxActive: 2, maxSvc: 1, held: []string{"birth-certificate"},
			screen: ScreenDate, said: "Διαλέξτε ημέρα"},
		{name: "SameServiceOnePerService", maxActive: 2, maxSvc: 1, held: []string{"family-status"},
			screen:  ScreenService,
			said:    "Έχετε ήδη ραντεβού για «Πιστοποιητικό οικογενειακής κατάστασης» (Πέμπτη 26 Νοεμβρίου, 10:00) και για κάθε υπηρεσία επιτρέπεται ένα ενεργό ραντεβού τη φορά",
			notSaid: "όσα επιτρέπονται τη φορά"},
		{name: "SameServiceOnePerServiceEnglish", maxActive: 2, maxSvc: 1, held: []string{"family-status"}, lang: "en",
			screen: ScreenService,
			said:   "You already have an appointment for “Family status certificate” (Thursday 26 November, 10:00), and only one active appointment per service is allowed."},
		{name: "SameServiceTwoPerService", maxActive: 3, maxSvc: 2, held: []string{"family-status", "family-status"},
			screen: ScreenService, said: "Έχετε ήδη 2 ενεργά ραντεβού για «Πιστοποιητικό οικογενειακής κατάστασης», όσα επιτρέπονται για μία υπηρεσία"},
		{name: "SameServiceBelowTwoPerService", maxActive: 3, maxSvc: 2, held: []string{"family-status"},
			screen: ScreenDate, said: "Διαλέξτε ημέρα"},
		{name: "TotalOfTwo", maxActive: 2, maxSvc: 1, held: []string{"birth-certificate", "registration"},
			screen: ScreenMenu, said: "Έχετε ήδη 2 ενεργά ραντεβού, όσα επιτρέπονται τη φορά",
			notSaid: "για κάθε υπηρεσία"},
		{name: "TotalOfTwoEnglish", maxActive: 2, maxSvc: 1, held: []string{"birth-certificate", "registration"}, lang: "en",
			screen: ScreenMenu, said: "You already have 2 active appointments, the most allowed at a time."},
		{name: "TotalOfOne", maxActive: 1, maxSvc: 1, held: []string{"birth-certificate"},
			screen: ScreenMenu, said: "Έχετε ήδη ένα ενεργό ραντεβού (Πιστοποιητικό γέννησης, Πέμπτη 26 Νοεμβρίου, 10:00) και επιτρέπεται ένα τη φορά"},
		{name: "TotalWinsOverPerService", maxActive: 2, maxSvc: 1, held: []string{"family-status", "birth-certificate"},
			screen: ScreenMenu, said: "όσα επιτρέπονται τη φορά", notSaid: "για κάθε υπηρεσία"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			cat := *c.w.env.Catalog
			cat.MaxActive, cat.MaxPerService = tc.maxActive, tc.maxSvc
			c.w.env.Catalog = &cat
			c.w.bookings = held(c, tc.held...)
			lang, dept, svc := tc.lang, "Δημοτολόγιο", "οικογενειακής"
			if lang == "en" {
				dept, svc = "Civil Registry", "Family status"
			}
			c.send(Event{Kind: KindCommand, Command: "book", LangCode: lang})
			c.send(Event{Kind: KindButton, Data: c.button(dept).Data, LangCode: lang})
			c.send(Event{Kind: KindButton, Data: c.button(svc).Data, LangCode: lang})
			c.wantScreen(tc.screen)
			c.wantSaid(tc.said)
			if tc.notSaid != "" && c.said(tc.notSaid) {
				t.Fatalf("replies say %q:\n%s", tc.notSaid, transcript(c.replies))
			}
			if _, ok := c.ran(MyBookings); !ok {
				t.Fatal("limits not checked")
			}
			if _, loaded := c.ran(LoadDays); loaded != (tc.screen == ScreenDate) {
				t.Fatalf("calendar loaded = %v on %s", loaded, tc.screen)
			}
			if tc.screen != ScreenDate && !c.hasButton("📋") {
				t.Fatal("no way to the bookings that stand in the way")
			}
		})
	}
	t.Run("FailedCheckLetsTheBookingGoOn", func(t *testing.T) {
		c := newConvo(t)
		c.w.errs[MyBookings] = []booking.Code{booking.EInternal}
		c.toDate()
		c.wantScreen(ScreenDate)
	})
}
