package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
)

// TestStaffMistakes covers what a clerk gets wrong with the slash command:
// each answer says what is wrong, at once, and nothing is done.
func TestStaffMistakes(t *testing.T) {
	e := newEnv(t)
	today := booking.DateOf(time.Now(), e.cat.Location)
	d := e.workday(t, 0)
	before := closures(t, e, today.AddDays(-7), today.AddDays(400))
	for _, tc := range []struct{ name, cmd, want string }{
		{"CloseAPastDay", "close civil-registry " + today.AddDays(-3).String() + " απεργία", "έχει περάσει"},
		{"CloseAMalformedDate", "close civil-registry 2030-13-45 απεργία", "δεν είναι σωστή"},
		{"CloseASlashedDateThatIsNone", "close civil-registry 31/13/2030 απεργία", "δεν είναι σωστή"},
		{"CloseADayAndMonthThatIsNone", "close civil-registry 31/4 απεργία", "δεν είναι σωστή"},
		{"CloseWithoutReason", "close civil-registry " + d.String(), "τον λόγο"},
		{"CloseWithoutDepartment", "close " + d.String() + " απεργία", "civil-registry"},
		{"CloseAnUnknownDepartment", "close nowhere " + d.String() + " απεργία", "civil-registry"},
		{"RosterAMalformedDate", "roster 2030/12/01", "δεν είναι σωστή"},
		{"RosterAnUnknownDepartment", "roster nowhere", "civil-registry"},
		{"CancelAnUnknownReference", "cancel ZZZZZZ ο πολίτης ζήτησε", "Δεν βρέθηκε"},
		{"CancelWithoutReference", "cancel", "help"},
		{"UnknownVerb", "frobnicate", "help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, url := e.command(t, clerk, tc.cmd)
			if !strings.Contains(text(out), tc.want) || strings.Contains(text(out), "⏳") {
				t.Fatalf("%q answered %q; want it to say %q at once", tc.cmd, text(out), tc.want)
			}
			e.adapter.Wait()
			if got := e.fake.Responses(url); len(got) != 0 {
				t.Fatalf("%q did work later: %+v", tc.cmd, got)
			}
		})
	}
	if n := closures(t, e, today.AddDays(-7), today.AddDays(400)); n != before {
		t.Fatalf("%d closures after the mistakes, %d before: a mistaken command closed a day", n, before)
	}
}

// closures counts the Civil Registry's closures over [from, to].
func closures(t *testing.T, e *env, from, to booking.Date) int {
	t.Helper()
	cs, err := e.store.Closures(context.Background(), civil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

// TestCloseTwice: the second close of a day says it is already closed,
// instead of a second closure and a "0 cancelled" announcement.
func TestCloseTwice(t *testing.T) {
	e := newEnv(t)
	d := e.workday(t, 2)
	e.book(t, "birth-certificate", d, 1200, 0)
	cmd := "close civil-registry " + d.String() + " απολύμανση"
	before := closures(t, e, d, d)

	_, _, first := e.command(t, clerk, cmd)
	e.adapter.Wait()
	if got := e.fake.Responses(e.confirmClose(t, clerk, first)); len(got) != 2 || !strings.Contains(got[1].Text, "Ακυρώθηκε 1 ραντεβού· ο πολίτης ενημερώνεται") {
		t.Fatalf("first close: %+v", got)
	}
	_, _, second := e.command(t, clerk, cmd)
	e.adapter.Wait()
	got := e.fake.Responses(second)
	if len(got) != 1 || !strings.Contains(got[0].Text, "ήδη κλειστή") || !strings.Contains(got[0].Text, "απολύμανση") ||
		got[0].Response != "ephemeral" {
		t.Fatalf("second close: %+v; want an ephemeral 'already closed' with the reason", got)
	}
	if n := closures(t, e, d, d) - before; n != 1 {
		t.Fatalf("%d closures of the day written, want 1", n)
	}
}

// TestFindByPhoneAsTyped: bookings hold +30XXXXXXXXXX; staff type numbers
// every which way.
func TestFindByPhoneAsTyped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	day, err := e.office.FreeSlots(ctx, "birth-certificate", d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.office.Book(ctx, booking.Request{
		Citizen: booking.Citizen{TelegramID: 1300, Name: "Νίκος Αθανασίου", Phone: "+306912345678", Lang: booking.Greek},
		Service: "birth-certificate",
		Start:   day.Slots[0].Start,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"6912345678", "+30 691 234 5678", "00306912345678", "691-234-5678", "+306912345678"} {
		t.Run(typed, func(t *testing.T) {
			_, out, _ := e.command(t, clerk, "find "+typed)
			if !strings.Contains(text(out), b.Ref) {
				t.Fatalf("find %q answered %q; want %s", typed, text(out), b.Ref)
			}
			// Shown grouped, as staff read it out, and as they may type it back.
			if !strings.Contains(text(out), "· +30 691 234 5678 ·") {
				t.Fatalf("find %q shows the phone as %q; want +30 691 234 5678", typed, text(out))
			}
		})
	}
	t.Run("AnotherNumberFindsNothing", func(t *testing.T) {
		_, out, _ := e.command(t, clerk, "find 6998765432")
		if strings.Contains(text(out), b.Ref) || !strings.Contains(text(out), "Δεν βρέθηκε") {
			t.Fatalf("answered %q", text(out))
		}
	})
}

// TestRosterTomorrowOnASaturday: a clerk asking on Saturday for tomorrow
// reads that Sunday is closed, and why, not an empty day.
func TestRosterTomorrowOnASaturday(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Athens")
	sat := time.Now().In(loc)
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, 1)
	}
	sat = time.Date(sat.Year(), sat.Month(), sat.Day(), 10, 0, 0, 0, loc)
	e := newEnvWith(t, nil, func() time.Time { return sat })
	// The signature check reads the same clock: sign at that moment.
	_, out, url := e.commandAt(t, clerk, "roster tomorrow", sat)
	if !strings.Contains(text(out), "⏳") {
		t.Fatalf("immediate answer %q", text(out))
	}
	e.adapter.Wait()
	got := e.fake.Responses(url)
	if len(got) != 1 {
		t.Fatalf("responses %+v", got)
	}
	txt := allText(blocksOf(t, got[0].Blocks))
	if !strings.Contains(txt, "Κλειστά") || !strings.Contains(txt, "Σαββατοκύριακα") || strings.Contains(txt, "Κανένα ραντεβού") {
		t.Fatalf("Sunday's roster reads:\n%s", txt)
	}
}

// TestEnglishDepartment: staff of a department whose Slack language is
// English read help, errors and answers in English.
func TestEnglishDepartment(t *testing.T) {
	e := newEnvWith(t, func(c *booking.Catalog) {
		for i := range c.Departments {
			if c.Departments[i].Code == civil {
				c.Departments[i].Slack.Lang = booking.English
			}
		}
	}, nil)
	today := booking.DateOf(time.Now(), e.cat.Location)
	for _, tc := range []struct{ cmd, want string }{
		{"help", "a day’s appointments"},
		{"close civil-registry " + today.AddDays(-1).String() + " strike", "in the past"},
		{"cancel ZZZZZZ asked", "No appointment found"},
		{"roster nowhere", "Which department?"},
	} {
		_, out, _ := e.command(t, clerk, tc.cmd)
		if !strings.Contains(text(out), tc.want) {
			t.Errorf("%q answered %q; want %q", tc.cmd, text(out), tc.want)
		}
	}
}

// TestRosterWithinSlackLimits renders a crowded day, with long names and
// every status, and checks each message against Slack's Block Kit limits:
// a message over any of them is refused whole (invalid_blocks), and the
// department gets no roster at all.
func TestRosterWithinSlackLimits(t *testing.T) {
	e := newEnv(t)
	d := e.workday(t, 0)
	long := strings.Repeat("Αναστασία-Παναγιώτα ", 4) // 80 characters, the dialog's maximum
	statuses := []booking.Status{booking.Active, booking.Active, booking.Cancelled, booking.Attended, booking.NoShow}
	start := d.At(8*60, e.cat.Location)
	r := booking.Roster{Department: civil, Date: d, FreeCapacity: 12345}
	for i := 0; i < 240; i++ { // 6 hours of 5-minute slots at 3 desks, and more
		r.Bookings = append(r.Bookings, booking.Booking{
			Ref: refOf(i), Department: civil, Service: "family-status", Desk: "A" + string(rune('1'+i%3)),
			Start: start.Add(time.Duration(i/3) * 5 * time.Minute), Status: statuses[i%len(statuses)],
			Citizen: booking.Citizen{Name: long, Phone: "+306912345678"},
		})
	}
	for _, lang := range []booking.Lang{booking.Greek, booking.English} {
		msgs := e.adapter.RosterMessages(r, lang)
		shown := map[string]bool{}
		for i, m := range msgs {
			raw, err := json.Marshal(m.Blocks)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range slackLimits(raw) {
				t.Errorf("%s message %d/%d: %s", lang, i+1, len(msgs), p)
			}
			if n := utf8.RuneCountInString(m.Text); n == 0 || n > 4000 {
				t.Errorf("%s message %d: fallback text of %d characters", lang, i+1, n)
			}
			for _, b := range blocksOf(t, raw) {
				if ref, ok := strings.CutPrefix(b.BlockID, "b_"); ok {
					shown[ref] = true
				}
			}
		}
		if len(shown) != len(r.Bookings) {
			t.Errorf("%s: %d of %d bookings shown", lang, len(shown), len(r.Bookings))
		}
	}
}

func refOf(i int) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := []byte("R00000")
	for j := 5; j > 0 && i > 0; j-- {
		b[j] = alphabet[i%len(alphabet)]
		i /= len(alphabet)
	}
	return string(b)
}

// slackLimits lists what in a message's blocks breaks Slack's published
// Block Kit limits.
func slackLimits(raw json.RawMessage) []string {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	var blocks []struct {
		Type     string          `json:"type"`
		BlockID  string          `json:"block_id"`
		Text     *text           `json:"text"`
		Elements json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{"blocks do not decode: " + err.Error()}
	}
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if len(blocks) > 50 {
		add("%d blocks, Slack allows 50", len(blocks))
	}
	blockIDs := map[string]bool{}
	for i, b := range blocks {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] {
				add("block_id %q repeated in the message", b.BlockID)
			}
			blockIDs[b.BlockID] = true
			if len(b.BlockID) > 255 {
				add("block %d: block_id over 255 characters", i)
			}
		}
		n := 0
		if b.Text != nil {
			n = utf8.RuneCountInString(b.Text.Text)
		}
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || n == 0 || n > 150 {
				add("block %d: header text of %d characters (plain_text, 1–150)", i, n)
			}
		case "section":
			if n == 0 || n > 3000 {
				add("block %d: section text of %d characters (1–3000)", i, n)
			}
		case "context":
			var els []text
			_ = json.Unmarshal(b.Elements, &els)
			if len(els) == 0 || len(els) > 10 {
				add("block %d: context with %d elements (1–10)", i, len(els))
			}
			for _, el := range els {
				if utf8.RuneCountInString(el.Text) > 3000 {
					add("block %d: context text over 3000 characters", i)
				}
			}
		case "actions":
			var els []struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				Text     text   `json:"text"`
			}
			_ = json.Unmarshal(b.Elements, &els)
			if len(els) == 0 || len(els) > 25 {
				add("block %d: actions with %d elements (1–25)", i, len(els))
			}
			actionIDs := map[string]bool{}
			for _, el := range els {
				if el.ActionID == "" || len(el.ActionID) > 255 || actionIDs[el.ActionID] {
					add("block %d: action_id %q empty, too long or repeated in its block", i, el.ActionID)
				}
				actionIDs[el.ActionID] = true
				if len(el.Value) > 2000 {
					add("block %d: button value of %d characters (≤ 2000)", i, len(el.Value))
				}
				if m := utf8.RuneCountInString(el.Text.Text); el.Text.Type != "plain_text" || m == 0 || m > 75 {
					add("block %d: button text of %d characters (plain_text, 1–75)", i, m)
				}
			}
		default:
			add("block %d: unexpected type %q", i, b.Type)
		}
	}
	return bad
}

// TestCitizenTextCannotMention: a name reaching the roster with Slack's
// markup (<!channel>) would ping the whole department; it is escaped.
func TestCitizenTextCannotMention(t *testing.T) {
	e := newEnv(t)
	d := e.workday(t, 0)
	r := booking.Roster{Department: civil, Date: d, Bookings: []booking.Booking{{
		Ref: "R00001", Department: civil, Service: "birth-certificate", Desk: "A1",
		Start: d.At(9*60, e.cat.Location), Status: booking.Active,
		Citizen: booking.Citizen{Name: "<!channel> & Σια", Phone: "+306912345678"},
	}}}
	raw, err := json.Marshal(e.adapter.RosterMessages(r, booking.Greek)[0].Blocks)
	if err != nil {
		t.Fatal(err)
	}
	txt := allText(blocksOf(t, raw))
	if strings.Contains(txt, "<!channel>") || !strings.Contains(txt, "&lt;!channel&gt; &amp; Σια") {
		t.Fatalf("roster reads:\n%s", txt)
	}
}
