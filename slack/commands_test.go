package slack_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

func TestCommands(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)

	t.Run("HelpListsEveryCommand", func(t *testing.T) {
		code, out, _ := e.command(t, clerk, "help")
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		for _, w := range []string{"roster", "book", "walkin", "move", "cancel", "close", "find", "waitlist"} {
			if !strings.Contains(text(out), "/rantevou "+w) {
				t.Errorf("help lacks %q: %s", w, text(out))
			}
		}
	})

	t.Run("OtherDepartmentRefused", func(t *testing.T) {
		theirs := e.book(t, "birth-record", d, 300, 0)[0] // a Registry Office booking
		for _, cmd := range []string{
			"roster today registry-office",
			"close registry-office " + d.String() + " strike",
			"cancel " + theirs.Ref + " no reason at all",
		} {
			code, out, url := e.command(t, clerk, cmd)
			if code != http.StatusOK || !strings.Contains(text(out), "⛔") {
				t.Errorf("%q answered %d %q; want a refusal", cmd, code, text(out))
			}
			e.adapter.Wait()
			if got := e.fake.Responses(url); len(got) != 0 {
				t.Errorf("%q did work later: %+v", cmd, got)
			}
		}
		b, err := e.store.Booking(ctx, theirs.Ref)
		if err != nil || b.Status != booking.Active {
			t.Fatalf("their booking is %v (%v); it must be untouched", b.Status, err)
		}
		r, _ := e.office.Roster(ctx, "registry-office", d)
		if r.Closed {
			t.Fatal("their day was closed")
		}
	})

	t.Run("UnknownUserRefused", func(t *testing.T) {
		_, out, _ := e.command(t, "UNOBODY", "roster")
		if !strings.Contains(text(out), "⛔") {
			t.Fatalf("answer %q", text(out))
		}
	})

	t.Run("RosterRepliesLaterThroughResponseURL", func(t *testing.T) {
		bs := e.book(t, "family-status", d, 400, 2)
		_, out, url := e.command(t, clerk, "roster "+d.String())
		if !strings.Contains(text(out), "⏳") {
			t.Fatalf("immediate answer %q", text(out))
		}
		e.adapter.Wait()
		got := e.fake.Responses(url)
		if len(got) != 1 || !strings.Contains(string(got[0].Blocks), bs[0].Ref) {
			t.Fatalf("response_url got %+v", got)
		}
	})

	t.Run("CancelTellsTheCitizen", func(t *testing.T) {
		b := e.book(t, "birth-certificate", d, 500, 4)[0]
		_, out, _ := e.command(t, clerk, "cancel "+strings.ToLower(b.Ref)+" ο υπάλληλος απουσιάζει")
		if !strings.Contains(text(out), b.Ref) || !strings.Contains(text(out), "ακυρώθηκε") {
			t.Fatalf("answer %q", text(out))
		}
		got, _ := e.store.Booking(ctx, b.Ref)
		if got.Status != booking.Cancelled || got.CancelReason != "ο υπάλληλος απουσιάζει" {
			t.Fatalf("booking %+v", got)
		}
		_, out, _ = e.command(t, clerk, "cancel "+b.Ref)
		if !strings.Contains(text(out), "τον λόγο") {
			t.Fatalf("cancel without a reason answered %q", text(out))
		}
	})

	t.Run("FindByRefAndPhoneOnlyOwnDepartment", func(t *testing.T) {
		mine := e.book(t, "birth-certificate", d, 600, 6)[0]
		_, out, _ := e.command(t, clerk, "find "+mine.Ref)
		if !strings.Contains(text(out), mine.Ref) || !strings.Contains(text(out), booking.FormatPhone(mine.Citizen.Phone)) {
			t.Fatalf("find by ref: %q", text(out))
		}
		_, out, _ = e.command(t, clerk, "find "+mine.Citizen.Phone)
		if !strings.Contains(text(out), mine.Ref) {
			t.Fatalf("find by phone: %q", text(out))
		}
		_, out, _ = e.command(t, "U0EXAMPLE2", "find "+mine.Ref)
		if strings.Contains(text(out), booking.FormatPhone(mine.Citizen.Phone)) {
			t.Fatalf("another department's clerk sees the citizen: %q", text(out))
		}
	})
}

func TestCloseDayNotifiesEveryCitizenOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 1)
	bs := e.book(t, "birth-certificate", d, 700, 0, 2, 4)

	_, out, url := e.command(t, clerk, "close civil-registry "+d.String()+" διακοπή ρεύματος")
	if !strings.Contains(text(out), "⏳") {
		t.Fatalf("immediate answer %q", text(out))
	}
	e.adapter.Wait()
	got := e.fake.Responses(e.confirmClose(t, clerk, url))
	if len(got) != 2 || !strings.Contains(got[1].Text, "Ακυρώθηκαν 3") || got[1].Response != "in_channel" {
		t.Fatalf("response_url got %+v", got)
	}

	// Deliver the outbox to the fake Telegram, twice over: each citizen
	// reads of the closure exactly once.
	fake := telegramfake.New("1:close")
	srvURL := fake.Start()
	t.Cleanup(fake.Close)
	api, err := bot.New("1:close", bot.WithServerURL(srvURL), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	sender := throttle.New(throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond})
	t.Cleanup(sender.Close)
	tg := &notify.Telegram{API: api, Sender: sender, Bookings: e.store, Reach: e.store,
		Renderer: &notify.Renderer{Catalog: e.cat, Now: time.Now}}
	w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
		booking.ChannelTelegram: tg, booking.ChannelSlack: e.adapter}, notify.Config{})
	for i := 0; i < 3; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bs {
		closed := 0
		for _, m := range fake.Chat(b.Citizen.TelegramID) {
			if strings.Contains(m.Text, "κλειστή") && strings.Contains(m.Text, "διακοπή ρεύματος") {
				closed++
			}
		}
		if closed != 1 {
			t.Errorf("citizen %d told %d times of the closure, want once", b.Citizen.TelegramID, closed)
		}
		got, _ := e.store.Booking(ctx, b.Ref)
		if got.Status != booking.Cancelled {
			t.Errorf("booking %s is %s", b.Ref, got.Status)
		}
	}
	if r, _ := e.office.Roster(ctx, civil, d); !r.Closed {
		t.Fatal("the day is not closed")
	}
}

func TestButtons(t *testing.T) {
	e := newEnvClock(t, nil)
	ctx := context.Background()
	d := e.workday(t, 0)
	bs := e.book(t, "birth-certificate", d, 800, 0, 1)
	press := func(t *testing.T, user, action, ref string) string {
		t.Helper()
		url := e.fake.ResponseURL()
		code, _, _ := e.interact(t, map[string]any{
			"type": "block_actions", "user": map[string]any{"id": user, "name": "clerk"},
			"trigger_id": "trig-" + ref, "response_url": url,
			"channel": map[string]any{"id": channel},
			"actions": []map[string]any{{"action_id": action, "block_id": "a_" + ref, "value": ref, "type": "button"}},
		})
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		return url
	}

	t.Run("AttendedMarksTheBooking", func(t *testing.T) {
		e.clock.Set(bs[0].Start.Add(time.Minute)) // marked from its start on
		url := press(t, clerk, "rantevou_attended", bs[0].Ref)
		e.adapter.Wait()
		got, _ := e.store.Booking(ctx, bs[0].Ref)
		if got.Status != booking.Attended {
			t.Fatalf("status %s", got.Status)
		}
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "ήρθε") {
			t.Fatalf("responses %+v", r)
		}
	})

	t.Run("OtherDepartmentsButtonRefused", func(t *testing.T) {
		url := press(t, "U0EXAMPLE2", "rantevou_no_show", bs[1].Ref)
		e.adapter.Wait()
		got, _ := e.store.Booking(ctx, bs[1].Ref)
		if got.Status != booking.Active {
			t.Fatalf("status %s; a stranger's press must do nothing", got.Status)
		}
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "⛔") {
			t.Fatalf("responses %+v", r)
		}
	})

	t.Run("CancelAsksForReasonThenCancels", func(t *testing.T) {
		url := press(t, clerk, "rantevou_cancel", bs[1].Ref)
		views := e.fake.Views()
		if len(views) != 1 || views[0].TriggerID != "trig-"+bs[1].Ref || !strings.Contains(string(views[0].View), "rantevou_cancel_reason") {
			t.Fatalf("views %+v", views)
		}
		if got, _ := e.store.Booking(ctx, bs[1].Ref); got.Status != booking.Active {
			t.Fatal("cancelled before a reason was given")
		}
		meta := `{"ref":"` + bs[1].Ref + `","response_url":"` + url + `"}`
		submit := func(reason string) map[string]any {
			_, out, _ := e.interact(t, map[string]any{
				"type": "view_submission", "user": map[string]any{"id": clerk},
				"view": map[string]any{"callback_id": "rantevou_cancel_reason", "private_metadata": meta,
					"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason_input": map[string]any{"type": "plain_text_input", "value": reason}}}}},
			})
			return out
		}
		if out := submit("  "); out["response_action"] != "errors" {
			t.Fatalf("an empty reason answered %v; want the modal kept open with an error", out)
		}
		if out := submit("ασθένεια υπαλλήλου"); out != nil {
			t.Fatalf("submission answered %v; want an empty 200 that closes the modal", out)
		}
		e.adapter.Wait()
		got, _ := e.store.Booking(ctx, bs[1].Ref)
		if got.Status != booking.Cancelled || got.CancelReason != "ασθένεια υπαλλήλου" {
			t.Fatalf("booking %+v", got)
		}
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, bs[1].Ref) {
			t.Fatalf("responses %+v", r)
		}
	})
}

func TestAlerts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	b := e.book(t, "birth-certificate", d, 900, 0)[0]
	citizen := booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(b.Citizen.TelegramID, 10)}
	if _, err := e.office.Cancel(ctx, citizen, b.Ref, ""); err != nil {
		t.Fatal(err)
	}
	n := booking.Notification{Kind: booking.NotifyStaffCancelled, Channel: booking.ChannelSlack, Recipient: civil, BookingID: b.ID}
	if err := e.adapter.Deliver(ctx, n); err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Channel(channel)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, b.Ref) || !strings.Contains(posts[0].Text, "ακύρωσε") {
		t.Fatalf("posts %+v", posts)
	}
	today := booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: civil, BookingID: b.ID}
	if err := e.adapter.Deliver(ctx, today); !errorsIsSkipped(err) {
		t.Fatalf("today-alert of a cancelled booking: %v; want skipped", err)
	}
}

// TestAlertShowsPhoneGrouped: staff read the citizen's number out over the
// phone, so it comes grouped (+30 691 234 5678), not as it is stored.
func TestAlertShowsPhoneGrouped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	day, err := e.office.FreeSlots(ctx, "birth-certificate", d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.office.Book(ctx, booking.Request{
		Citizen: booking.Citizen{TelegramID: 1400, Name: "Νίκος Αθανασίου", Phone: "+306912345678", Lang: booking.Greek},
		Service: "birth-certificate", Start: day.Slots[0].Start,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: civil, BookingID: b.ID}
	if err := e.adapter.Deliver(ctx, n); err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Channel(channel)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "Νίκος Αθανασίου · +30 691 234 5678") {
		t.Fatalf("posts %+v", posts)
	}
}

func errorsIsSkipped(err error) bool {
	return err != nil && strings.Contains(err.Error(), booking.ErrSkipped.Error())
}
