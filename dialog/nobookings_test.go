package dialog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// newcomer is a conversation with a citizen the engine met for the first
// time at /start, remembering them as it looked them up.
func newcomer(t *testing.T) *convo {
	t.Helper()
	c := newConvo(t)
	c.w.env.FirstContact, c.w.env.Remembered = true, true
	c.cmd("start")
	// Later updates are of the session under way: the engine meets the
	// citizen only when a session starts.
	c.w.env.FirstContact, c.w.env.Remembered = false, false
	return c
}

// pickService goes from wherever the conversation is to the choice of the
// family-status certificate, and reports whether the limits were checked
// by loading the citizen's bookings.
func (c *convo) pickService() bool {
	c.t.Helper()
	c.cmd("book")
	c.tap("Δημοτολόγιο")
	c.tap("οικογενειακής")
	c.wantScreen(ScreenDate)
	if _, ok := c.ran(LoadDays); !ok {
		c.t.Fatalf("no calendar loaded: %+v", c.w.ran)
	}
	_, ok := c.ran(MyBookings)
	return ok
}

// TestFirstContactRemembered: a citizen the engine remembered as it looked
// them up reads the notice, and the dialog asks for no Remember of its own.
func TestFirstContactRemembered(t *testing.T) {
	c := newConvo(t)
	c.w.env.FirstContact, c.w.env.Remembered = true, true
	c.send(Event{Kind: KindCommand, Command: "start", LangCode: "en-GB"})
	if len(c.replies) < 2 || !strings.HasPrefix(c.replies[0].Text, "🔒 Your data") {
		t.Fatalf("first contact:\n%s", transcript(c.replies))
	}
	if len(c.effects) != 0 || len(c.w.ran) != 0 {
		t.Fatalf("effects at a remembered first contact: %+v", c.w.ran)
	}
	if c.s.Lang != StartLang("en-GB") || c.s.Lang != booking.English {
		t.Fatalf("session in %q, remembered in %q", c.s.Lang, StartLang("en-GB"))
	}
	if !c.s.NoBookings {
		t.Fatal("a first contact's session does not know they hold no booking")
	}

	t.Run("NotRememberedByTheEngine", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.FirstContact = true
		c.cmd("start")
		if e, ok := c.ran(Remember); !ok || e.Lang != booking.Greek {
			t.Fatalf("not remembered: %+v", c.w.ran)
		}
		if !c.s.NoBookings {
			t.Fatal("a first contact's session does not know they hold no booking")
		}
	})
	t.Run("OnASessionUnderWay", func(t *testing.T) {
		// A redo after another update of the chat started the session:
		// the citizen was remembered by this update's look-up, so the
		// notice is shown here, once, above what they asked for.
		c := newConvo(t)
		c.cmd("start")
		c.cmd("book")
		c.tap("Δημοτολόγιο")
		c.w.env.FirstContact, c.w.env.Remembered = true, true
		c.tap("οικογενειακής")
		c.w.env.FirstContact, c.w.env.Remembered = false, false
		if !strings.HasPrefix(c.replies[0].Text, "🔒 Τα στοιχεία σας") || strings.Count(transcript(c.replies), "🔒") != 1 {
			t.Fatalf("not the notice once, first:\n%s", transcript(c.replies))
		}
		c.wantScreen(ScreenDate)
		if _, ok := c.ran(Remember); ok {
			t.Fatal("remembered again")
		}
		if _, ok := c.ran(MyBookings); !ok || c.s.NoBookings {
			t.Fatal("a session someone else started vouches for no bookings")
		}
	})
	t.Run("KnownCitizen", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.KnownLang = booking.Greek
		c.cmd("start")
		if c.s.NoBookings || len(c.w.ran) != 0 {
			t.Fatalf("known citizen: NoBookings %v, effects %+v", c.s.NoBookings, c.w.ran)
		}
	})
}

// TestNoBookingsSkipsTheLimitCheck: a citizen who was a first contact in
// this session holds no booking the office could find, so choosing a
// service loads no bookings for the limits, until something may have
// given them one: a booking, a shared number, the waiting list.
func TestNoBookingsSkipsTheLimitCheck(t *testing.T) {
	t.Run("FirstContact", func(t *testing.T) {
		c := newcomer(t)
		if c.pickService() {
			t.Fatal("the limits of a first contact checked by loading their bookings")
		}
		// Another service, back and forth: still none.
		c.tap("Πίσω")
		c.tap("γέννησης")
		if _, ok := c.ran(MyBookings); ok {
			t.Fatal("bookings loaded on the second service")
		}
	})
	t.Run("KnownCitizenAlways", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.KnownLang = booking.Greek
		c.cmd("start")
		for i := range 2 {
			if !c.pickService() {
				t.Fatalf("try %d: a known citizen's limits not checked", i)
			}
		}
	})
	t.Run("NoSessionKnownNothing", func(t *testing.T) {
		// The engine could not look them up: not known to be new.
		c := newConvo(t)
		c.cmd("start")
		if !c.pickService() {
			t.Fatal("limits not checked")
		}
	})
	t.Run("AfterABooking", func(t *testing.T) {
		c := newcomer(t)
		c.toConfirm()
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDone)
		if c.s.NoBookings {
			t.Fatal("still none after booking")
		}
		if !c.pickService() {
			t.Fatal("the limits not checked after a booking")
		}
	})
	t.Run("AfterABookingThatFailed", func(t *testing.T) {
		// A booking that failed may have been made.
		c := newcomer(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.EInternal}
		c.tap("Επιβεβαίωση")
		if !c.pickService() {
			t.Fatal("the limits not checked after a booking that failed")
		}
	})
	t.Run("RefusedForTheLimitsChecksThem", func(t *testing.T) {
		// The store refused for its limits: the list says which rule, a
		// citizen thought to hold none included.
		c := newcomer(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.ELimit}
		c.tap("Επιβεβαίωση")
		if _, ok := c.ran(MyBookings); !ok {
			t.Fatalf("the refusal's limits not loaded: %+v", c.w.ran)
		}
	})
	t.Run("AfterALink", func(t *testing.T) {
		// Sharing their own number links what the call centre booked for
		// it, and makes the call centre's next booking for it theirs:
		// linked or not (here none), the limits are checked from then on.
		c := newcomer(t)
		c.toPhone()
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "+306912345678", UserID: 4242, FromID: 4242, FirstName: "Μαρία"}})
		if _, ok := c.ran(Link); !ok {
			t.Fatalf("not linked: %+v", c.w.ran)
		}
		if c.s.NoBookings {
			t.Fatal("still none after a link")
		}
		c.cmd("stop")
		if !c.pickService() {
			t.Fatal("the limits not checked after a link")
		}
	})
	t.Run("NotAfterSomeoneElsesContact", func(t *testing.T) {
		c := newcomer(t)
		c.toPhone()
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "+306912345678", UserID: 1, FromID: 4242}})
		c.cmd("stop")
		if c.pickService() {
			t.Fatal("bookings loaded after a contact that linked nothing")
		}
	})
	t.Run("MyBookingsFoundSome", func(t *testing.T) {
		// What the list shows wins over the flag.
		c := newcomer(t)
		c.toMine()
		if c.s.NoBookings {
			t.Fatal("bookings listed, none assumed")
		}
	})
	t.Run("MyBookingsEmptyKeepsIt", func(t *testing.T) {
		c := newcomer(t)
		c.cmd("mybookings")
		if !c.s.NoBookings {
			t.Fatal("an empty list cleared it")
		}
	})
}

// TestNoBookingsResults: which results of effects end what NoBookings
// says. Anything that may have given the citizen a booking does, whatever
// came back; reads that found none do not.
func TestNoBookingsResults(t *testing.T) {
	held := []booking.Booking{{Ref: "AB12CD", Service: "family-status", Status: booking.Active}}
	for _, tc := range []struct {
		name string
		r    Result
		keep bool
	}{
		{"Book", Result{Effect: Book, Booking: held[0]}, false},
		{"BookFailed", Result{Effect: Book, Err: booking.EInternal}, false},
		{"BookSlotTaken", Result{Effect: Book, Err: booking.ESlotTaken}, false},
		{"Reschedule", Result{Effect: Reschedule, Booking: held[0]}, false},
		{"Cancel", Result{Effect: Cancel, Booking: held[0]}, false},
		{"Link", Result{Effect: Link}, false},
		{"LinkFailed", Result{Effect: Link, Err: booking.EInternal}, false},
		{"LinkedBookings", Result{Effect: Link, Linked: 2}, false},
		{"JoinWaitlist", Result{Effect: JoinWaitlist}, false},
		{"JoinWaitlistFailed", Result{Effect: JoinWaitlist, Err: booking.EInternal}, false},
		{"TakeOffer", Result{Effect: TakeOffer, Booking: held[0]}, false},
		{"TakeOfferFailed", Result{Effect: TakeOffer, Err: booking.EInternal}, false},
		{"DeclineOffer", Result{Effect: DeclineOffer}, false},
		{"LeaveWaitlist", Result{Effect: LeaveWaitlist}, false},
		{"Forget", Result{Effect: Forget, Err: booking.EInternal}, false},
		{"LoadBookingFound", Result{Effect: LoadBooking, Booking: held[0]}, false},
		{"MyBookingsFound", Result{Effect: MyBookings, Bookings: held}, false},
		{"LoadWaitlistFound", Result{Effect: LoadWaitlist, Entries: []booking.WaitEntry{{ID: 1, Service: "family-status"}}}, false},
		{"MyBookingsNone", Result{Effect: MyBookings}, true},
		{"MyBookingsFailed", Result{Effect: MyBookings, Err: booking.EInternal}, true},
		{"LoadWaitlistNone", Result{Effect: LoadWaitlist}, true},
		{"LoadBookingNotFound", Result{Effect: LoadBooking, Err: booking.ENotFound}, true},
		{"LoadBookingForbidden", Result{Effect: LoadBooking, Err: booking.EForbidden}, true},
		{"LoadDays", Result{Effect: LoadDays}, true},
		{"LoadSlots", Result{Effect: LoadSlots}, true},
		{"FirstAvailable", Result{Effect: FirstAvailable, Err: booking.ENotFound}, true},
		{"SetLang", Result{Effect: SetLang}, true},
		{"Remember", Result{Effect: Remember}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &machine{s: State{Screen: ScreenMenu, Version: 3, Lang: booking.Greek, NoBookings: true}, env: testEnv(t)}
			m.result(tc.r)
			if m.s.NoBookings != tc.keep {
				t.Fatalf("NoBookings = %v after %+v", m.s.NoBookings, tc.r)
			}
		})
	}
}

// TestNoBookingsEncoding: the flag is small in the saved session, and
// absent when false.
func TestNoBookingsEncoding(t *testing.T) {
	for _, on := range []bool{false, true} {
		raw, err := json.Marshal(State{Screen: ScreenMenu, NoBookings: on})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(raw), `"nb":true`); got != on || !on && strings.Contains(string(raw), `"nb"`) {
			t.Fatalf("NoBookings %v encoded as %s", on, raw)
		}
		var s State
		if err := json.Unmarshal(raw, &s); err != nil || s.NoBookings != on {
			t.Fatalf("decoded %v (%v)", s.NoBookings, err)
		}
	}
}
