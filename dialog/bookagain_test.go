package dialog

import (
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestStepBookAgain: the "Book again" button of a staff cancellation or a
// closed day opens the calendar of the same service, with what to bring,
// whatever the session was doing; when the booking cannot be found as the
// citizen's own it starts from the departments and says why.
func TestStepBookAgain(t *testing.T) {
	cancelled := booking.Booking{Ref: "ST4FF1", Service: "birth-record", Department: "registry-office",
		Start: today.AddDays(3).At(600, testEnv(t).Catalog.Location), Status: booking.Cancelled}
	for _, tc := range []struct {
		name    string
		setup   func(c *convo) // brings the conversation where the citizen is when they tap
		err     booking.Code   // what looking the booking up fails with
		ref     string         // the ref in the button, cancelled.Ref if ""
		screen  Screen         // where the citizen lands
		service string         // the service whose calendar opens
		said    []string       // what the replies must say
		notSaid []string       // and must not
		check   func(c *convo) // anything else
		wantRan []EffectKind   // the effects of the tap, in order
	}{
		{name: "NoSessionOpensSameServiceCalendar", setup: func(c *convo) {},
			screen: ScreenDate, service: "birth-record",
			said:    []string{"Δήλωση γέννησης", "Τι να φέρετε: Ιατρική βεβαίωση τοκετού", "Διαλέξτε ημέρα"},
			wantRan: []EffectKind{LoadBooking, MyBookings, LoadDays}},
		{name: "MidRescheduleForgetsTheMove", setup: func(c *convo) { c.toMine(); c.tap("Αλλαγή AB12CD") },
			screen: ScreenDate, service: "birth-record",
			said: []string{"Δήλωση γέννησης"}, notSaid: []string{"AB12CD"},
			check: func(c *convo) {
				if c.s.Draft.Ref != "" {
					c.t.Fatalf("still moving %q after book again", c.s.Draft.Ref)
				}
			},
			wantRan: []EffectKind{LoadBooking, MyBookings, LoadDays}},
		{name: "KeepsContactDetails", setup: func(c *convo) { c.toName(); c.text("Μαρία Παπαδοπούλου") },
			screen: ScreenDate, service: "birth-record",
			check: func(c *convo) {
				if c.s.Draft.Phone != "+306912345678" || c.s.Draft.Name != "Μαρία Παπαδοπούλου" {
					c.t.Fatalf("contact details lost: %+v", c.s.Draft)
				}
			},
			wantRan: []EffectKind{LoadBooking, MyBookings, LoadDays}},
		{name: "FromPhoneStepRemovesKeyboard", setup: func(c *convo) { c.toPhone() },
			screen: ScreenDate, service: "birth-record", said: []string{"Δήλωση γέννησης"},
			check: func(c *convo) {
				if !c.replies[0].RemoveKeyboard {
					c.t.Fatalf("the contact keyboard stays: %+v", c.replies)
				}
			},
			wantRan: []EffectKind{LoadBooking, MyBookings, LoadDays}},
		{name: "SomeoneElsesFallsBackToDepartments", setup: func(c *convo) {}, err: booking.EForbidden,
			screen: ScreenDept, said: []string{"Δεν βρήκαμε εκείνο το ραντεβού", "Σε ποια υπηρεσία"},
			notSaid: []string{"Δήλωση γέννησης"}, wantRan: []EffectKind{LoadBooking}},
		{name: "NotFoundFallsBackToDepartments", setup: func(c *convo) { c.toTime() }, ref: "NOSUCH",
			screen: ScreenDept, said: []string{"Δεν βρήκαμε εκείνο το ραντεβού", "Σε ποια υπηρεσία"},
			check: func(c *convo) {
				if c.s.Draft.Service != "" || c.s.Draft.Department != "" {
					c.t.Fatalf("the old draft survived: %+v", c.s.Draft)
				}
			},
			wantRan: []EffectKind{LoadBooking}},
		{name: "ServiceNoLongerOfferedFallsBackToDepartments", setup: func(c *convo) {
			c.w.past = []booking.Booking{{Ref: "OLD111", Service: "dog-licence", Status: booking.Cancelled}}
		}, ref: "OLD111",
			screen: ScreenDept, said: []string{"Δεν βρήκαμε εκείνο το ραντεβού"}, wantRan: []EffectKind{LoadBooking}},
		{name: "InternalErrorOffersRetryAndPhone", setup: func(c *convo) {}, err: booking.EInternal,
			screen: ScreenMenu, said: []string{"Παρουσιάστηκε τεχνικό πρόβλημα", "231 331 7777"}, wantRan: []EffectKind{LoadBooking}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			c.w.past = append(c.w.past, cancelled)
			tc.setup(c)
			if tc.err != "" {
				c.w.errs[LoadBooking] = []booking.Code{tc.err}
			}
			ref := tc.ref
			if ref == "" {
				ref = cancelled.Ref
			}
			c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalBookAgain, ref)})
			c.wantScreen(tc.screen)
			if c.s.Draft.Service != tc.service {
				t.Fatalf("draft service = %q, want %q\n%s", c.s.Draft.Service, tc.service, transcript(c.replies))
			}
			if tc.service != "" {
				if svc, ok := c.w.env.Catalog.Service(tc.service); !ok || c.s.Draft.Department != svc.Department {
					t.Fatalf("draft department = %q, want %q", c.s.Draft.Department, svc.Department)
				}
			}
			if e, ok := c.ran(LoadBooking); !ok || e.Ref != ref {
				t.Fatalf("looked up %+v, want %s", e, ref)
			}
			if len(c.w.ran) != len(tc.wantRan) {
				t.Fatalf("ran %+v, want %v", c.w.ran, tc.wantRan)
			}
			for i, k := range tc.wantRan {
				if c.w.ran[i].Kind != k {
					t.Fatalf("ran %+v, want %v", c.w.ran, tc.wantRan)
				}
			}
			for _, s := range tc.said {
				c.wantSaid(s)
			}
			for _, s := range tc.notSaid {
				if c.said(s) {
					t.Fatalf("replies say %q:\n%s", s, transcript(c.replies))
				}
			}
			for _, r := range c.replies {
				if r.Edit {
					t.Fatalf("book again edited the notice: %+v", r)
				}
			}
			if tc.check != nil {
				tc.check(c)
			}
		})
	}
	t.Run("BackFromCalendarShowsTheDepartmentsServices", func(t *testing.T) {
		c := newConvo(t)
		c.w.past = []booking.Booking{cancelled}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalBookAgain, cancelled.Ref)})
		c.tap("Πίσω")
		c.wantScreen(ScreenService)
		c.wantSaid("Ληξιαρχείο")
	})
	t.Run("BookingTheSameServiceAgain", func(t *testing.T) {
		c := newConvo(t)
		c.w.past = []booking.Booking{cancelled}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalBookAgain, cancelled.Ref)})
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:30")
		c.text("6912345678")
		c.text("Μαρία Παπαδοπούλου")
		c.tap("Επιβεβαίωση")
		if e, ok := c.ran(Book); !ok || e.Service != "birth-record" {
			t.Fatalf("booked %+v, want birth-record", e)
		}
		c.wantScreen(ScreenDone)
	})
}
