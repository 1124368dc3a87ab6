package bot

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/throttle"
)

// notifier delivers citizen notifications the way the outbox worker does:
// rendered by notify.Renderer and sent through the bot's own API client.
func (e *e2e) notifier(t testing.TB) *notify.Telegram {
	t.Helper()
	sender := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond})
	t.Cleanup(sender.Close)
	return &notify.Telegram{
		API:      e.bot.API(),
		Sender:   sender,
		Bookings: e.store,
		Reach:    e.store,
		Renderer: &notify.Renderer{Catalog: e.office.Catalog(), Now: e.clock.Now},
	}
}

// notificationID numbers the notifications the tests send, as outbox ids
// would (they become the calendar files' SEQUENCE).
var notificationID int64

// notify sends a notification of kind about b to its citizen, as the outbox
// worker would.
func (e *e2e) notify(t testing.TB, tg *notify.Telegram, kind booking.NotificationKind, b booking.Booking, payload booking.Payload) {
	t.Helper()
	notificationID++
	n := booking.Notification{ID: notificationID, Kind: kind, Channel: booking.ChannelTelegram,
		Recipient: strconv.FormatInt(b.Citizen.TelegramID, 10), BookingID: b.ID, Payload: payload, DueAt: e.clock.Now()}
	if err := tg.Deliver(context.Background(), n); err != nil {
		t.Fatalf("deliver %s: %v", kind, err)
	}
}

// bookFor books service at the local time hh:mm on d for chat, in lang.
func (e *e2e) bookFor(t testing.TB, chat int64, lang booking.Lang, service string, d booking.Date, hh, mm int) booking.Booking {
	t.Helper()
	start := d.At(booking.Clock(hh*60+mm), e.office.Catalog().Location)
	b, err := e.office.Book(context.Background(), booking.Request{
		Citizen: booking.Citizen{TelegramID: chat, Name: "Αθανασία Κωνσταντίνου", Phone: "+306912345000", Lang: lang},
		Service: service, Start: start,
	})
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	return b
}

// pressOn taps the button labelled label on message id (not necessarily the
// newest), as a citizen scrolling up to an old notification does.
func (e *e2e) pressOn(t testing.TB, chat int64, msgID int, label string) (toast string) {
	t.Helper()
	var data string
	for _, m := range e.fake.Chat(chat) {
		if m.ID == msgID {
			b, ok := m.Button(label)
			if !ok {
				t.Fatalf("message #%d has no button %q\n%s", msgID, label, e.transcript(chat))
			}
			data = b.Data
		}
	}
	if data == "" {
		t.Fatalf("no message #%d\n%s", msgID, e.transcript(chat))
	}
	id, err := e.fake.PressButton(chat, msgID, data)
	if err != nil {
		t.Fatal(err)
	}
	e.ok(t)
	toast, answered := e.fake.CallbackAnswer(id)
	if !answered {
		t.Fatalf("tap on %q was not answered", label)
	}
	return toast
}

// wantBookingAgain checks that chat is on the calendar of service, starting
// a new booking (not moving an old one).
func (e *e2e) wantBookingAgain(t testing.TB, chat int64, service string) {
	t.Helper()
	e.wantScreen(t, chat, dialog.ScreenDate)
	if s := e.session(t, chat); s.Draft.Service != service || s.Draft.Ref != "" {
		t.Fatalf("book again: service %q, moving %q; want a new %s\n%s", s.Draft.Service, s.Draft.Ref, service, e.transcript(chat))
	}
}

func (e *e2e) wantStatus(t testing.TB, ref string, want booking.Status) booking.Booking {
	t.Helper()
	b, err := e.store.Booking(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != want {
		t.Fatalf("%s is %s, want %s", ref, b.Status, want)
	}
	return b
}

// TestNotificationButtons sends real notifications (rendered by notify,
// delivered through the bot's API client to the fake Telegram) and presses
// every button on them, with and without a live session, long after it
// expired, and after the booking changed.
func TestNotificationButtons(t *testing.T) {
	e := newE2E(t)
	tg := e.notifier(t)
	tue := booking.Date{Year: 2026, Month: time.December, Day: 1}
	thu := booking.Date{Year: 2026, Month: time.December, Day: 3}

	t.Run("ReminderKeepCancelKeepAgain", func(t *testing.T) {
		const c = 801
		e.fake.SetLanguage(c, "el")
		b := e.bookFor(t, c, booking.Greek, "birth-certificate", tue, 9, 0)
		e.notify(t, tg, booking.NotifyReminder, b, booking.Payload{})
		reminder := e.last(t, c)
		if !strings.Contains(reminder.Text, "Υπενθύμιση") || !strings.Contains(reminder.Text, "Τρίτη 1 Δεκεμβρίου") {
			t.Fatalf("reminder text: %q", reminder.Text)
		}
		// No session at all: the citizen never talked to the bot in this
		// session's lifetime.
		toast := e.pressOn(t, c, reminder.ID, "👍 Θα έρθω")
		if !strings.HasPrefix(toast, "Ευχαριστούμε, σας περιμένουμε! 👍 Τρίτη 1 Δεκεμβρίου, 09:00") {
			t.Fatalf("keep toast = %q", toast)
		}
		e.wantStatus(t, b.Ref, booking.Active)

		e.deleteSession(t, c)
		e.pressOn(t, c, reminder.ID, "❌ Ακύρωση ραντεβού")
		e.wantScreen(t, c, dialog.ScreenCancelAsk)
		ask := e.last(t, c)
		if ask.ID == reminder.ID || !strings.Contains(ask.Text, b.Ref) {
			t.Fatalf("cancel did not ask below the reminder about %s:\n%s", b.Ref, e.transcript(c))
		}
		e.press(t, c, "✅ Ναι, ακύρωση")
		e.wantStatus(t, b.Ref, booking.Cancelled)

		// The reminder still shows its buttons; "I'll be there" must not
		// claim a cancelled appointment is still on.
		toast = e.pressOn(t, c, reminder.ID, "👍 Θα έρθω")
		if strings.Contains(toast, "περιμένουμε") {
			t.Fatalf("keep on a cancelled booking toasted %q\n%s", toast, e.transcript(c))
		}
		if !strings.Contains(e.last(t, c).Text, "δεν ισχύει πια") {
			t.Fatalf("keep on a cancelled booking did not say so:\n%s", e.transcript(c))
		}
		// And cancel again says it is gone, with a way on.
		e.pressOn(t, c, reminder.ID, "❌ Ακύρωση ραντεβού")
		if m := e.last(t, c); !strings.Contains(m.Text, "δεν ισχύει πια") || len(m.Inline) == 0 {
			t.Fatalf("cancel of a cancelled booking:\n%s", e.transcript(c))
		}
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "reminder_el")
	})

	t.Run("ReminderKeepNoThanksKeepsBooking", func(t *testing.T) {
		const c = 802
		e.fake.SetLanguage(c, "en")
		b := e.bookFor(t, c, booking.English, "family-status", tue, 10, 0)
		e.notify(t, tg, booking.NotifyReminder, b, booking.Payload{})
		reminder := e.last(t, c)
		e.pressOn(t, c, reminder.ID, "❌ Cancel appointment")
		e.press(t, c, "◀ No, keep it")
		e.wantStatus(t, b.Ref, booking.Active)
		e.wantScreen(t, c, dialog.ScreenMyBookings)
		if toast := e.pressOn(t, c, reminder.ID, "👍 I'll be there"); toast != "Thank you, see you then! 👍 Tuesday 1 December, 10:00" {
			t.Fatalf("keep toast = %q", toast)
		}
		e.wantAllAnswered(t)
	})

	t.Run("ReminderRescheduleAfterSessionExpired", func(t *testing.T) {
		const c = 803
		e.fake.SetLanguage(c, "el")
		b := e.bookFor(t, c, booking.Greek, "birth-certificate", tue, 11, 0)
		e.notify(t, tg, booking.NotifyReminder, b, booking.Payload{})
		reminder := e.last(t, c)
		// The citizen was half-way through something else, then went away.
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		e.deleteSession(t, c)
		e.pressOn(t, c, reminder.ID, "🔄 Άλλη ώρα")
		e.wantScreen(t, c, dialog.ScreenDate)
		if s := e.session(t, c); s.Draft.Ref != b.Ref {
			t.Fatalf("rescheduling %q, want %q", s.Draft.Ref, b.Ref)
		}
		// A holiday typed as a date is named.
		e.say(t, c, "25/12")
		if m := e.last(t, c); !strings.Contains(m.Text, "Χριστούγεννα") {
			t.Fatalf("25/12 did not name Christmas:\n%s", e.transcript(c))
		}
		e.wantScreen(t, c, dialog.ScreenDate)
		e.say(t, c, "μεθαύριο")
		e.wantScreen(t, c, dialog.ScreenTime)
		if m := e.last(t, c); !strings.Contains(m.Text, "Τετάρτη 2 Δεκεμβρίου") {
			t.Fatalf("μεθαύριο is not Wednesday 2 December:\n%s", e.transcript(c))
		}
		e.press(t, c, "12:00")
		e.press(t, c, "✅ Επιβεβαίωση")
		got := e.wantStatus(t, b.Ref, booking.Active)
		if want := (booking.Date{Year: 2026, Month: time.December, Day: 2}).At(booking.Clock(12*60), e.office.Catalog().Location); !got.Start.Equal(want) {
			t.Fatalf("moved to %v, want %v", got.Start, want)
		}
		e.wantActive(t, c, 1)
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "reminder_move_el")
	})

	t.Run("StaffCancelledBookAgain", func(t *testing.T) {
		const c = 804
		e.fake.SetLanguage(c, "el")
		b := e.bookFor(t, c, booking.Greek, "family-status", thu, 9, 0)
		if _, err := e.office.Cancel(context.Background(), booking.Actor{Kind: booking.ActorSystem, ID: "test"}, b.Ref, "Βλάβη στο σύστημα"); err != nil {
			t.Fatal(err)
		}
		e.notify(t, tg, booking.NotifyCancelledByStaff, b, booking.Payload{Reason: "Βλάβη στο σύστημα"})
		msg := e.last(t, c)
		if msg.Document == nil || !strings.Contains(msg.Text, "Βλάβη στο σύστημα") {
			t.Fatalf("cancellation: %+v", msg)
		}
		e.deleteSession(t, c)
		e.pressOn(t, c, msg.ID, "📅 Νέο ραντεβού")
		// Straight to the same service's calendar, with what to bring.
		e.wantBookingAgain(t, c, b.Service)
		cal := e.last(t, c)
		if cal.ID == msg.ID {
			t.Fatal("book again overwrote the cancellation notice")
		}
		if !strings.Contains(cal.Text, "📄 Πιστοποιητικό οικογενειακής κατάστασης") ||
			!strings.Contains(cal.Text, "Τι να φέρετε: Αστυνομική ταυτότητα ή διαβατήριο.") {
			t.Fatalf("book again calendar:\n%s", e.transcript(c))
		}
		// The day the booking was on is free again and offered.
		if _, ok := cal.Button("📅 Πέμπτη 3 Δεκεμβρίου"); !ok {
			t.Fatalf("Thursday 3 December is not offered\n%s", e.transcript(c))
		}
		e.wantAllAnswered(t)
	})

	t.Run("DayClosedBookAgainMidFlow", func(t *testing.T) {
		const c = 805
		e.fake.SetLanguage(c, "en")
		b := e.bookFor(t, c, booking.English, "registration", thu, 10, 0)
		keep := e.bookFor(t, c, booking.English, "family-status", tue, 12, 0)
		if _, err := e.office.CloseDay(context.Background(), booking.Actor{Kind: booking.ActorSystem, ID: "test"}, b.Department, thu, "Strike"); err != nil {
			t.Fatal(err)
		}
		e.wantStatus(t, b.Ref, booking.Cancelled)
		e.notify(t, tg, booking.NotifyDayClosed, b, booking.Payload{Reason: "Strike"})
		msg := e.last(t, c)
		if !strings.Contains(msg.Text, "Strike") {
			t.Fatalf("day closed: %q", msg.Text)
		}
		// Mid-way through My appointments, the old notice's button still
		// works, and opens the calendar of the service that was booked.
		e.say(t, c, "/mybookings")
		e.pressOn(t, c, msg.ID, "📅 Book again")
		e.wantBookingAgain(t, c, b.Service)
		cal := e.last(t, c)
		if !strings.Contains(cal.Text, "📄 Registration in the municipal roll") ||
			!strings.Contains(cal.Text, "What to bring: Identity card or passport and birth record.") {
			t.Fatalf("book again calendar:\n%s", e.transcript(c))
		}
		if _, ok := cal.Button("📅 Thursday 3 December"); ok {
			t.Fatalf("the closed day is offered\n%s", e.transcript(c))
		}
		// The closed day, typed, says why.
		e.say(t, c, "3/12")
		if m := e.last(t, c); !strings.Contains(m.Text, "Thursday 3 December: no appointments that day (Strike)") {
			t.Fatalf("the closed day was not explained:\n%s", e.transcript(c))
		}
		e.wantStatus(t, keep.Ref, booking.Active)
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "day_closed_en")
	})
}

// TestMyBookingsAndFullDay lists 0, 1 and 2 bookings, and moves a booking
// to a day that has become full, through the whole stack.
func TestMyBookingsAndFullDay(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	const c = 820
	e.fake.SetLanguage(c, "el")
	tue := booking.Date{Year: 2026, Month: time.December, Day: 1}
	fri := booking.Date{Year: 2026, Month: time.December, Day: 4}

	e.say(t, c, "/mybookings")
	if m := e.last(t, c); !strings.Contains(m.Text, "Δεν έχετε κανένα") || len(m.Inline) == 0 {
		t.Fatalf("no bookings:\n%s", e.transcript(c))
	}
	first := e.bookFor(t, c, booking.Greek, "family-status", tue, 9, 0)
	e.say(t, c, "/mybookings")
	if m := e.last(t, c); !strings.Contains(m.Text, "Έχετε ένα ραντεβού:") || !strings.Contains(m.Text, first.Ref) {
		t.Fatalf("one booking:\n%s", e.transcript(c))
	}
	second := e.bookFor(t, c, booking.Greek, "registration", tue, 10, 0)
	e.say(t, c, "/mybookings")
	m := e.last(t, c)
	// Each booking: cancel and move, and an earlier time; then the menu.
	if !strings.Contains(m.Text, "Έχετε 2 ραντεβού:") || !strings.Contains(m.Text, second.Ref) || len(m.Inline) != 5 {
		t.Fatalf("two bookings:\n%s", e.transcript(c))
	}

	// Others fill Friday for this service.
	svc := "family-status"
	for i := int64(0); ; i++ {
		day, err := e.office.FreeSlots(ctx, svc, fri)
		if err != nil {
			t.Fatal(err)
		}
		if len(day.Slots) == 0 {
			break
		}
		if i > 500 {
			t.Fatal("Friday does not fill up")
		}
		_, err = e.office.Book(ctx, booking.Request{
			Citizen: booking.Citizen{TelegramID: 50000 + i, Name: "Άλλος Πολίτης", Phone: "+30691" + strconv.FormatInt(1000000+i, 10), Lang: booking.Greek},
			Service: svc, Start: day.Slots[0].Start,
		})
		if err != nil {
			t.Fatalf("filling Friday: %v", err)
		}
	}
	e.press(t, c, "🔁 Αλλαγή "+first.Ref)
	e.wantScreen(t, c, dialog.ScreenDate)
	if _, ok := e.last(t, c).Button("📅 Παρασκευή 4 Δεκεμβρίου"); ok {
		t.Fatalf("a full day is offered\n%s", e.transcript(c))
	}
	e.say(t, c, "Παρασκευή")
	if m := e.last(t, c); !strings.Contains(m.Text, "Παρασκευή 4 Δεκεμβρίου: δεν υπάρχει πια ελεύθερη ώρα") || len(m.Inline) == 0 {
		t.Fatalf("full day:\n%s", e.transcript(c))
	}
	e.wantScreen(t, c, dialog.ScreenDate)
	e.press(t, c, "✖ Διακοπή")
	if m := e.last(t, c); !strings.Contains(m.Text, "παραμένει όπως ήταν") {
		t.Fatalf("abandoning the move:\n%s", e.transcript(c))
	}
	got := e.wantStatus(t, first.Ref, booking.Active)
	if !got.Start.Equal(first.Start) {
		t.Fatalf("the booking moved to %v", got.Start)
	}

	// With two active bookings, as many as the catalog allows, a new one
	// is refused when its service is chosen, before any day.
	e.say(t, c, "/book")
	e.pressAt(t, c, 0, 0)
	e.pressAt(t, c, 1, 0)
	e.wantScreen(t, c, dialog.ScreenMenu)
	if m := e.last(t, c); !strings.Contains(m.Text, "όσα επιτρέπονται τη φορά") {
		t.Fatalf("limit:\n%s", e.transcript(c))
	}
	if _, err := e.office.Cancel(ctx, booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(c, 10)}, second.Ref, ""); err != nil {
		t.Fatal(err)
	}

	// /lang half-way through a booking comes back to the same step.
	e.say(t, c, "/book")
	e.pressAt(t, c, 0, 0)
	e.pressAt(t, c, 1, 0)
	e.say(t, c, "αύριο")
	e.wantScreen(t, c, dialog.ScreenTime)
	e.say(t, c, "/lang")
	e.press(t, c, "🇬🇧 English")
	e.wantScreen(t, c, dialog.ScreenTime)
	if m := e.last(t, c); !strings.Contains(m.Text, "we will continue in English") || !strings.Contains(m.Text, "Tuesday 1 December") {
		t.Fatalf("after /lang:\n%s", e.transcript(c))
	}
	e.press(t, c, "13:00")
	e.wantScreen(t, c, dialog.ScreenPhone)
	e.wantAllAnswered(t)
}
