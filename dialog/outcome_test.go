package dialog

import (
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestOutcomesAreNewMessages checks the rule for outcomes (see the package
// doc): an outcome, made or refused, is a new message at the bottom, never
// an edit of an older one; the screen it finished keeps its text and loses
// its buttons; and a message that holds a booking's code or a
// cancellation is never edited afterwards.
func TestOutcomesAreNewMessages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		to    func(*convo) // the screen before the tap
		setup func(*convo) // what the world answers
		tap   string
		said  string // in the outcome message
	}{
		{name: "Booked", to: (*convo).toConfirm, tap: "Επιβεβαίωση", said: "Το ραντεβού σας κλείστηκε"},
		{name: "Moved", to: func(c *convo) { c.toMine(); c.tap("Αλλαγή AB12CD"); c.tap("Τετάρτη"); c.tap("09:15") },
			tap: "Επιβεβαίωση", said: "Το ραντεβού σας άλλαξε"},
		{name: "Cancelled", to: func(c *convo) { c.toMine(); c.tap("Ακύρωση AB12CD") }, tap: "Ναι, ακύρωση",
			said: "Το ραντεβού AB12CD ακυρώθηκε"},
		{name: "SlotTaken", to: (*convo).toConfirm, setup: func(c *convo) { c.w.errs[Book] = []booking.Code{booking.ESlotTaken} },
			tap: "Επιβεβαίωση", said: "μόλις κλείστηκε από άλλον"},
		{name: "LimitAtBooking", to: (*convo).toConfirm, setup: func(c *convo) {
			c.w.errs[Book] = []booking.Code{booking.ELimit}
			c.w.bookings = []booking.Booking{{Ref: "ZX98YW", Service: "family-status", Start: today.AddDays(3).At(600, c.w.loc())}}
		}, tap: "Επιβεβαίωση", said: "Έχετε ήδη ραντεβού για"},
		{name: "LimitBeforeDay", to: func(c *convo) { c.toService(); c.w.bookings = mineOf(c, "family-status") },
			tap: "οικογενειακής", said: "Έχετε ήδη ραντεβού για"},
		{name: "DayClosedAtBooking", to: (*convo).toConfirm, setup: func(c *convo) { c.w.errs[Book] = []booking.Code{booking.EClosed} },
			tap: "Επιβεβαίωση", said: "δεν είναι πια διαθέσιμη"},
		{name: "BookingGoneAtCancel", to: func(c *convo) { c.toMine(); c.tap("Ακύρωση AB12CD") },
			setup: func(c *convo) { c.w.errs[Cancel] = []booking.Code{booking.EConflict}; c.w.bookings = nil },
			tap:   "Ναι, ακύρωση", said: "δεν ισχύει πια"},
		{name: "TechnicalProblemAtBooking", to: (*convo).toConfirm, setup: func(c *convo) { c.w.errs[Book] = []booking.Code{booking.EInternal} },
			tap: "Επιβεβαίωση", said: "Παρουσιάστηκε τεχνικό πρόβλημα"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			tc.to(c)
			if tc.setup != nil {
				tc.setup(c)
			}
			c.tap(tc.tap)
			c.wantSaid(tc.said)
			if !c.replies[0].DropButtons {
				t.Fatalf("the finished screen keeps its buttons:\n%s", transcript(c.replies))
			}
			for _, r := range c.replies[1:] {
				if r.Edit || r.DropButtons {
					t.Fatalf("an outcome edits a message:\n%s", transcript(c.replies))
				}
			}
		})
	}
	t.Run("SealedMessagesAreNeverEdited", func(t *testing.T) {
		for _, leave := range []string{"Τα ραντεβού μου", "Νέο ραντεβού"} {
			c := newConvo(t)
			c.toConfirm()
			c.tap("Επιβεβαίωση")
			c.tap(leave) // on the message with the code and what to bring
			if !c.replies[0].DropButtons {
				t.Fatalf("%s: the booked message keeps live buttons:\n%s", leave, transcript(c.replies))
			}
			for _, r := range c.replies[1:] {
				if r.Edit {
					t.Fatalf("%s overwrites the booked message:\n%s", leave, transcript(c.replies))
				}
			}
			// The screen it opened is an ordinary one: moving on from it
			// edits it in place again.
			if leave == "Νέο ραντεβού" {
				c.tap("Δημοτολόγιο")
				if !c.replies[0].Edit || c.replies[0].DropButtons {
					t.Fatalf("navigation after the booked message does not edit:\n%s", transcript(c.replies))
				}
			}
		}
		c := newConvo(t)
		c.toMine()
		c.tap("Ακύρωση AB12CD")
		c.tap("Ναι, ακύρωση")
		c.tap("Κλείσιμο ραντεβού") // on the message that says it was cancelled
		if !c.replies[0].DropButtons || c.replies[1].Edit {
			t.Fatalf("the cancelled message is overwritten:\n%s", transcript(c.replies))
		}
	})
	t.Run("NavigationEditsInPlace", func(t *testing.T) {
		c := newConvo(t)
		c.toService()
		c.tap("οικογενειακής")
		if !c.replies[0].Edit || c.replies[0].DropButtons {
			t.Fatalf("the calendar is not drawn in place:\n%s", transcript(c.replies))
		}
	})
}

// TestDoubleTap: the second tap of a doubled Confirm or «Ναι, ακύρωση»
// arrives after the first one's outcome; it is told what was done, does
// nothing, and is not called a button of an old message.
func TestDoubleTap(t *testing.T) {
	t.Run("Confirm", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		confirm := c.button("Επιβεβαίωση")
		c.tap("Επιβεβαίωση")
		c.send(Event{Kind: KindButton, Data: confirm.Data})
		if len(c.w.ran) != 0 || len(c.replies) != 1 || c.replies[0].Text != "" {
			t.Fatalf("second tap: %+v ran %+v", c.replies, c.w.ran)
		}
		c.wantSaid("Το ραντεβού σας έχει ήδη κλειστεί (K7P4QX)")
		if c.said("παλιό") || c.said("δεν ισχύει") {
			t.Fatalf("second tap told its button is stale: %q", c.replies[0].Toast)
		}
	})
	t.Run("ConfirmMove", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Αλλαγή AB12CD")
		c.tap("Τετάρτη")
		c.tap("09:15")
		confirm := c.button("Επιβεβαίωση")
		c.tap("Επιβεβαίωση")
		c.send(Event{Kind: KindButton, Data: confirm.Data})
		c.wantSaid("Το ραντεβού AB12CD έχει ήδη αλλάξει")
	})
	t.Run("YesCancel", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Ακύρωση AB12CD")
		yes := c.button("Ναι, ακύρωση")
		c.tap("Ναι, ακύρωση")
		c.send(Event{Kind: KindButton, Data: yes.Data})
		if len(c.w.ran) != 0 {
			t.Fatalf("second tap ran %+v", c.w.ran)
		}
		c.wantSaid("Το ραντεβού AB12CD έχει ήδη ακυρωθεί")
	})
	t.Run("OtherStaleButton", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		old := c.button("Πέμπτη 26 Νοεμβρίου")
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.send(Event{Kind: KindButton, Data: old.Data})
		c.wantSaid("Αυτό το κουμπί δεν ισχύει πια")
	})
}

func mineOf(c *convo, services ...string) []booking.Booking {
	var bs []booking.Booking
	for i, svc := range services {
		bs = append(bs, booking.Booking{Ref: "HELD0" + string(rune('1'+i)), Service: svc,
			Start: today.AddDays(2+i).At(600, c.w.loc()), Status: booking.Active})
	}
	return bs
}
