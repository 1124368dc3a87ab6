package conversation_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// newTracedFixture is newFixture with every statement of the office
// recorded.
func newTracedFixture(t *testing.T) (*fixture, *pgtest.Trips) {
	t.Helper()
	pool, st := pgtest.Traced(t, pgtest.New(t))
	f := fixtureOn(t, pool)
	st.Statements()
	return f, st
}

// queries returns sql without the setting of a soft write's commit
// (postgres.softTx), which comes in the same round trip as its statement.
func queries(sql []string) []string {
	var out []string
	for _, q := range sql {
		if !strings.HasPrefix(q, "SELECT set_config('synchronous_commit'") {
			out = append(out, q)
		}
	}
	return out
}

// touching returns the statements that name the citizens table.
func touching(sql []string) []string {
	var out []string
	for _, q := range sql {
		if strings.Contains(q, "citizens") {
			out = append(out, q)
		}
	}
	return out
}

const notice = "🔒 Τα στοιχεία σας"

// TestNewCitizenStatements: a new citizen's /start is one statement, which
// both finds them unknown and remembers them with the language the session
// starts in; choosing a service reads none of their bookings, which they
// cannot have, until they booked.
func TestNewCitizenStatements(t *testing.T) {
	f, st := newTracedFixture(t)
	ctx := context.Background()

	t.Run("StartIsOneStatement", func(t *testing.T) {
		c := f.chat(t, 9101, "en-GB")
		c.cmd("start")
		c.wantSaid("🔒 Your data")
		if sql := queries(st.Statements()); len(sql) != 1 || !strings.Contains(sql[0], "INSERT INTO citizens") {
			t.Fatalf("/start of a new citizen sent %d statements: %q", len(sql), sql)
		}
		if l, known, err := f.office.CitizenLang(ctx, 9101); err != nil || !known || l != booking.English {
			t.Fatalf("remembered as %q, %v (%v); want en as the session speaks", l, known, err)
		}
		st.Statements()
		c.cmd("start")
		if c.said("Your data") {
			t.Fatal("the notice again")
		}
		if sql := st.Statements(); len(sql) != 0 {
			t.Fatalf("/start in a session sent %q", sql)
		}
	})

	t.Run("KnownCitizenStartIsOneRead", func(t *testing.T) {
		if err := f.office.SetCitizenLang(ctx, 9102, booking.English); err != nil {
			t.Fatal(err)
		}
		st.Statements()
		c := f.chat(t, 9102, "el")
		c.cmd("start")
		if c.said(notice) || c.said("Your data") {
			t.Fatal("the notice to a citizen already met")
		}
		c.wantSaid("Hello") // their own language, not Telegram's
		if sql := queries(st.Statements()); len(sql) != 1 {
			t.Fatalf("/start of a known citizen sent %q", sql)
		}
	})

	t.Run("ServicePickReadsNoBookingsUntilBooked", func(t *testing.T) {
		c := f.chat(t, 9103, "el")
		c.cmd("start")
		c.wantSaid(notice)
		c.cmd("book")
		c.tap("Δημοτολόγιο")
		st.Statements()
		c.tap("οικογενειακής")
		c.wantSaid("Διαλέξτε ημέρα")
		if sql := touching(st.Statements()); len(sql) != 0 {
			t.Fatalf("choosing a service, a first contact's bookings read: %q", sql)
		}
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:30")
		c.text("6912345678")
		c.text("Μαρία Παπαδοπούλου")
		c.tap("Επιβεβαίωση")
		c.wantSaid("Το ραντεβού σας κλείστηκε")

		// Booked: the next choice of a service reads their bookings, and
		// the limit of one a service is told before the calendar.
		c.cmd("book")
		c.tap("Δημοτολόγιο")
		st.Statements()
		c.tap("οικογενειακής")
		c.wantSaid("Έχετε ήδη ραντεβού")
		if sql := touching(st.Statements()); len(sql) != 1 {
			t.Fatalf("choosing a service after booking: %q", sql)
		}
	})

	t.Run("KnownCitizenServicePickReadsBookings", func(t *testing.T) {
		c := f.chat(t, 9102, "el")
		c.cmd("book")
		c.tap("Civil Registry")
		st.Statements()
		c.tap("Family status")
		if sql := touching(st.Statements()); len(sql) != 1 {
			t.Fatalf("choosing a service, a known citizen's bookings not read once: %q", sql)
		}
	})

	t.Run("RedoOnASessionAnotherUpdateStarted", func(t *testing.T) {
		// The first update of a new citizen looks them up, remembering
		// them; meanwhile another update of the chat saved a session, so
		// this one is redone on it. The redo still shows the notice (the
		// citizen is known from now on), without looking them up again.
		const id = 9104
		other, err := json.Marshal(dialog.State{Version: 1, Epoch: 5, Lang: booking.Greek, Screen: dialog.ScreenMenu})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.sessions.Save(ctx, id, 0, other); err != nil {
			t.Fatal(err)
		}
		st.Statements()
		rs, err := f.engine.Handle(ctx, conversation.Input{ChatID: id, UserID: id, LangCode: "el",
			Event:   dialog.Event{Kind: dialog.KindCommand, Command: "start"},
			Session: &conversation.Snapshot{}}) // read before the other update saved
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 || !strings.HasPrefix(rs[0].Text, notice) {
			t.Fatalf("redo without the notice: %+v", rs)
		}
		if sql := touching(st.Statements()); len(sql) != 1 {
			t.Fatalf("the citizen looked up %d times: %q", len(sql), sql)
		}
		if _, known, err := f.office.CitizenLang(ctx, id); err != nil || !known {
			t.Fatalf("not remembered (%v)", err)
		}
		data, _, err := f.sessions.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var s dialog.State
		if err := json.Unmarshal(data, &s); err != nil || s.Epoch != 5 || s.NoBookings {
			t.Fatalf("saved %s (%v); want the other update's session, not vouching for no bookings", data, err)
		}
	})
}

// TestNewCitizenAtOnce: two first updates of one new citizen at once, as a
// doubled /start: the citizen is remembered once, and is shown the notice
// at least once.
func TestNewCitizenAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for id := int64(9201); id < 9211; id++ {
		var wg sync.WaitGroup
		replies := make([][]dialog.Reply, 2)
		for i := range replies {
			wg.Go(func() {
				rs, err := f.engine.Handle(ctx, conversation.Input{ChatID: id, UserID: id, LangCode: "el",
					Event: dialog.Event{Kind: dialog.KindCommand, Command: "start"}})
				if err != nil {
					t.Errorf("handle: %v", err)
				}
				replies[i] = rs
			})
		}
		wg.Wait()
		shown := 0
		for _, rs := range replies {
			for _, r := range rs {
				if strings.HasPrefix(r.Text, notice) {
					shown++
				}
			}
		}
		if shown == 0 {
			t.Fatalf("citizen %d never shown the notice: %+v", id, replies)
		}
		if _, known, err := f.office.CitizenLang(ctx, id); err != nil || !known {
			t.Fatalf("citizen %d not remembered (%v)", id, err)
		}
	}
}
