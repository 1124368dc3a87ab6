package dialog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestWaitlistTranscript plays the waiting list in each language, as a
// readable transcript under testdata: a service with no free day, joining
// the list for the mornings, an earlier time asked for a booking, the
// offers' "Take it" and "No thanks" (one of them tapped after it ran out),
// and leaving the list. Run with -update to accept.
func TestWaitlistTranscript(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		steps      []string
	}{
		{"el", "el", []string{"/start", "[Κλείσιμο ραντεβού]", "[Δημοτολόγιο]", "[γέννησης]", "[Βάλτε με στη λίστα αναμονής]",
			"[Πριν τις 11:00]", "> 691 234 5678", "> Μαρία Παπαδοπούλου", "/mybookings", "[Νωρίτερη ώρα AB12CD]", "[Οποιαδήποτε ώρα]", "/mybookings",
			"[Έξοδος από λίστα 2]", "[Νωρίτερη ώρα AB12CD]", "[Πριν τις 11:00]",
			"{decline X2CV9H}", "{take M4NB8K gone}", "{take P7QW3R}", "{take T9RD2W AB12CD}", "/mybookings"}},
		{"en", "en-GB", []string{"/start", "[Book an appointment]", "[Civil Registry]", "[Birth certificate]", "[Put me on the waiting list]",
			"[From 11:00]", "[Back]", "[From 11:00]", "> 2310 123456", "> Jane Smith", "/mybookings", "[Earlier time AB12CD]", "[Back]", "[Earlier time AB12CD]", "[Any time]", "/mybookings",
			"[Leave list 2]", "[Earlier time AB12CD]", "[Before 11:00]",
			"{decline X2CV9H}", "{take M4NB8K gone}", "{take P7QW3R}", "{take T9RD2W AB12CD}", "/mybookings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Department: "civil-registry",
				Start: today.AddDays(9).At(600, c.w.loc()), Status: booking.Active}}
			// Nothing free in the horizon.
			for d := today; !today.AddDays(c.w.env.Catalog.Horizon + 7).Before(d); d = d.AddDays(1) {
				c.w.noSlots[d] = true
			}
			var b strings.Builder
			for _, step := range tc.steps {
				b.WriteString("\n### " + step + "\n")
				switch {
				case strings.HasPrefix(step, "/"):
					c.send(Event{Kind: KindCommand, Command: step, LangCode: tc.lang})
				case strings.HasPrefix(step, "> "):
					c.send(Event{Kind: KindText, Text: step[2:], LangCode: tc.lang})
				case strings.HasPrefix(step, "{"):
					// A button of an offer message (package notify's).
					f := strings.Fields(strings.Trim(step, "{}"))
					a := GlobalTakeOffer
					if f[0] == "decline" {
						a = GlobalDeclineOffer
					}
					switch {
					case len(f) > 2 && f[2] == "gone":
						c.w.errs[TakeOffer] = []booking.Code{booking.EConflict}
					case len(f) > 2:
						c.w.moves = map[string]string{f[1]: f[2]}
					}
					c.send(Event{Kind: KindButton, Data: GlobalButton(a, f[1]), LangCode: tc.lang})
				default:
					c.tap(strings.Trim(step, "[]"))
				}
				for _, e := range c.w.ran {
					b.WriteString("(effect " + string(e.Kind) + ")\n")
				}
				b.WriteString(transcript(c.replies))
			}
			path := filepath.Join("testdata", "waitlist."+tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("transcript differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

// TestWaitlistJoin: the effect carries what was chosen; the only day is the
// full day the citizen picked; an earlier time names the booking.
func TestWaitlistJoin(t *testing.T) {
	c := newConvo(t)
	c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Start: today.AddDays(9).At(600, c.w.loc()), Status: booking.Active}}
	full := today.AddDays(1)
	c.w.noSlots[full] = true
	c.cmd("/start")
	c.tap("Κλείσιμο ραντεβού")
	c.tap("Δημοτολόγιο")
	c.tap("γέννησης")
	c.text("αύριο") // full: the week comes back with the note
	c.wantSaid("δεν υπάρχει πια ελεύθερη ώρα")
	c.tap("λίστα αναμονής")
	c.wantScreen(ScreenWaitJoin)
	c.tap("Μόνο")
	c.tap("Από τις 11:00")
	// Not known yet: the number and the name first, and Back returns here.
	c.wantScreen(ScreenPhone)
	c.tap("Πίσω")
	c.wantScreen(ScreenWaitJoin)
	c.tap("Από τις 11:00")
	c.text("6912345678")
	c.wantScreen(ScreenName)
	c.text("Μαρία Παπαδοπούλου")
	e, ok := c.ran(JoinWaitlist)
	if !ok || e.Service != "birth-certificate" || e.From != full || e.To != full || e.Part != booking.LateMorning || e.Ref != "" ||
		e.Phone != "+306912345678" || e.Name != "Μαρία Παπαδοπούλου" {
		t.Fatalf("join: %+v (%v)", e, ok)
	}
	c.wantScreen(ScreenMenu)
	c.wantSaid("Είστε στη λίστα αναμονής")

	// Joining again is told so.
	c.w.errs[JoinWaitlist] = []booking.Code{booking.EConflict}
	c.tap("Κλείσιμο ραντεβού")
	c.tap("Δημοτολόγιο")
	c.tap("γέννησης")
	c.tap("λίστα αναμονής")
	c.tap("Οποιαδήποτε ώρα")
	if e, _ := c.ran(JoinWaitlist); e.From != (booking.Date{}) {
		t.Fatalf("any day joined with a range: %+v", e)
	}
	c.wantSaid("Είστε ήδη στη λίστα αναμονής")

	c.cmd("/mybookings")
	c.tap("Νωρίτερη ώρα AB12CD")
	c.tap("Πριν τις 11:00")
	if e, _ := c.ran(JoinWaitlist); e.Ref != "AB12CD" || e.Part != booking.Morning {
		t.Fatalf("earlier: %+v", e)
	}
	// The old join screen's buttons are stale now.
	if len(c.s.Wait.Earlier) != 0 {
		t.Fatalf("wait draft kept: %+v", c.s.Wait)
	}
}

// TestOfferButtons: "Take it" books and shows the booking; a stale one is
// told the place has gone; the offer's message keeps its text and loses its
// buttons once answered; no effect runs twice for one tap.
func TestOfferButtons(t *testing.T) {
	c := newConvo(t)
	c.cmd("/start")
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalTakeOffer, "P7QW3R")})
	c.wantScreen(ScreenDone)
	if c.s.DoneRef != "P7QW3R" || c.s.Draft.Ref != "" {
		t.Fatalf("done %q, moved %q", c.s.DoneRef, c.s.Draft.Ref)
	}
	if !c.replies[0].DropButtons {
		t.Fatalf("the offer kept its buttons: %s", transcript(c.replies))
	}
	if n := len(c.w.ran); n != 1 {
		t.Fatalf("%d effects for one tap", n)
	}
	c.w.errs[DeclineOffer] = []booking.Code{booking.ENotFound}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalDeclineOffer, "P7QW3R")})
	c.wantSaid("δεν είναι πια διαθέσιμη")
	c.wantScreen(ScreenMenu)
	c.w.errs[TakeOffer] = []booking.Code{booking.ELimit}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalTakeOffer, "M4NB8K")})
	c.wantSaid("όσα ραντεβού επιτρέπονται")
	// A tap with no session at all (it expired) works the same.
	c.s = State{}
	c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Start: today.AddDays(9).At(600, c.w.loc()), Status: booking.Active}}
	c.w.moves = map[string]string{"T9RD2W": "AB12CD"}
	c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalTakeOffer, "T9RD2W")})
	c.wantScreen(ScreenDone)
	if c.s.Draft.Ref != "AB12CD" {
		t.Fatalf("an earlier time is shown as a move: %+v", c.s.Draft)
	}
}
