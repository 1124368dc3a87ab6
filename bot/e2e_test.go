package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	rstore "github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// session reads the chat's dialog state from Redis; the zero State when
// there is none.
func (e *e2e) session(t testing.TB, chat int64) dialog.State {
	t.Helper()
	data, _, err := e.sessions.Load(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	var s dialog.State
	if data != nil {
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (e *e2e) wantScreen(t testing.TB, chat int64, want dialog.Screen) {
	t.Helper()
	if got := e.session(t, chat).Screen; got != want {
		t.Fatalf("screen = %q, want %q\ntranscript:\n%s", got, want, e.transcript(chat))
	}
}

func (e *e2e) wantActive(t testing.TB, chat int64, want int) {
	t.Helper()
	if got := e.activeBookings(t, chat); got != want {
		t.Fatalf("%d active bookings, want %d\ntranscript:\n%s", got, want, e.transcript(chat))
	}
}

func (e *e2e) wantAllAnswered(t testing.TB) {
	t.Helper()
	if u := e.fake.Unanswered(); len(u) != 0 {
		t.Fatalf("unanswered callback queries: %v", u)
	}
}

// TestConversation runs whole conversations through the fake Telegram,
// the adapter, the real engine, Redis and PostgreSQL.
func TestConversation(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()

	t.Run("FullBookingGreek", func(t *testing.T) {
		const c = 601
		e.fake.SetLanguage(c, "el")
		e.toConfirm(t, c, 1, 1, "08:00", "Μαρία Παπαδοπούλου")
		e.wantScreen(t, c, dialog.ScreenConfirm)
		e.press(t, c, "✅ Επιβεβαίωση")
		e.wantActive(t, c, 1)
		// The one confirmation leads to the map and to the calendar.
		e.press(t, c, "📍 Χάρτης")
		e.press(t, c, "📅 Στο ημερολόγιο")
		var pin, file bool
		for _, m := range e.fake.Chat(c) {
			pin = pin || m.Venue != nil && m.Venue.Lat == 40.6284
			file = file || m.Document != nil && strings.Contains(string(m.Document.Data), "METHOD:PUBLISH")
		}
		if !pin || !file {
			t.Fatalf("map pin %v, calendar file %v\n%s", pin, file, e.transcript(c))
		}
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "booking_el")
	})
	t.Run("FullBookingEnglishWithBack", func(t *testing.T) {
		const c = 602
		e.fake.SetLanguage(c, "en-GB")
		e.say(t, c, "/start")
		e.press(t, c, "📅 Book an appointment")
		e.press(t, c, "🏛 General Protocol")
		e.press(t, c, "◀ Back")
		e.wantScreen(t, c, dialog.ScreenDept)
		e.pressAt(t, c, 0, 0) // Civil Registry
		e.pressAt(t, c, 0, 0)
		e.press(t, c, "📅 Wednesday 2 December")
		e.press(t, c, "09:30")
		e.say(t, c, "6912345670")
		e.say(t, c, "John Smith")
		e.press(t, c, "✅ Confirm")
		e.wantActive(t, c, 1)
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "booking_en")
	})
	t.Run("RescheduleThenCancel", func(t *testing.T) {
		const c = 603
		e.fake.SetLanguage(c, "en")
		e.toConfirm(t, c, 1, 1, "08:15", "Maria Papadopoulou")
		e.press(t, c, "✅ Confirm")
		e.press(t, c, "📋 My appointments")
		ref := e.refs(t)[len(e.refs(t))-1]
		e.press(t, c, "🔁 Change "+ref)
		e.press(t, c, "📅 Wednesday 2 December")
		e.press(t, c, "11:00")
		e.press(t, c, "✅ Confirm")
		b, err := e.store.Booking(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		wantStart := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // 11:00 in Athens
		if !b.Start.Equal(wantStart) || b.Status != booking.Active {
			t.Fatalf("after reschedule: %v %s, want %v active", b.Start, b.Status, wantStart)
		}
		e.wantActive(t, c, 1)
		e.press(t, c, "📋 My appointments")
		e.press(t, c, "❌ Cancel "+ref)
		e.press(t, c, "✅ Yes, cancel it")
		if b, _ := e.store.Booking(ctx, ref); b.Status != booking.Cancelled {
			t.Fatalf("status after cancel = %s", b.Status)
		}
		e.wantActive(t, c, 0)
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "manage_en")
	})
	t.Run("MistakesGreek", func(t *testing.T) {
		// Free text where a button is expected, an invalid phone, someone
		// else's contact, then the booking goes through.
		const c = 615
		e.fake.SetLanguage(c, "el")
		e.say(t, c, "/start")
		e.press(t, c, "📅 Κλείσιμο ραντεβού")
		e.say(t, c, "Ληξιαρχείο παρακαλώ")
		e.press(t, c, "🏛 Ληξιαρχείο")
		e.pressAt(t, c, 0, 0)
		e.press(t, c, "📅 Παρασκευή 4 Δεκεμβρίου")
		e.press(t, c, "12:30")
		e.say(t, c, "12345")
		e.share(t, c, "+306987654321", 99999)
		e.say(t, c, "2310 123456")
		e.say(t, c, "Κώστας Νικολάου")
		e.press(t, c, "✅ Επιβεβαίωση")
		e.wantActive(t, c, 1)
		e.wantAllAnswered(t)
		e.checkGolden(t, c, "mistakes_el")
	})
	t.Run("BackNavigation", func(t *testing.T) {
		const c = 604
		e.say(t, c, "/start")
		menu := e.last(t, c)
		e.pressAt(t, c, 0, 0)
		e.wantScreen(t, c, dialog.ScreenDept)
		e.pressAt(t, c, 0, 0)
		e.wantScreen(t, c, dialog.ScreenService)
		e.press(t, c, "◀ Πίσω")
		e.wantScreen(t, c, dialog.ScreenDept)
		e.press(t, c, "◀ Πίσω")
		e.wantScreen(t, c, dialog.ScreenMenu)
		if got := e.last(t, c); got.ID != menu.ID || got.Edits != 4 {
			t.Fatalf("navigation did not edit the menu message in place: %+v", got)
		}
	})
	t.Run("CancelFlow", func(t *testing.T) {
		const c = 605
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.press(t, c, "✖ Διακοπή")
		e.wantScreen(t, c, dialog.ScreenMenu)
		e.wantActive(t, c, 0)
	})
	t.Run("StaleButton", func(t *testing.T) {
		const c = 606
		e.say(t, c, "/start")
		old := e.last(t, c)
		e.pressAt(t, c, 0, 0) // the old message now shows departments
		old = e.last(t, c)
		e.say(t, c, "/start") // a new menu: the department buttons are stale
		before := e.session(t, c)
		id, err := e.fake.PressButton(c, old.ID, old.Inline[0][0].Data)
		if err != nil {
			t.Fatal(err)
		}
		e.ok(t)
		toast, answered := e.fake.CallbackAnswer(id)
		if !answered || toast == "" {
			t.Fatalf("stale tap answered %v with toast %q; want a toast", answered, toast)
		}
		if after := e.session(t, c); after.Screen != before.Screen || after.Draft.Department != "" {
			t.Fatalf("a stale tap changed the session: %+v", after)
		}
	})
	t.Run("ConfirmTappedTwiceAtOnce", func(t *testing.T) {
		const c = 607
		e.toConfirm(t, c, 0, 2, "09:00", "Νίκος Γεωργίου")
		m := e.keyboardMessage(t, c)
		data := m.Inline[0][0].Data
		var ups []models.Update
		for range 2 {
			u, err := e.fake.PressUpdate(c, m.ID, data)
			if err != nil {
				t.Fatal(err)
			}
			ups = append(ups, u)
		}
		var wg sync.WaitGroup
		status := make([]int, len(ups))
		for i := range ups {
			wg.Go(func() {
				status[i], _ = e.fake.PostWebhook(ctx, &ups[i], testSecret)
			})
		}
		wg.Wait()
		for i, st := range status {
			if st != http.StatusOK {
				t.Fatalf("tap %d: status %d", i, st)
			}
		}
		e.wantActive(t, c, 1)
		e.wantAllAnswered(t)
		// The second tap, coming while the first is in hand, is answered at
		// once with nothing to say (TestWebhookSecondPressWhileInHand), and
		// the first's outcome is the one message the citizen gets; should
		// it come after, it is told the booking is made, not that its
		// button was old: it was the latest when tapped.
		var toasts []string
		booked := 0
		for _, ev := range e.fake.Events(c) {
			if ev.Kind == telegramfake.BotAnswer && ev.Text != "" {
				toasts = append(toasts, ev.Text)
			}
			if ev.Kind == telegramfake.BotSend && strings.Contains(ev.Message.Text, "κλείστηκε") {
				booked++
			}
		}
		if booked != 1 || len(toasts) > 1 || len(toasts) == 1 && !strings.Contains(toasts[0], "έχει ήδη κλειστεί") {
			t.Fatalf("toasts %q and %d booked messages; want one message, and at most a toast saying it is booked\n%s", toasts, booked, e.transcript(c))
		}
	})
	t.Run("SlotTakenBeforeConfirm", func(t *testing.T) {
		const c = 608
		e.toConfirm(t, c, 1, 3, "10:00", "Ελένη Δημητρίου")
		start := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC) // 10:00 in Athens
		// Others take every desk at that time.
		svc := e.session(t, c).Draft.Service
		for i := int64(1); i <= 20; i++ {
			_, err := e.office.Book(ctx, booking.Request{
				Citizen: booking.Citizen{TelegramID: 90000 + i, Name: "Other", Phone: "+306900000" + strconv.FormatInt(100+i, 10), Lang: booking.Greek},
				Service: svc, Start: start,
			})
			if booking.ErrorCode(err) == booking.ESlotTaken {
				break
			}
			if err != nil {
				t.Fatalf("filling the slot: %v", err)
			}
		}
		e.press(t, c, "✅ Επιβεβαίωση")
		e.wantActive(t, c, 0)
		if _, ok := e.keyboardMessage(t, c).Button("10:00"); ok {
			t.Fatalf("the taken time is still offered\n%s", e.transcript(c))
		}
		e.wantAllAnswered(t)
	})
	t.Run("SessionDeletedMidConversation", func(t *testing.T) {
		const c = 609
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.deleteSession(t, c)
		id := e.pressAt(t, c, 1, 0)
		if _, answered := e.fake.CallbackAnswer(id); !answered {
			t.Fatal("the tap after the session vanished was not answered")
		}
		if s := e.session(t, c); s.Draft.Date != (booking.Date{}) {
			t.Fatalf("the old draft came back: %+v", s.Draft)
		}
		e.wantActive(t, c, 0)
		e.say(t, c, "/start")
		e.wantScreen(t, c, dialog.ScreenMenu)
	})
	t.Run("InvalidPhone", func(t *testing.T) {
		const c = 610
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 2, 0)
		e.press(t, c, "11:00")
		e.wantScreen(t, c, dialog.ScreenPhone)
		e.say(t, c, "12345")
		e.wantScreen(t, c, dialog.ScreenPhone)
		e.say(t, c, "691 234 5678")
		e.wantScreen(t, c, dialog.ScreenName)
		if p := e.session(t, c).Draft.Phone; p != "+306912345678" {
			t.Fatalf("phone = %q", p)
		}
	})
	t.Run("ContactNotTheSenders", func(t *testing.T) {
		const c = 611
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 0, 0)
		e.pressAt(t, c, 2, 0)
		e.press(t, c, "11:15")
		e.share(t, c, "+306987654321", 99999)
		e.wantScreen(t, c, dialog.ScreenPhone)
		if p := e.session(t, c).Draft.Phone; p != "" {
			t.Fatalf("someone else's number was taken: %q", p)
		}
		e.share(t, c, "+306987654321", c)
		e.wantScreen(t, c, dialog.ScreenName)
	})
	t.Run("FreeTextAtButtonStep", func(t *testing.T) {
		const c = 612
		e.say(t, c, "/start")
		e.pressAt(t, c, 0, 0)
		n := len(e.fake.Chat(c))
		e.say(t, c, "θέλω ραντεβού")
		e.wantScreen(t, c, dialog.ScreenDept)
		msgs := e.fake.Chat(c)
		if len(msgs) != n+2 || len(msgs[len(msgs)-1].Inline) == 0 {
			t.Fatalf("free text was not answered with the buttons again\n%s", e.transcript(c))
		}
	})
	t.Run("SameUpdateDeliveredTwice", func(t *testing.T) {
		const c = 613
		e.toConfirm(t, c, 0, 3, "12:00", "Γιάννης Ιωάννου")
		m := e.keyboardMessage(t, c)
		u, err := e.fake.PressUpdate(c, m.ID, m.Inline[0][0].Data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if st, err := e.fake.PostWebhook(ctx, &u, testSecret); err != nil || st != http.StatusOK {
				t.Fatalf("delivery %d: %d %v", i, st, err)
			}
		}
		e.wantActive(t, c, 1)
		edits := e.last(t, c).Edits
		if st, _ := e.fake.PostWebhook(ctx, &u, testSecret); st != http.StatusOK || e.last(t, c).Edits != edits {
			t.Fatal("a third delivery changed the chat")
		}
	})
	t.Run("ForgedWebhook", func(t *testing.T) {
		const c = 614
		e.toConfirm(t, c, 0, 4, "12:00", "Γιάννης Ιωάννου")
		m := e.keyboardMessage(t, c)
		u, err := e.fake.PressUpdate(c, m.ID, m.Inline[0][0].Data)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := e.fake.PostWebhook(ctx, &u, "guessed"); st != http.StatusForbidden {
			t.Fatalf("forged delivery: status %d, want 403", st)
		}
		e.wantActive(t, c, 0)
		if st, _ := e.fake.PostWebhook(ctx, &u, testSecret); st != http.StatusOK {
			t.Fatalf("genuine delivery: status %d", st)
		}
		e.wantActive(t, c, 1)
	})
}

// TestConversationRedisDown: with the session store unreachable the webhook
// answers 503, so Telegram delivers the update again later, nothing is
// booked, and a tapped button still gets an answer.
func TestConversationRedisDown(t *testing.T) {
	// Nothing listens on port 1; no retries, so the failure comes at once.
	client, err := rstore.Open("redis://127.0.0.1:1/0?max_retries=-1")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	e := newE2EWith(t, rstore.NewSessions(client, "down", 0))
	const c = 700
	e.fake.SendText(c, "/start")
	if st := e.lastDelivery(t); st != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", st)
	}
	if msgs := e.fake.Chat(c); len(msgs) != 1 {
		t.Fatalf("the bot answered a failed update: %+v", msgs)
	}
	// The failed update is handled again when Telegram redelivers it.
	d := e.fake.Deliveries()
	first, _, err := e.dedupe.Seen(context.Background(), d[len(d)-1].UpdateID)
	if err != nil || !first {
		t.Fatalf("a failed update stayed marked as handled (%v, %v)", first, err)
	}
}
