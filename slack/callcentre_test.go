package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// The staff side of the second channel: booking for a caller and a
// walk-in by text, moving, the roster a clerk at the counter reads,
// attendance and its undo, closing a day only once confirmed.

const (
	callerPhone = "6912345678"
	callerFull  = "+30 691 234 5678"
	callerName  = "Μαρία Παπαδοπούλου"
)

// press presses a button as user, signed at the env's clock, and returns
// the response_url it carried.
func (e *env) press(t *testing.T, user, action, value string) string {
	t.Helper()
	url := e.fake.ResponseURL()
	code, _, _ := e.interact(t, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": "clerk"},
		"trigger_id": "trig-" + action, "response_url": url,
		"channel": map[string]any{"id": channel},
		"actions": []map[string]any{{"action_id": action, "block_id": "x", "value": value, "type": "button"}},
	})
	if code != http.StatusOK {
		t.Fatalf("press %s: status %d", action, code)
	}
	e.adapter.Wait()
	return url
}

// buttonValue returns the value of the button action among the posts to
// url, or fails.
func (e *env) buttonValue(t *testing.T, url, action string) string {
	t.Helper()
	for _, p := range e.fake.Responses(url) {
		if len(p.Blocks) == 0 {
			continue
		}
		for _, b := range blocksOf(t, p.Blocks) {
			for _, el := range b.Elements {
				if el.ActionID == action {
					return el.Value
				}
			}
		}
	}
	t.Fatalf("no %s button in the answers %+v", action, e.fake.Responses(url))
	return ""
}

// confirmClose presses the confirmation of the close asked on url as user
// and returns the press's response_url.
func (e *env) confirmClose(t *testing.T, user, url string) string {
	t.Helper()
	return e.press(t, user, "rantevou_close_confirm", e.buttonValue(t, url, "rantevou_close_confirm"))
}

// audit returns the actor and action of each audit row of booking id.
func (e *env) audit(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(),
		`SELECT actor_kind || ':' || actor_id || ':' || action FROM audit_log WHERE booking_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// slotAt returns the i-th free start of service on d.
func (e *env) slotAt(t *testing.T, service string, d booking.Date, i int) time.Time {
	t.Helper()
	day, err := e.office.FreeSlots(context.Background(), service, d)
	if err != nil || len(day.Slots) <= i {
		t.Fatalf("free slots of %s on %s: %d (%v)", service, d, len(day.Slots), err)
	}
	return day.Slots[i].Start
}

func hhmm(e *env, t time.Time) string { return t.In(e.cat.Location).Format("15:04") }

func TestBookForCallerByText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	at := e.slotAt(t, "birth-certificate", d, 2)
	cmd := func(service string, day string, clock, rest string) string {
		return strings.Join([]string{"book", service, day, clock, rest}, " ")
	}

	t.Run("BooksAndGivesTheReferenceToReadOut", func(t *testing.T) {
		_, out, _ := e.command(t, clerk, cmd("birth-certificate", d.String(), hhmm(e, at), callerPhone+" "+callerName))
		txt := text(out)
		for _, want := range []string{"Κωδικός", "Πιστοποιητικό γέννησης", hhmm(e, at), "Αστυνομική ταυτότητα", callerFull, "δεν έχει Telegram"} {
			if !strings.Contains(txt, want) {
				t.Fatalf("answer %q lacks %q", txt, want)
			}
		}
		if out["response_type"] != "ephemeral" {
			t.Fatalf("answer is %v; the full number is for the clerk alone", out["response_type"])
		}
		found, err := e.office.Find(ctx, staffOf(clerk), callerPhone)
		if err != nil || len(found) != 1 {
			t.Fatalf("find the booking: %v %v", found, err)
		}
		b := found[0]
		if !strings.Contains(txt, b.Ref) || !b.Start.Equal(at) || b.Via != booking.ViaPhone || b.Citizen.TelegramID != 0 || b.Citizen.Name != callerName {
			t.Fatalf("booking %+v; answer %q", b, txt)
		}
		if got := e.audit(t, b.ID); len(got) == 0 || !strings.HasPrefix(got[0], "staff:"+clerk+":") {
			t.Fatalf("audit %v; want the clerk as the actor", got)
		}
	})

	t.Run("GroupedPhoneAndDayMonth", func(t *testing.T) {
		at := e.slotAt(t, "family-status", d, 4)
		_, out, _ := e.command(t, clerk, cmd("Family-Status", fmt.Sprintf("%d/%d", d.Day, int(d.Month)), hhmm(e, at), "691 234 5679 Νίκος Αθανασίου"))
		if !strings.Contains(text(out), "Κωδικός") || !strings.Contains(text(out), "+30 691 234 5679") {
			t.Fatalf("answer %q", text(out))
		}
	})

	t.Run("EnglishSpeakingCaller", func(t *testing.T) {
		at := e.slotAt(t, "family-status", d, 6)
		_, out, _ := e.command(t, clerk, cmd("family-status", d.String(), hhmm(e, at), "6912345671 John Smith EN"))
		found, _ := e.office.Find(ctx, staffOf(clerk), "6912345671")
		if len(found) != 1 || found[0].Citizen.Lang != booking.English || found[0].Citizen.Name != "John Smith" {
			t.Fatalf("found %+v; answer %q", found, text(out))
		}
	})

	for _, tc := range []struct{ name, cmd, want string }{
		{"OtherDepartment", cmd("birth-record", d.String(), "09:00", "6912345670 Ελένη Γεωργίου"), "⛔"},
		{"UnknownService", cmd("passport", d.String(), "09:00", "6912345670 Ελένη Γεωργίου"), "birth-certificate"},
		{"BadPhone", cmd("birth-certificate", d.String(), "09:00", "12345 Ελένη Γεωργίου"), "«12345» δεν φαίνεται σωστός"},
		{"BadName", cmd("birth-certificate", d.String(), "09:00", "6912345670 Χ"), "ονοματεπώνυμο"},
		{"BadTime", cmd("birth-certificate", d.String(), "25:00", "6912345670 Ελένη Γεωργίου"), "δεν είναι σωστή: γράψτε την όπως 09:30"},
		{"OffTheGrid", cmd("birth-certificate", d.String(), "09:07", "6912345670 Ελένη Γεωργίου"), "Επόμενες ελεύθερες ώρες"},
		{"ClosedDay", cmd("birth-certificate", closedDay(e).String(), "09:00", "6912345670 Ελένη Γεωργίου"), "κλειστά"},
		{"Usage", "book birth-certificate " + d.String(), "book ΘΕΜΑ ΗΜΕΡΟΜΗΝΙΑ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, _ := e.command(t, clerk, tc.cmd)
			if !strings.Contains(text(out), tc.want) {
				t.Fatalf("%q answered %q; want %q", tc.cmd, text(out), tc.want)
			}
			if found, _ := e.office.Find(ctx, staffOf(clerk), "6912345670"); len(found) != 0 {
				t.Fatalf("%q booked %+v", tc.cmd, found)
			}
		})
	}

	t.Run("TakenOffersTheNextTimes", func(t *testing.T) {
		full := e.slotAt(t, "birth-certificate", d, 8)
		e.book(t, "birth-certificate", d, 3000, 8, 8, 8) // every desk
		_, out, _ := e.command(t, clerk, cmd("birth-certificate", d.String(), hhmm(e, full), "6912345670 Ελένη Γεωργίου"))
		txt := text(out)
		if !strings.Contains(txt, "δεν είναι πια ελεύθερη") || !strings.Contains(txt, "Επόμενες ελεύθερες ώρες") {
			t.Fatalf("answer %q", txt)
		}
		next := e.slotAt(t, "birth-certificate", d, 8) // the first free one after it
		if !strings.Contains(txt, hhmm(e, next)) {
			t.Fatalf("answer %q does not offer %s", txt, hhmm(e, next))
		}
	})

	t.Run("LimitReached", func(t *testing.T) {
		// One booking per citizen and service: the number booked above.
		other := e.slotAt(t, "birth-certificate", d, 12)
		_, out, _ := e.command(t, clerk, cmd("birth-certificate", d.String(), hhmm(e, other), callerPhone+" "+callerName))
		if !strings.Contains(text(out), "έχει ήδη όσα ενεργά ραντεβού") || !strings.Contains(text(out), "find "+callerPhone) {
			t.Fatalf("answer %q", text(out))
		}
	})

	t.Run("NoArgumentsOpensTheModal", func(t *testing.T) {
		before := len(e.fake.Views())
		_, out, _ := e.command(t, clerk, "book")
		if text(out) != "" || len(e.fake.Views()) != before+1 {
			t.Fatalf("answer %q, %d views opened", text(out), len(e.fake.Views())-before)
		}
	})
}

func staffOf(user string) booking.Actor {
	return booking.Actor{Kind: booking.ActorStaff, ID: user}
}

// closedDay is the next Sunday: closed, with a reason, within the horizon.
func closedDay(e *env) booking.Date {
	d := booking.DateOf(time.Now(), e.cat.Location).AddDays(1)
	for d.Weekday() != time.Sunday {
		d = d.AddDays(1)
	}
	return d
}

func TestMoveByText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	at := e.slotAt(t, "birth-certificate", d, 0)
	_, out, _ := e.command(t, clerk, strings.Join([]string{"book birth-certificate", d.String(), hhmm(e, at), callerPhone, callerName}, " "))
	found, _ := e.office.Find(ctx, staffOf(clerk), callerPhone)
	if len(found) != 1 {
		t.Fatalf("book answered %q", text(out))
	}
	b := found[0]

	t.Run("MovesAndSaysToCall", func(t *testing.T) {
		to := e.slotAt(t, "birth-certificate", d, 3)
		_, out, _ := e.command(t, clerk, "move "+strings.ToLower(b.Ref)+" "+d.String()+" "+hhmm(e, to))
		if !strings.Contains(text(out), "μεταφέρθηκε") || !strings.Contains(text(out), callerFull) || !strings.Contains(text(out), "τηλεφωνήστε") {
			t.Fatalf("answer %q", text(out))
		}
		got, _ := e.store.Booking(ctx, b.Ref)
		if !got.Start.Equal(to) || got.Via != booking.ViaPhone {
			t.Fatalf("booking %+v; want it at %v, still by phone", got, to)
		}
		if a := e.audit(t, b.ID); !strings.HasPrefix(a[len(a)-1], "staff:"+clerk+":") {
			t.Fatalf("audit %v", a)
		}
	})

	t.Run("TakenOffersTheNextTimes", func(t *testing.T) {
		full := e.slotAt(t, "birth-certificate", d, 5)
		e.book(t, "birth-certificate", d, 3100, 5, 5, 5)
		_, out, _ := e.command(t, clerk, "move "+b.Ref+" "+d.String()+" "+hhmm(e, full))
		if !strings.Contains(text(out), "δεν είναι πια ελεύθερη") || !strings.Contains(text(out), "Επόμενες ελεύθερες ώρες") {
			t.Fatalf("answer %q", text(out))
		}
	})

	t.Run("OtherDepartmentRefused", func(t *testing.T) {
		_, out, _ := e.command(t, "U0EXAMPLE2", "move "+b.Ref+" "+d.String()+" 10:00")
		if !strings.Contains(text(out), "⛔") {
			t.Fatalf("answer %q", text(out))
		}
	})
}

func TestMoveButtonOpensAModal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	b := e.book(t, "birth-certificate", d, 3200, 0)[0]
	url := e.press(t, clerk, "rantevou_move", b.Ref)
	views := e.fake.Views()
	if len(views) != 1 {
		t.Fatalf("views %+v", views)
	}
	view := string(views[0].View)
	for _, want := range []string{`"datepicker"`, `"initial_date":"` + d.String() + `"`, `"plain_text_input"`, "rantevou_move_time", b.Ref} {
		if !strings.Contains(view, want) {
			t.Fatalf("modal %s lacks %s", view, want)
		}
	}
	meta := `{"ref":"` + b.Ref + `","response_url":"` + url + `"}`
	submit := func(day, at string) map[string]any {
		_, out, _ := e.interact(t, map[string]any{
			"type": "view_submission", "user": map[string]any{"id": clerk},
			"view": map[string]any{"id": "VMOVE", "callback_id": "rantevou_move_time", "private_metadata": meta,
				"state": map[string]any{"values": map[string]any{
					"move_day":  map[string]any{"move_day_input": map[string]any{"type": "datepicker", "selected_date": day}},
					"move_time": map[string]any{"move_time_input": map[string]any{"type": "plain_text_input", "value": at}},
				}}},
		})
		return out
	}
	if out := submit(d.String(), "nine"); out["response_action"] != "errors" {
		t.Fatalf("a bad time answered %v; want the modal kept open", out)
	}
	if out := submit(closedDay(e).String(), "09:00"); out["response_action"] != "errors" ||
		!strings.Contains(jsonOf(out), "κλειστά") {
		t.Fatalf("a closed day answered %v", out)
	}
	to := e.slotAt(t, "birth-certificate", d, 6)
	if out := submit(d.String(), hhmm(e, to)); out != nil {
		t.Fatalf("the move answered %v; want the modal closed", out)
	}
	e.adapter.Wait()
	got, _ := e.store.Booking(ctx, b.Ref)
	if !got.Start.Equal(to) {
		t.Fatalf("booking at %v, want %v", got.Start, to)
	}
	if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "μεταφέρθηκε") || r[0].Response != "in_channel" {
		t.Fatalf("responses %+v", r)
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestWalkIn(t *testing.T) {
	e := newEnvClock(t, nil)
	d := e.workday(t, 0)
	e.clock.Set(d.At(9*60+5, e.cat.Location)) // 09:05 at the counter

	t.Run("EarliestFreeTimeOfToday", func(t *testing.T) {
		_, out, _ := e.command(t, clerk, "walkin birth-certificate "+callerPhone+" "+callerName)
		if !strings.Contains(text(out), "Σήμερα στις *09:15*") || !strings.Contains(text(out), "Αστυνομική ταυτότητα") {
			t.Fatalf("answer %q", text(out))
		}
		found, _ := e.office.Find(context.Background(), staffOf(clerk), callerPhone)
		if len(found) != 1 || found[0].Via != booking.ViaDesk {
			t.Fatalf("found %+v; want one booking made at the desk", found)
		}
		if a := e.audit(t, found[0].ID); len(a) != 1 || !strings.HasPrefix(a[0], "staff:"+clerk+":") {
			t.Fatalf("audit %v; want the clerk as the actor", a)
		}
	})

	t.Run("NoneLeftSaysWhenTheNextIs", func(t *testing.T) {
		e.clock.Set(d.At(13*60+50, e.cat.Location))
		_, out, _ := e.command(t, clerk, "walkin family-status 6912345670 Ελένη Γεωργίου")
		if !strings.Contains(text(out), "δεν μένει ελεύθερη ώρα σήμερα") || !strings.Contains(text(out), "Επόμενες ελεύθερες ώρες") {
			t.Fatalf("answer %q", text(out))
		}
		if found, _ := e.office.Find(context.Background(), staffOf(clerk), "6912345670"); len(found) != 0 {
			t.Fatalf("booked %+v", found)
		}
	})
}

func TestRosterForTheCounter(t *testing.T) {
	e := newEnvClock(t, nil)
	ctx := context.Background()
	d := e.workday(t, 0)
	tg := e.book(t, "birth-certificate", d, 3300, 1)[0]
	at := e.slotAt(t, "registration", d, 0)
	phoned, err := e.office.BookForCaller(ctx, staffOf(clerk), booking.CallerRequest{
		Service: "registration", Start: at, Phone: callerPhone, Name: callerName, Lang: booking.English})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := e.office.BookForCaller(ctx, staffOf(clerk), booking.CallerRequest{
		Service: "family-status", Start: e.slotAt(t, "family-status", d, 10), Phone: "6912345670", Name: "Ελένη Γεωργίου"})
	if err != nil {
		t.Fatal(err)
	}
	if _, out, _ := e.command(t, clerk, "cancel "+gone.Ref+" ασθένεια υπαλλήλου"); !strings.Contains(text(out), "+30 691 234 5670") ||
		!strings.Contains(text(out), "Τηλεφωνήστε στον πολίτη") || strings.Contains(text(out), "ενημερώνεται") {
		t.Fatalf("the cancel answer %q; want the number to call", text(out))
	}

	// The morning of the day.
	e.clock.Set(d.At(7*60, e.cat.Location))
	lines, buttons := rosterOf(t, e, d)
	if l := lines[tg.Ref]; !strings.Contains(l, "Telegram") || !strings.Contains(l, "ελληνικά") || !strings.Contains(l, "να φέρει: Αστυνομική ταυτότητα") {
		t.Errorf("the Telegram booking reads %q", l)
	}
	if l := lines[phoned.Ref]; !strings.Contains(l, "από τηλέφωνο") || !strings.Contains(l, "αγγλικά") ||
		!strings.Contains(l, "ληξιαρχική πράξη γέννησης") || !strings.Contains(l, "Χωρίς Telegram") || !strings.Contains(l, callerFull) {
		t.Errorf("the phone booking reads %q", l)
	}
	if l := lines[gone.Ref]; !strings.Contains(l, "Τηλεφωνήστε στον πολίτη για την ακύρωση") || !strings.Contains(l, "+30 691 234 5670") {
		t.Errorf("the cancelled phone booking reads %q", l)
	}
	if got := strings.Join(buttons[tg.Ref], ","); got != "rantevou_attended,rantevou_no_show,rantevou_move,rantevou_cancel" {
		t.Errorf("buttons on the day: %s", got)
	}

	t.Run("MarkRefusedBeforeTheStart", func(t *testing.T) {
		url := e.press(t, clerk, "rantevou_attended", tg.Ref)
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "από την ώρα του ραντεβού") || r[0].Response != "ephemeral" {
			t.Fatalf("responses %+v", r)
		}
		if got, _ := e.store.Booking(ctx, tg.Ref); got.Status != booking.Active {
			t.Fatalf("status %s", got.Status)
		}
	})

	t.Run("MarkFromTheStartThenUndoTheSameDay", func(t *testing.T) {
		e.clock.Set(tg.Start.Add(2 * time.Minute))
		url := e.press(t, clerk, "rantevou_no_show", tg.Ref)
		if got, _ := e.store.Booking(ctx, tg.Ref); got.Status != booking.NoShow {
			t.Fatalf("status %s", got.Status)
		}
		undo := e.buttonValue(t, url, "rantevou_undo")
		if _, buttons := rosterOf(t, e, d); strings.Join(buttons[tg.Ref], ",") != "rantevou_undo" {
			t.Fatalf("the marked booking's buttons: %v", buttons[tg.Ref])
		}
		url = e.press(t, clerk, "rantevou_undo", undo)
		got, _ := e.store.Booking(ctx, tg.Ref)
		if got.Status != booking.Active {
			t.Fatalf("status after undo %s", got.Status)
		}
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "αναιρέθηκε") {
			t.Fatalf("responses %+v", r)
		}
		if a := e.audit(t, tg.ID); len(a) < 3 || !strings.HasPrefix(a[len(a)-1], "staff:"+clerk+":") {
			t.Fatalf("audit %v", a)
		}
	})

	t.Run("UndoRefusedTheNextDay", func(t *testing.T) {
		e.press(t, clerk, "rantevou_attended", tg.Ref)
		e.clock.Set(d.AddDays(1).At(9*60, e.cat.Location))
		url := e.press(t, clerk, "rantevou_undo", tg.Ref)
		if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "μόνο την ημέρα") {
			t.Fatalf("responses %+v", r)
		}
		if got, _ := e.store.Booking(ctx, tg.Ref); got.Status != booking.Attended {
			t.Fatalf("status %s", got.Status)
		}
	})
}

// rosterOf delivers d's roster to the channel and returns each booking's
// text and buttons.
func rosterOf(t *testing.T, e *env, d booking.Date) (map[string]string, map[string][]string) {
	t.Helper()
	before := len(e.fake.Channel(channel))
	if err := e.adapter.Deliver(context.Background(), booking.RosterNotification(civil, d)); err != nil {
		t.Fatal(err)
	}
	lines, buttons := map[string]string{}, map[string][]string{}
	for _, p := range e.fake.Channel(channel)[before:] {
		for _, b := range blocksOf(t, p.Blocks) {
			if ref, ok := strings.CutPrefix(b.BlockID, "b_"); ok {
				lines[ref] = b.Text.Text
			}
			if ref, ok := strings.CutPrefix(b.BlockID, "a_"); ok {
				for _, el := range b.Elements {
					buttons[ref] = append(buttons[ref], el.ActionID)
				}
			}
		}
	}
	return lines, buttons
}

func TestCloseAfterConfirming(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 1)
	bs := e.book(t, "birth-certificate", d, 3400, 0, 2)
	phoned, err := e.office.BookForCaller(ctx, staffOf(clerk), booking.CallerRequest{
		Service: "birth-certificate", Start: e.slotAt(t, "birth-certificate", d, 5), Phone: callerPhone, Name: callerName})
	if err != nil {
		t.Fatal(err)
	}
	active := func() int {
		r, err := e.office.Roster(ctx, civil, d)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range r.Bookings {
			if b.Status == booking.Active {
				n++
			}
		}
		return n
	}

	// By its Greek name typed without the tonos.
	_, out, url := e.command(t, clerk, "close δημοτολογιο "+d.String()+" διακοπή ρεύματος")
	if !strings.Contains(text(out), "⏳") {
		t.Fatalf("immediate answer %q", text(out))
	}
	e.adapter.Wait()
	asked := e.fake.Responses(url)
	if len(asked) != 1 || asked[0].Response != "ephemeral" || !strings.Contains(asked[0].Text, "Θα ακυρωθούν 3 ραντεβού") ||
		!strings.Contains(asked[0].Text, "1 πολίτης δεν έχει Telegram") {
		t.Fatalf("the question %+v", asked)
	}
	if !strings.Contains(allText(blocksOf(t, asked[0].Blocks)), "ακύρωση 3 ραντεβού") {
		t.Fatalf("the confirm button reads %s", allText(blocksOf(t, asked[0].Blocks)))
	}
	if n := active(); n != 3 {
		t.Fatalf("%d active before the button; nothing is cancelled before it", n)
	}
	value := e.buttonValue(t, url, "rantevou_close_confirm")

	t.Run("KeepOpen", func(t *testing.T) {
		r := e.fake.Responses(e.press(t, clerk, "rantevou_close_keep", value))
		if len(r) != 1 || !strings.Contains(r[0].Text, "Δεν ακυρώθηκε τίποτα") || active() != 3 {
			t.Fatalf("keep open: %+v, %d active", r, active())
		}
	})

	t.Run("TamperedOrderRefused", func(t *testing.T) {
		var o map[string]string
		_ = json.Unmarshal([]byte(value), &o)
		o["d"] = "registry-office"
		forged, _ := json.Marshal(o)
		e.press(t, "U0EXAMPLE2", "rantevou_close_confirm", string(forged))
		if r, _ := e.office.Roster(ctx, "registry-office", d); r.Closed {
			t.Fatal("a forged order closed the Registry Office")
		}
	})

	t.Run("AnotherDepartmentsStaffRefused", func(t *testing.T) {
		r := e.fake.Responses(e.press(t, "U0EXAMPLE2", "rantevou_close_confirm", value))
		if len(r) != 1 || !strings.Contains(r[0].Text, "⛔") || active() != 3 {
			t.Fatalf("a stranger's press: %+v, %d active", r, active())
		}
	})

	t.Run("ConfirmCloses", func(t *testing.T) {
		r := e.fake.Responses(e.confirmClose(t, clerk, url))
		if len(r) != 2 {
			t.Fatalf("responses %+v", r)
		}
		if !strings.Contains(r[0].Text, "Ακυρώθηκαν 3") || !strings.Contains(r[0].Text, callerFull) || r[0].Response != "ephemeral" {
			t.Fatalf("the clerk reads %+v; want the count and the number to call", r[0])
		}
		if !strings.Contains(r[1].Text, "Ακυρώθηκαν 3") || strings.Contains(r[1].Text, callerFull) || r[1].Response != "in_channel" {
			t.Fatalf("the channel reads %+v; want the count, not the number", r[1])
		}
		if n := active(); n != 0 {
			t.Fatalf("%d still active", n)
		}
		for _, b := range append(bs, phoned) {
			if a := e.audit(t, b.ID); !strings.HasPrefix(a[len(a)-1], "staff:"+clerk+":") {
				t.Fatalf("audit of %s: %v", b.Ref, a)
			}
		}
		// The closed day's roster lists whom to call.
		before := len(e.fake.Channel(channel))
		if err := e.adapter.Deliver(ctx, booking.RosterNotification(civil, d)); err != nil {
			t.Fatal(err)
		}
		txt := allText(blocksOf(t, e.fake.Channel(channel)[before].Blocks))
		if !strings.Contains(txt, "Κλειστά") || !strings.Contains(txt, phoned.Ref) || !strings.Contains(txt, callerFull) {
			t.Fatalf("the closed day's roster:\n%s", txt)
		}
	})

	t.Run("SecondPressSaysAlreadyClosed", func(t *testing.T) {
		r := e.fake.Responses(e.press(t, clerk, "rantevou_close_confirm", value))
		if len(r) != 1 || !strings.Contains(r[0].Text, "ήδη κλειστή") {
			t.Fatalf("responses %+v", r)
		}
	})

	t.Run("ByEnglishNameInTwoWords", func(t *testing.T) {
		d2 := e.workday(t, 3)
		_, _, url := e.command(t, "U0EXAMPLE3", "close general protocol "+d2.String()+" strike")
		e.adapter.Wait()
		r := e.fake.Responses(url)
		if len(r) != 1 || !strings.Contains(r[0].Text, "Γενικό Πρωτόκολλο") {
			t.Fatalf("responses %+v", r)
		}
	})
}

// TestAlertSaysToCall: an alert about a citizen whom Telegram does not
// reach says how it was booked and to phone them; in a channel another
// department shares, with the number masked and where to find it.
func TestAlertSaysToCall(t *testing.T) {
	for _, shared := range []bool{false, true} {
		e := newEnvClock(t, func(c *booking.Catalog) {
			for i := range c.Departments {
				if shared && c.Departments[i].Code == "registry-office" {
					c.Departments[i].Slack.Channel = channel
				}
			}
		})
		d := e.workday(t, 0)
		e.clock.Set(d.At(8*60+20, e.cat.Location))
		b, err := e.office.WalkIn(context.Background(), staffOf(clerk), booking.CallerRequest{
			Service: "birth-certificate", Phone: callerPhone, Name: callerName})
		if err != nil {
			t.Fatal(err)
		}
		n := booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: civil, BookingID: b.ID}
		if err := e.adapter.Deliver(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		posts := e.fake.Channel(channel)
		if len(posts) != 1 {
			t.Fatalf("posts %+v", posts)
		}
		txt := posts[0].Text
		if !strings.Contains(txt, "στο γκισέ") || !strings.Contains(txt, "Χωρίς Telegram") {
			t.Errorf("shared %v: alert %q; want the channel and the call line", shared, txt)
		}
		if shared != !strings.Contains(txt, callerFull) || shared != strings.Contains(txt, "find "+b.Ref) {
			t.Errorf("shared %v: alert %q; the number shows in full only in the department's own channel", shared, txt)
		}
	}
}

// TestCallCentreInEnglish: a department whose staff read English gets the
// new answers in English.
func TestCallCentreInEnglish(t *testing.T) {
	e := newEnvWith(t, func(c *booking.Catalog) {
		for i := range c.Departments {
			if c.Departments[i].Code == civil {
				c.Departments[i].Slack.Lang = booking.English
			}
		}
	}, nil)
	d := e.workday(t, 0)
	for _, tc := range []struct{ cmd, want string }{
		{"book birth-certificate", "To book for a caller"},
		{"walkin", "For a citizen at the counter"},
		{"move", "To move an appointment"},
		{"book birth-certificate " + d.String() + " 09:00 12345 Maria Papadopoulou", "does not look right"},
		{"book birth-certificate " + closedDay(e).String() + " 09:00 6912345678 Maria Papadopoulou", "closed on"},
	} {
		if _, out, _ := e.command(t, clerk, tc.cmd); !strings.Contains(text(out), tc.want) {
			t.Errorf("%q answered %q; want %q", tc.cmd, text(out), tc.want)
		}
	}
	_, _, url := e.command(t, clerk, "close civil registry "+d.String()+" strike")
	e.adapter.Wait()
	if r := e.fake.Responses(url); len(r) != 1 || !strings.Contains(r[0].Text, "Close *Civil Registry*") ||
		!strings.Contains(allText(blocksOf(t, r[0].Blocks)), "Keep open") {
		t.Fatalf("the question %+v", r)
	}
}

// TestCloseConfirmationGoesStale: a confirmation pressed long after the
// question counted bookings that may have changed; it is asked again.
func TestCloseConfirmationGoesStale(t *testing.T) {
	e := newEnvClock(t, nil)
	d := e.workday(t, 1)
	b := e.book(t, "birth-certificate", d, 3500, 0)[0]
	_, _, url := e.command(t, clerk, "close civil-registry "+d.String()+" απεργία")
	e.adapter.Wait()
	value := e.buttonValue(t, url, "rantevou_close_confirm")
	e.clock.Set(e.clock.Now().Add(31 * time.Minute))
	r := e.fake.Responses(e.press(t, clerk, "rantevou_close_confirm", value))
	if len(r) != 1 || !strings.Contains(r[0].Text, "είναι παλιά") {
		t.Fatalf("responses %+v", r)
	}
	if got, _ := e.store.Booking(context.Background(), b.Ref); got.Status != booking.Active {
		t.Fatalf("status %s", got.Status)
	}
}

// TestRosterCallLineMaskedInASharedChannel: "call the citizen" names the
// number in full only where no other department reads it; elsewhere it is
// masked and says where to find it.
func TestRosterCallLineMaskedInASharedChannel(t *testing.T) {
	e := newEnvWith(t, func(c *booking.Catalog) {
		for i := range c.Departments {
			if c.Departments[i].Code == "registry-office" {
				c.Departments[i].Slack.Channel = channel
			}
		}
	}, nil)
	d := e.workday(t, 0)
	r := booking.Roster{Department: civil, Date: d, Bookings: []booking.Booking{
		{Ref: "R00001", Department: civil, Service: "birth-certificate", Desk: "A1", Via: booking.ViaPhone,
			Start: d.At(9*60, e.cat.Location), Status: booking.Cancelled,
			Citizen: booking.Citizen{Name: callerName, Phone: "+306912345678", Lang: booking.Greek}},
	}}
	raw, _ := json.Marshal(e.adapter.RosterMessages(r, booking.Greek)[0].Blocks)
	txt := allText(blocksOf(t, raw))
	if strings.Contains(txt, callerFull) || !strings.Contains(txt, "+•• ••• ••• ••78") || !strings.Contains(txt, "find R00001") ||
		!strings.Contains(txt, "Τηλεφωνήστε στον πολίτη") {
		t.Fatalf("shared channel roster:\n%s", txt)
	}
}
