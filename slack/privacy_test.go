package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestPhoneOnlyForTheBookingsDepartment: staff read a citizen's phone
// number only about their own department's bookings. A channel the catalog
// gives to two departments is read by the staff of both, so what is posted
// there (the roster, the alerts) masks the number; the roster a clerk asks
// for, which only they see, and their find show it in full; another
// department's clerk finds nothing.
func TestPhoneOnlyForTheBookingsDepartment(t *testing.T) {
	const full = "+30 691 234 5678"
	const masked = "+•• ••• ••• ••78"
	e := newEnvWith(t, func(c *booking.Catalog) {
		for i := range c.Departments {
			if c.Departments[i].Code == "registry-office" {
				c.Departments[i].Slack.Channel = channel // the Civil Registry's
			}
		}
	}, nil)
	ctx := context.Background()
	d := e.workday(t, 0)
	day, err := e.office.FreeSlots(ctx, "birth-certificate", d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.office.Book(ctx, booking.Request{
		Citizen: booking.Citizen{TelegramID: 1500, Name: "Νίκος Αθανασίου", Phone: "+306912345678", Lang: booking.Greek},
		Service: "birth-certificate", Start: day.Slots[0].Start,
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("SharedChannelRosterMasks", func(t *testing.T) {
		before := len(e.fake.Channel(channel))
		if err := e.adapter.Deliver(ctx, booking.RosterNotification(civil, d)); err != nil {
			t.Fatal(err)
		}
		posts := e.fake.Channel(channel)[before:]
		txt := ""
		for _, p := range posts {
			txt += allText(blocksOf(t, p.Blocks)) + p.Text
		}
		if strings.Contains(txt, full) || !strings.Contains(txt, masked) {
			t.Fatalf("roster in a shared channel reads:\n%s", txt)
		}
	})

	t.Run("SharedChannelAlertMasks", func(t *testing.T) {
		before := len(e.fake.Channel(channel))
		n := booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: civil, BookingID: b.ID}
		if err := e.adapter.Deliver(ctx, n); err != nil {
			t.Fatal(err)
		}
		posts := e.fake.Channel(channel)[before:]
		if len(posts) != 1 || strings.Contains(posts[0].Text, full) || !strings.Contains(posts[0].Text, masked) {
			t.Fatalf("alert in a shared channel: %+v", posts)
		}
	})

	t.Run("OwnClerksRosterShowsIt", func(t *testing.T) {
		_, _, respURL := e.command(t, clerk, "roster "+d.String())
		e.adapter.Wait()
		raw, _ := json.Marshal(e.fake.Responses(respURL))
		if !strings.Contains(string(raw), full) {
			t.Fatalf("the clerk's own roster lacks the phone: %s", raw)
		}
	})

	t.Run("FindOnlyByTheOwnDepartment", func(t *testing.T) {
		_, out, _ := e.command(t, clerk, "find "+b.Ref)
		if !strings.Contains(text(out), full) {
			t.Fatalf("own clerk's find: %q", text(out))
		}
		_, out, _ = e.command(t, "U0EXAMPLE2", "find 6912345678") // the Registry Office's clerk
		if strings.Contains(text(out), "Νίκος") || strings.Contains(text(out), b.Ref) {
			t.Fatalf("another department's clerk finds %q", text(out))
		}
	})

	t.Run("OwnChannelShowsIt", func(t *testing.T) {
		own := newEnv(t)
		r := booking.Roster{Department: civil, Date: d, Bookings: []booking.Booking{{
			Ref: "R00001", Department: civil, Service: "birth-certificate", Desk: "A1",
			Start: d.At(9*60, own.cat.Location), Status: booking.Active,
			Citizen: booking.Citizen{Name: "x", Phone: "+306912345678"},
		}}}
		raw, _ := json.Marshal(own.adapter.RosterMessages(r, booking.Greek)[0].Blocks)
		if !strings.Contains(string(raw), full) {
			t.Fatalf("a department's own channel lacks the phone: %s", raw)
		}
	})
}

// TestCitizenTextShowsLiterally: a name typed with Slack's markup reads in
// the roster as typed, not bold, struck, code, an emoji or a link, and a
// line break in it does not start a line (a quote) of its own.
func TestCitizenTextShowsLiterally(t *testing.T) {
	e := newEnv(t)
	d := e.workday(t, 0)
	for _, name := range []string{"*bold*", "_Μαρία_ ~Π~", "`code` ```x```", ":skull: Νίκος", "evil.example.com", "a\n> quote", "<!channel>"} {
		r := booking.Roster{Department: civil, Date: d, Bookings: []booking.Booking{{
			Ref: "R00001", Department: civil, Service: "birth-certificate", Desk: "A1",
			Start: d.At(9*60, e.cat.Location), Status: booking.Active,
			Citizen: booking.Citizen{Name: name, Phone: "+306912345678"},
		}}}
		raw, err := json.Marshal(e.adapter.RosterMessages(r, booking.Greek)[0].Blocks)
		if err != nil {
			t.Fatal(err)
		}
		line := ""
		for _, b := range blocksOf(t, raw) {
			if b.BlockID == "b_R00001" {
				line = b.Text.Text
			}
		}
		_, shown, ok := strings.Cut(line, "\n")
		if !ok {
			t.Fatalf("%q: roster line %q", name, line)
		}
		shown, _, _ = strings.Cut(shown, " · ")
		if marked := markupIn(shown); marked != "" {
			t.Errorf("%q reads %q in the roster: Slack would take %s as markup", name, shown, marked)
		}
		literal := strings.NewReplacer("\u200b", "", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(shown)
		if want := strings.ReplaceAll(name, "\n", " "); literal != want {
			t.Errorf("%q reads %q once the invisible separators are dropped; want %q", name, literal, want)
		}
	}
}

// markupIn returns the first character of s that Slack's mrkdwn could read
// as markup: <, > or a bare & (links, mentions), a line break, or one of
// * _ ~ ` : . touching a visible character.
func markupIn(s string) string {
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '<', '>', '\n':
			return string(r)
		case '&':
			if !strings.HasPrefix(string(rs[i:]), "&lt;") && !strings.HasPrefix(string(rs[i:]), "&gt;") && !strings.HasPrefix(string(rs[i:]), "&amp;") {
				return "&"
			}
		case '*', '_', '~', '`', ':', '.':
			if i == 0 || rs[i-1] != '\u200b' || i == len(rs)-1 || rs[i+1] != '\u200b' {
				return string(r)
			}
		}
	}
	return ""
}
