package dialog

import (
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

func TestStep(t *testing.T) {
	t.Run("GreekDetectedFromLanguageCode", func(t *testing.T) {
		c := newConvo(t)
		c.send(Event{Kind: KindText, Text: "γεια", LangCode: "el"})
		c.wantScreen(ScreenMenu)
		c.wantSaid("Γεια σας")
		if c.s.Lang != booking.Greek {
			t.Fatalf("lang = %q", c.s.Lang)
		}
	})
	t.Run("EnglishForAnyOtherLanguageCode", func(t *testing.T) {
		c := newConvo(t)
		c.send(Event{Kind: KindText, Text: "hi", LangCode: "de"})
		c.wantSaid("Hello")
		if c.s.Lang != booking.English {
			t.Fatalf("lang = %q", c.s.Lang)
		}
	})
	t.Run("RememberedLanguageWinsOverLanguageCode", func(t *testing.T) {
		c := newConvo(t)
		c.w.env.KnownLang = booking.English
		c.send(Event{Kind: KindCommand, Command: "/start", LangCode: "el"})
		c.wantSaid("Hello")
	})
	t.Run("BookingFromStartToReference", func(t *testing.T) {
		c := newConvo(t)
		c.cmd("start")
		c.tap("Κλείσιμο ραντεβού")
		c.wantScreen(ScreenDept)
		c.tap("Δημοτολόγιο")
		c.wantScreen(ScreenService)
		c.tap("οικογενειακής")
		c.wantScreen(ScreenDate)
		c.wantSaid("Τι να φέρετε: Αστυνομική ταυτότητα")
		if c.hasButton("Τρίτη 24 Νοεμβρίου") {
			t.Fatal("today without free times is offered")
		}
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.wantScreen(ScreenTime)
		c.tap("09:30")
		c.wantScreen(ScreenPhone)
		if !c.replies[0].ContactButton {
			t.Fatal("phone screen without a share-contact keyboard")
		}
		c.text("+30 691 234 5678")
		c.wantScreen(ScreenName)
		if !c.replies[0].RemoveKeyboard {
			t.Fatal("contact keyboard left on screen")
		}
		c.text("  Μαρία   Παπαδοπούλου ")
		c.wantScreen(ScreenConfirm)
		c.wantSaid("Τετάρτη 25 Νοεμβρίου, 09:30")
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDone)
		c.wantSaid("K7P4QX")
		e, ok := c.ran(Book)
		if !ok {
			t.Fatal("no booking made")
		}
		if e.Name != "Μαρία Παπαδοπούλου" || e.Phone != "+306912345678" || e.Service != "family-status" ||
			e.Lang != booking.Greek || e.Key == "" {
			t.Fatalf("book effect = %+v", e)
		}
		if got := c.w.env.Catalog.Location; e.Start.In(got).Format("2006-01-02 15:04") != "2026-11-25 09:30" {
			t.Fatalf("start = %v", e.Start.In(got))
		}
	})
	t.Run("TappedButtonEditsItsMessage", func(t *testing.T) {
		c := newConvo(t)
		c.toDept()
		c.tap("Δημοτολόγιο")
		if !c.replies[0].Edit {
			t.Fatal("screen after a tap is sent as a new message")
		}
		c.text("blah")
		if c.replies[0].Edit {
			t.Fatal("re-prompt after typed text edits an old message")
		}
	})
	t.Run("SharedContactOfSender", func(t *testing.T) {
		c := newConvo(t)
		c.toPhone()
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "306912345678", UserID: 9, FromID: 9, FirstName: "Νίκος", LastName: "Π."}})
		c.wantScreen(ScreenName)
		c.tap("Νίκος Π.")
		c.wantScreen(ScreenConfirm)
		// Shown grouped as people read it; stored as Telegram vouched for it.
		c.wantSaid("📱 +30 691 234 5678")
		if c.s.Draft.Phone != "+306912345678" {
			t.Fatalf("stored phone %q", c.s.Draft.Phone)
		}
	})
	t.Run("ForeignContactShownAsShared", func(t *testing.T) {
		c := newConvo(t)
		c.toPhone()
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "4915112345678", UserID: 9, FromID: 9, FirstName: "Anna"}})
		c.wantSaid("+4915112345678")
		c.text("Anna Schmidt")
		c.wantScreen(ScreenConfirm)
		c.wantSaid("📱 +4915112345678")
	})
	t.Run("ContactNotTheSendersOwn", func(t *testing.T) {
		c := newConvo(t)
		c.toPhone()
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "306912345678", UserID: 10, FromID: 9}})
		c.wantScreen(ScreenPhone)
		c.wantSaid("μόνο τον δικό σας")
		c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "306912345678", UserID: 0, FromID: 9}})
		c.wantScreen(ScreenPhone)
		c.wantSaid("μόνο τον δικό σας")
	})
	t.Run("InvalidPhoneRePrompts", func(t *testing.T) {
		c := newConvo(t)
		c.toPhone()
		for _, bad := range []string{"12345", "6812345678", "7700 900123", "+0 7700 900123", "69123456789", "τηλέφωνο"} {
			c.text(bad)
			c.wantScreen(ScreenPhone)
			c.wantSaid("δεν φαίνεται σωστός")
			if !c.replies[0].ContactButton {
				t.Fatal("re-prompt lost the share-contact keyboard")
			}
		}
	})
	t.Run("InvalidNameRePrompts", func(t *testing.T) {
		c := newConvo(t)
		c.toName()
		c.text("12345")
		c.wantScreen(ScreenName)
		c.wantSaid("όνομα και επώνυμο με γράμματα")
	})
	t.Run("FreeTextAtButtonStepRePrompts", func(t *testing.T) {
		for name, to := range map[string]func(*convo){
			"Menu": func(c *convo) { c.cmd("start") }, "Dept": (*convo).toDept, "Service": (*convo).toService,
			"Confirm": (*convo).toConfirm, "MyBookings": (*convo).toMine,
		} {
			t.Run(name, func(t *testing.T) {
				c := newConvo(t)
				to(c)
				before := c.s
				c.text("ναι θέλω ραντεβού")
				c.wantSaid("πατήστε ένα από τα κουμπιά")
				if c.s.Screen != before.Screen || c.s.Version != before.Version {
					t.Fatalf("screen %s/%d became %s/%d", before.Screen, before.Version, c.s.Screen, c.s.Version)
				}
				if len(c.replies[len(c.replies)-1].Buttons) == 0 {
					t.Fatal("re-prompt without the buttons")
				}
			})
		}
	})
	t.Run("StaleButtonGetsToastAndNoEffect", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		confirm := c.button("Επιβεβαίωση")
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDone)
		before := c.s
		c.send(Event{Kind: KindButton, Data: confirm.Data}) // the double tap
		if len(c.w.ran) != 0 || len(c.effects) != 0 {
			t.Fatalf("stale tap ran %+v", c.w.ran)
		}
		if len(c.replies) != 1 || c.replies[0].Toast == "" || c.replies[0].Text != "" {
			t.Fatalf("stale tap answered %+v", c.replies)
		}
		if c.s.Version != before.Version || c.s.Screen != before.Screen {
			t.Fatal("stale tap changed the state")
		}
	})
	t.Run("ButtonOfEarlierSessionEpochIsStale", func(t *testing.T) {
		c := newConvo(t)
		c.toDept()
		old := c.button("Δημοτολόγιο")
		c.s = State{} // expired
		c.w.env.Nonce = 78
		c.toDept()
		c.send(Event{Kind: KindButton, Data: old.Data})
		c.wantScreen(ScreenDept)
		if c.replies[0].Toast == "" {
			t.Fatal("button of an expired session acted on")
		}
	})
	t.Run("ExpiredSessionOffersFreshStart", func(t *testing.T) {
		c := newConvo(t)
		c.toTime()
		data := c.button("09:30").Data
		c.s = State{}
		c.send(Event{Kind: KindButton, Data: data})
		c.wantScreen(ScreenMenu)
		c.wantSaid("έληξε")
		if c.replies[0].Edit {
			t.Fatal("expired session edits the old message")
		}
		if !c.hasButton("Κλείσιμο ραντεβού") {
			t.Fatal("no fresh start offered")
		}
	})
	t.Run("SlotTakenShowsFreshTimes", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.ESlotTaken}
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenTime)
		c.wantSaid("μόλις κλείστηκε από άλλον")
		if _, ok := c.ran(LoadSlots); !ok {
			t.Fatal("times not reloaded")
		}
		c.tap("09:45")
		c.wantScreen(ScreenName) // phone kept; name asked again with a button
		c.tap("Μαρία")
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDone)
	})
	t.Run("LimitRefusedByTheStoreNamesTheRule", func(t *testing.T) {
		// Another chat of the citizen's booked the same service meanwhile:
		// the store refuses, and the reloaded bookings name the rule.
		c := newConvo(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.ELimit}
		c.w.bookings = []booking.Booking{{Ref: "ZX98YW", Service: "family-status", Start: today.AddDays(3).At(600, c.w.loc())}}
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenService)
		c.wantSaid("Έχετε ήδη ραντεβού για «Πιστοποιητικό οικογενειακής κατάστασης» (Παρασκευή 27 Νοεμβρίου, 10:00)")
		c2 := newConvo(t)
		c2.toConfirm()
		c2.w.errs[Book] = []booking.Code{booking.ELimit}
		c2.tap("Επιβεβαίωση")
		c2.wantScreen(ScreenMenu)
		c2.wantSaid("Τώρα μπορείτε να δοκιμάσετε ξανά")
	})
	t.Run("InternalErrorOffersRetryAndPhone", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		key := ""
		c.w.errs[Book] = []booking.Code{booking.EInternal}
		c.tap("Επιβεβαίωση")
		e, _ := c.ran(Book)
		key = e.Key
		c.wantScreen(ScreenConfirm)
		c.wantSaid("231 331 7777")
		c.tap("Επιβεβαίωση")
		e, _ = c.ran(Book)
		if e.Key != key {
			t.Fatalf("retry used key %q, first %q: a retry must not book twice", e.Key, key)
		}
		c.wantScreen(ScreenDone)
	})
	t.Run("ClosedDayBackToCalendar", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.EClosed}
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDate)
		c.wantSaid("δεν είναι πια διαθέσιμη")
	})
	t.Run("FullDayTypedGoesBackToCalendar", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		c.w.noSlots[booking.Date{Year: 2026, Month: 11, Day: 26}] = true
		c.text("26/11")
		c.wantScreen(ScreenDate)
		c.wantSaid("Πέμπτη 26 Νοεμβρίου: δεν υπάρχει πια ελεύθερη ώρα")
	})
	t.Run("TypedDateOutsideHorizon", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		c.text("25/3")
		c.wantScreen(ScreenDate)
		c.wantSaid("μόνο για τις επόμενες")
		// Typed on the time screen, it goes back to the list of days it
		// asks the citizen to choose from.
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.wantScreen(ScreenTime)
		c.text("25/3")
		c.wantScreen(ScreenDate)
		c.wantSaid("μόνο για τις επόμενες")
	})
	t.Run("TypedDatesAndTimes", func(t *testing.T) {
		for _, in := range []string{"αύριο", "ΑΥΡΙΟ", "avrio", "25/11", "25-11-2026", "Τετάρτη", "ΤΕΤΑΡΤΗ", "tetarti", "25 Νοεμβρίου"} {
			c := newConvo(t)
			c.toDate()
			c.text(in)
			c.wantScreen(ScreenTime)
			c.wantSaid("Τετάρτη 25 Νοεμβρίου")
			c.text("9.45")
			c.wantScreen(ScreenPhone)
		}
		c := newConvo(t)
		c.w.env.KnownLang = booking.English
		c.cmd("book")
		c.tap("Civil Registry")
		c.tap("Family status")
		for _, in := range []string{"tomorrow", "Wednesday", "wed", "November 25", "25/11"} {
			c.text(in)
			c.wantScreen(ScreenTime)
			c.wantSaid("Wednesday 25 November")
			c.tap("Back")
		}
		c.text("someday")
		c.wantSaid("did not understand that date")
	})
	t.Run("TimeNotOffered", func(t *testing.T) {
		c := newConvo(t)
		c.toTime()
		c.text("13:00")
		c.wantScreen(ScreenTime)
		c.wantSaid("ελεύθερες ώρες")
	})
	t.Run("OtherDateTypedOnTimeScreen", func(t *testing.T) {
		c := newConvo(t)
		c.toTime()
		c.text("1.12")
		c.wantScreen(ScreenTime)
		c.wantSaid("Τρίτη 1 Δεκεμβρίου")
	})
	t.Run("FirstAvailable", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		c.tap("Πρώτη διαθέσιμη")
		c.wantScreen(ScreenTime)
		c.wantSaid("Τετάρτη 25 Νοεμβρίου")
		c.w.errs[FirstAvailable] = []booking.Code{booking.ENotFound}
		c.tap("Πίσω")
		c.tap("Πρώτη διαθέσιμη")
		c.wantScreen(ScreenDate)
		c.wantSaid("Δεν βρήκαμε ελεύθερη ώρα")
	})
	t.Run("WeekNavigation", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		if c.hasButton("Προηγούμενη") {
			t.Fatal("previous week offered from the current one")
		}
		c.tap("Επόμενη")
		c.wantSaid("Δευτέρα 30 Νοεμβρίου")
		e, _ := c.ran(LoadDays)
		if e.From != (booking.Date{Year: 2026, Month: 11, Day: 30}) || e.To != (booking.Date{Year: 2026, Month: 12, Day: 6}) {
			t.Fatalf("week loaded %v–%v", e.From, e.To)
		}
		for c.hasButton("Επόμενη") {
			c.tap("Επόμενη")
		}
		e, _ = c.ran(LoadDays)
		if e.To != today.AddDays(30) {
			t.Fatalf("last week ends %v, want the horizon %v", e.To, today.AddDays(30))
		}
		c.tap("Προηγούμενη")
		c.wantScreen(ScreenDate)
	})
	t.Run("CancelBookingAfterConfirming", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.wantScreen(ScreenMyBookings)
		c.wantSaid("AB12CD")
		c.tap("Ακύρωση AB12CD")
		c.wantScreen(ScreenCancelAsk)
		if _, ok := c.ran(Cancel); ok {
			t.Fatal("cancelled without asking")
		}
		c.tap("Ναι, ακύρωση")
		if e, ok := c.ran(Cancel); !ok || e.Ref != "AB12CD" {
			t.Fatalf("cancel effect %+v", e)
		}
		c.wantSaid("ακυρώθηκε")
		c.wantScreen(ScreenMenu)
	})
	t.Run("CancelAlreadyGone", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Ακύρωση AB12CD")
		c.w.errs[Cancel] = []booking.Code{booking.EConflict}
		c.w.bookings = nil
		c.tap("Ναι, ακύρωση")
		c.wantScreen(ScreenMyBookings)
		c.wantSaid("δεν ισχύει πια")
	})
	t.Run("RescheduleSwapsAtomically", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Αλλαγή AB12CD")
		c.wantScreen(ScreenDate)
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:15")
		c.wantScreen(ScreenConfirm)
		c.wantSaid("Παλιά ώρα: Πέμπτη 26 Νοεμβρίου, 10:00")
		c.tap("Επιβεβαίωση")
		e, ok := c.ran(Reschedule)
		if !ok || e.Ref != "AB12CD" || e.Key == "" {
			t.Fatalf("reschedule effect %+v", e)
		}
		if _, ok := c.ran(Book); ok {
			t.Fatal("reschedule booked anew")
		}
		c.wantScreen(ScreenDone)
		c.wantSaid("Νέα ημέρα και ώρα: Τετάρτη 25 Νοεμβρίου, 09:15")
	})
	t.Run("RescheduleSlotTaken", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Αλλαγή AB12CD")
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:15")
		c.w.errs[Reschedule] = []booking.Code{booking.ESlotTaken}
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenTime)
		c.wantSaid("μόλις κλείστηκε από άλλον")
	})
	t.Run("GlobalButtons", func(t *testing.T) {
		c := newConvo(t)
		c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Start: today.AddDays(2).At(600, c.w.loc())}}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalKeep, "AB12CD")})
		// Keep checks the booking is still on, and only toasts: the
		// reminder stays as it is and nothing is drawn.
		if len(c.replies) != 1 || c.replies[0].Toast != "Ευχαριστούμε, σας περιμένουμε! 👍 Πέμπτη 26 Νοεμβρίου, 10:00" || c.replies[0].Text != "" {
			t.Fatalf("keep: %+v ran %+v", c.replies, c.w.ran)
		}
		if _, ok := c.ran(MyBookings); !ok || len(c.w.ran) != 1 {
			t.Fatalf("keep ran %+v, want only my_bookings", c.w.ran)
		}
		// Keep on a booking that is no longer active says so, and shows
		// what is active, below the reminder.
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalKeep, "GONE12")})
		c.wantScreen(ScreenMyBookings)
		c.wantSaid("δεν ισχύει πια")
		if c.replies[0].Edit || strings.Contains(c.replies[0].Toast, "περιμένουμε") {
			t.Fatalf("keep of a gone booking: %+v", c.replies)
		}
		c.s = State{}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalCancel, "AB12CD")})
		c.wantScreen(ScreenCancelAsk)
		// "I'll be there" on the reminder while the cancel question is
		// on display leaves the question as it was.
		ask := c.replies
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalKeep, "AB12CD")})
		c.wantScreen(ScreenCancelAsk)
		if c.s.Focus != "AB12CD" {
			t.Fatalf("keep changed the cancel question's booking to %q", c.s.Focus)
		}
		c.replies = ask
		c.tap("Ναι, ακύρωση")
		if _, ok := c.ran(Cancel); !ok {
			t.Fatal("not cancelled")
		}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalReschedule, "AB12CD")})
		c.wantScreen(ScreenDate)
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalCancel, "ZZZZZZ")})
		c.wantScreen(ScreenMyBookings)
		c.wantSaid("δεν ισχύει πια")
		c.w.past, c.w.bookings = c.w.bookings, nil // cancelled above
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalBookAgain, "AB12CD")})
		c.wantScreen(ScreenDate)
		if c.s.Draft.Service != "family-status" {
			t.Fatalf("book again opened %q", c.s.Draft.Service)
		}
	})
	t.Run("ReminderRescheduleFromConfirmStep", func(t *testing.T) {
		// Half-way through another booking, the reminder's "Another time"
		// moves the reminded booking: its calendar, not an empty one.
		c := newConvo(t)
		c.toConfirm()
		c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status",
			Start: today.AddDays(2).At(600, c.w.loc()), Status: booking.Active}}
		c.send(Event{Kind: KindButton, Data: GlobalButton(GlobalReschedule, "AB12CD")})
		c.wantScreen(ScreenDate)
		if c.s.Draft.Ref != "AB12CD" || c.s.Draft.Service != "family-status" {
			t.Fatalf("draft after reschedule from confirm: %+v", c.s.Draft)
		}
		c.wantSaid("Πιστοποιητικό οικογενειακής κατάστασης")
		c.wantSaid("AB12CD")
	})
	t.Run("LanguageSwitch", func(t *testing.T) {
		c := newConvo(t)
		c.toService()
		c.cmd("lang")
		c.wantScreen(ScreenLang)
		c.tap("English")
		if e, ok := c.ran(SetLang); !ok || e.Lang != booking.English {
			t.Fatalf("language not remembered: %+v", c.w.ran)
		}
		c.wantSaid("English")
		// Mid-booking, the switch comes back to the step it left, in the
		// new language, with nothing lost.
		c.wantScreen(ScreenService)
		c.wantSaid("What do you need?")
		if c.s.Draft.Department == "" {
			t.Fatal("the draft was lost")
		}
		// From the menu it comes back to the menu.
		c.tap("Stop")
		c.cmd("lang")
		c.tap("Ελληνικά")
		c.wantScreen(ScreenMenu)
		c.wantSaid("Τι θέλετε να κάνετε;")
	})
	t.Run("LanguageSwitchOnConfirmAndBack", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.cmd("lang")
		c.tap("Πίσω")
		c.wantScreen(ScreenConfirm)
		c.cmd("lang")
		c.tap("English")
		c.wantScreen(ScreenConfirm)
		c.wantSaid("Shall we book it?")
		c.tap("Confirm")
		if _, ok := c.ran(Book); !ok {
			t.Fatal("not booked after switching language")
		}
	})
	t.Run("TypedStopOnNameStepIsNotAName", func(t *testing.T) {
		for _, word := range []string{"διακοπή", "ακύρωση", "✖ Διακοπή", "stop"} {
			c := newConvo(t)
			c.toName()
			c.text(word)
			c.wantScreen(ScreenMenu)
			c.wantSaid("Δεν κλείστηκε κανένα ραντεβού")
			if c.s.Draft.Name != "" {
				t.Fatalf("%q was taken as the name %q", word, c.s.Draft.Name)
			}
		}
	})
	t.Run("TypedHolidayIsNamed", func(t *testing.T) {
		c := newConvo(t)
		c.toDate()
		c.w.closed = map[booking.Date]booking.Text{{Year: 2026, Month: 12, Day: 8}: {EL: "Τοπική αργία", EN: "Local holiday"}}
		c.text("8/12")
		c.wantScreen(ScreenDate)
		c.wantSaid("Τρίτη 8 Δεκεμβρίου: δεν δεχόμαστε ραντεβού (Τοπική αργία)")
	})
}

func TestStepBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   func(*convo)
		want Screen
	}{
		{"Dept", (*convo).toDept, ScreenMenu},
		{"Service", (*convo).toService, ScreenDept},
		{"Date", (*convo).toDate, ScreenService},
		{"Time", (*convo).toTime, ScreenDate},
		{"Phone", (*convo).toPhone, ScreenTime},
		{"Name", (*convo).toName, ScreenPhone},
		{"Confirm", (*convo).toConfirm, ScreenName},
		{"MyBookings", (*convo).toMine, ScreenMenu},                                             // its Back is labelled "🏠 Αρχική"
		{"CancelAsk", func(c *convo) { c.toMine(); c.tap("Ακύρωση AB12CD") }, ScreenMyBookings}, // "◀ Όχι, το κρατάω"
		{"RescheduleDate", func(c *convo) { c.toMine(); c.tap("Αλλαγή AB12CD") }, ScreenMyBookings},
		{"RescheduleConfirm", func(c *convo) { c.toMine(); c.tap("Αλλαγή AB12CD"); c.tap("Τετάρτη"); c.tap("09:00") }, ScreenTime},
		{"Lang", func(c *convo) { c.cmd("lang") }, ScreenMenu},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			tc.to(c)
			switch tc.name {
			case "MyBookings":
				c.tap("Αρχική")
			case "CancelAsk":
				c.tap("Όχι, το κρατάω")
			default:
				c.tap("Πίσω")
			}
			c.wantScreen(tc.want)
			if tc.name == "Phone" && !c.replies[0].RemoveKeyboard {
				t.Fatal("contact keyboard left behind")
			}
			if tc.name == "Confirm" {
				return
			}
			// Typed "πίσω" works the same as the button, also where a
			// name is typed.
			c2 := newConvo(t)
			tc.to(c2)
			c2.text("Πίσω")
			c2.wantScreen(tc.want)
		})
	}
}

func TestStepCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   func(*convo)
		say  string
	}{
		{"Dept", (*convo).toDept, "Τι θέλετε"},
		{"Service", (*convo).toService, "Δεν κλείστηκε κανένα"},
		{"Date", (*convo).toDate, "Δεν κλείστηκε κανένα"},
		{"Time", (*convo).toTime, "Δεν κλείστηκε κανένα"},
		{"Phone", (*convo).toPhone, "Δεν κλείστηκε κανένα"},
		{"Name", (*convo).toName, "Δεν κλείστηκε κανένα"},
		{"Confirm", (*convo).toConfirm, "Δεν κλείστηκε κανένα"},
		{"RescheduleDate", func(c *convo) { c.toMine(); c.tap("Αλλαγή AB12CD") }, "παραμένει όπως ήταν"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			tc.to(c)
			if c.hasButton("Ακύρωση") {
				t.Fatal("stopping a flow is labelled like cancelling a booking")
			}
			c.tap("Διακοπή")
			c.wantScreen(ScreenMenu)
			c.wantSaid(tc.say)
			if c.s.Draft.Service != "" || c.s.Draft.Ref != "" {
				t.Fatalf("draft kept: %+v", c.s.Draft)
			}
			if len(c.w.ran) != 0 {
				t.Fatalf("cancel ran %+v", c.w.ran)
			}
		})
	}
}

// TestStepCommandsAnywhere sends every command on every screen.
func TestStepCommandsAnywhere(t *testing.T) {
	screens := map[string]func(*convo){
		"None": func(*convo) {}, "Menu": func(c *convo) { c.cmd("start") }, "Dept": (*convo).toDept,
		"Service": (*convo).toService, "Date": (*convo).toDate, "Time": (*convo).toTime,
		"Phone": (*convo).toPhone, "Name": (*convo).toName, "Confirm": (*convo).toConfirm,
		"MyBookings": (*convo).toMine,
	}
	commands := []struct {
		cmd    string
		screen Screen // "" means: the screen stays
		say    string
		effect EffectKind
	}{
		{"/start", ScreenMenu, "Γεια σας", ""},
		{"/book", ScreenDept, "Σε ποια υπηρεσία", ""},
		{"/mybookings", ScreenMyBookings, "AB12CD", MyBookings},
		{"/cancel", ScreenMenu, "Τι θέλετε", ""},
		{"/lang", ScreenLang, "Διαλέξτε γλώσσα", ""},
		{"/help", "", "/mybookings", ""},
		{"/info", "", "231 331 7413", ""},
		{"/start@rantevou_bot", ScreenMenu, "Γεια σας", ""},
		{"/whatever", "", "Πώς λειτουργεί", ""},
	}
	for name, to := range screens {
		for _, cmd := range commands {
			t.Run(name+"/"+strings.Trim(cmd.cmd, "/"), func(t *testing.T) {
				c := newConvo(t)
				to(c)
				c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status", Start: today.AddDays(2).At(600, c.w.loc())}}
				before := c.s.Screen
				c.cmd(cmd.cmd)
				want := cmd.screen
				if want == "" {
					want = before
					if before == ScreenNone {
						want = ScreenMenu
					}
				}
				c.wantScreen(want)
				c.wantSaid(cmd.say)
				if cmd.effect != "" {
					if _, ok := c.ran(cmd.effect); !ok {
						t.Fatalf("%s did not run %s", cmd.cmd, cmd.effect)
					}
				}
			})
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Run("RedoOfSameUpdateRepeatsKey", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		data := c.button("Επιβεβαίωση").Data
		_, _, e1 := Step(c.s, Event{Kind: KindButton, Data: data}, c.w.env)
		_, _, e2 := Step(c.s, Event{Kind: KindButton, Data: data}, c.w.env)
		if len(e1) != 1 || len(e2) != 1 || e1[0].Key != e2[0].Key {
			t.Fatalf("keys %+v, %+v", e1, e2)
		}
	})
	t.Run("NewConfirmationNewKey", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.tap("Επιβεβαίωση")
		first, _ := c.ran(Book)
		c.tap("Νέο ραντεβού")
		c.tap("Δημοτολόγιο")
		c.tap("οικογενειακής")
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:30")
		c.tap("Μαρία")
		c.tap("Επιβεβαίωση")
		second, _ := c.ran(Book)
		if first.Key == second.Key {
			t.Fatalf("a second booking reuses key %q", first.Key)
		}
	})
	t.Run("OtherChatOtherKey", func(t *testing.T) {
		a, b := newConvo(t), newConvo(t)
		b.w.env.ChatID = 4343
		a.toConfirm()
		b.toConfirm()
		a.tap("Επιβεβαίωση")
		b.tap("Επιβεβαίωση")
		ka, _ := a.ran(Book)
		kb, _ := b.ran(Book)
		if ka.Key == kb.Key {
			t.Fatalf("two chats share key %q", ka.Key)
		}
	})
}

func TestStepEnglishConversation(t *testing.T) {
	c := newConvo(t)
	c.send(Event{Kind: KindCommand, Command: "start", LangCode: "en-GB"})
	c.tap("Book an appointment")
	c.tap("Civil Registry")
	c.tap("Family status")
	c.wantSaid("What to bring: Identity card or passport.")
	c.tap("Wednesday 25 November")
	c.tap("09:00")
	c.text("2310 123 456")
	c.text("John Smith")
	c.wantSaid("Shall we book it?")
	c.tap("Confirm")
	c.wantSaid("Your appointment is booked")
}

func TestStepLeavingPhoneRemovesKeyboard(t *testing.T) {
	for _, leave := range []func(*convo){
		func(c *convo) { c.tap("Πίσω") },
		func(c *convo) { c.tap("Διακοπή") },
		func(c *convo) { c.cmd("book") },
		func(c *convo) { c.cmd("mybookings") },
		func(c *convo) { c.cmd("lang") },
		func(c *convo) { c.text("6912345678") },
	} {
		c := newConvo(t)
		c.toPhone()
		leave(c)
		if c.s.Screen == ScreenPhone {
			t.Fatal("still on the phone screen")
		}
		removed := 0
		for _, r := range c.replies {
			if r.RemoveKeyboard {
				removed++
			}
		}
		if removed != 1 || !c.replies[0].RemoveKeyboard {
			t.Fatalf("keyboard removed %d times:\n%s", removed, transcript(c.replies))
		}
	}
	c := newConvo(t)
	c.cmd("help")
	c.send(Event{Kind: KindContact, Contact: &Contact{Phone: "306912345678", UserID: 1, FromID: 1}})
	if !c.replies[0].RemoveKeyboard {
		t.Fatal("contact on a menu leaves the keyboard")
	}
}
