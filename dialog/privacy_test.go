package dialog

import (
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestPrivacy: the privacy notice comes first at a citizen's first
// contact, who is then remembered (and not told again); it is always
// reachable with /privacy and named under /help, in both languages; /forget
// asks first, saying what will happen, and erases only when confirmed.
func TestPrivacy(t *testing.T) {
	const notice = "🔒 Τα στοιχεία σας"
	t.Run("FirstContactNoticeThenWelcome", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.FirstContact = true
		c.w.env.RetentionDays = 30
		c.cmd("start")
		if len(c.replies) < 2 || !strings.HasPrefix(c.replies[0].Text, notice) || !strings.Contains(c.replies[0].Text, "30 ημέρες") {
			t.Fatalf("first contact:\n%s", transcript(c.replies))
		}
		c.wantSaid("Γεια σας")
		if e, ok := c.ran(Remember); !ok || e.Lang != booking.Greek {
			t.Fatalf("the citizen was not remembered: %+v", c.w.ran)
		}
		if c.said("Χρησιμοποιήστε τα κουμπιά") {
			t.Fatal("remembering the citizen said something")
		}
	})
	t.Run("FirstContactWithACommandInEnglish", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.FirstContact = true
		c.send(Event{Kind: KindCommand, Command: "privacy", LangCode: "en"})
		n := 0
		for _, r := range c.replies {
			if strings.HasPrefix(r.Text, "🔒 Your data") {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("notice shown %d times:\n%s", n, transcript(c.replies))
		}
	})
	t.Run("KnownCitizenNoNotice", func(t *testing.T) {
		c := newConvo(t)
		c.cmd("start")
		if c.said(notice) {
			t.Fatal("notice shown to a known citizen")
		}
		if _, ok := c.ran(Remember); ok {
			t.Fatal("a known citizen remembered again")
		}
	})
	t.Run("PrivacyCommandKeepsTheScreen", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.cmd("privacy")
		c.wantSaid(notice)
		c.wantSaid("/forget")
		c.wantScreen(ScreenConfirm)
	})
	t.Run("HelpNamesIt", func(t *testing.T) {
		c := newConvo(t)
		c.cmd("help")
		c.wantSaid("/privacy")
	})
	t.Run("ForgetAsksThenKeeps", func(t *testing.T) {
		c := newConvo(t)
		c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Start: today.AddDays(2).At(600, c.w.loc())}}
		c.cmd("forget")
		c.wantScreen(ScreenForgetAsk)
		c.wantSaid("ακυρώνονται τα επόμενα ραντεβού σας (1)")
		c.wantSaid("διαγράφονται το όνομα, το τηλέφωνο και η γλώσσα σας")
		if _, ok := c.ran(Forget); ok {
			t.Fatal("erased before the answer")
		}
		c.tap("Όχι, να μείνουν")
		c.wantSaid("Δεν διαγράφηκε τίποτα")
		c.wantScreen(ScreenMenu)
		if _, ok := c.ran(Forget); ok {
			t.Fatal("erased after No")
		}
	})
	t.Run("ForgetConfirmed", func(t *testing.T) {
		c := newConvo(t)
		c.cmd("forget")
		if c.said("ακυρώνονται τα επόμενα") {
			t.Fatal("without bookings the question speaks of cancelling them")
		}
		c.tap("Ναι, διαγραφή")
		if _, ok := c.ran(Forget); !ok {
			t.Fatal("not erased")
		}
		c.wantSaid("Τα στοιχεία σας διαγράφηκαν")
		if c.s.Screen != ScreenNone {
			t.Fatalf("the session goes on at %q", c.s.Screen)
		}
	})
	t.Run("ForgetFailedAsksAgain", func(t *testing.T) {
		c := newConvo(t)
		c.cmd("forget")
		c.w.errs[Forget] = []booking.Code{booking.EInternal}
		c.tap("Ναι, διαγραφή")
		c.wantScreen(ScreenForgetAsk)
		if c.said("διαγράφηκαν") {
			t.Fatal("said erased after a failure")
		}
	})
}
