package dialog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// today is a Tuesday; the built-in catalog opens Mon–Fri 08:00–14:00.
var today = booking.Date{Year: 2026, Month: time.November, Day: 24}

func testEnv(t testing.TB) Env {
	t.Helper()
	c := booking.DefaultCatalog()
	return Env{Catalog: c, Today: today, Now: today.At(600, c.Location), ChatID: 4242, Nonce: 77}
}

// world answers effects with plain data, the way the engine would after
// asking the Office: weekdays from Wednesday on have free times 09:00–10:00
// every 15 minutes; errs makes the next effect of a kind fail with a code.
type world struct {
	t        testing.TB
	env      Env
	errs     map[EffectKind][]booking.Code
	bookings []booking.Booking
	ran      []Effect
	noSlots  map[booking.Date]bool
	closed   map[booking.Date]booking.Text // holidays and closures, with their reason
	// past holds the citizen's bookings that are no longer active (cancelled
	// by staff, say): LoadBooking finds them, MyBookings does not.
	past []booking.Booking
	// made are the bookings booked in the conversation: LoadBooking finds
	// them, and MyBookings leaves them out so that tests stay small.
	made []booking.Booking
	ref  string
	// waiting is the citizen's waiting list, as the office keeps it;
	// moves names, by an offer's hold, the booking it brings forward.
	waiting []booking.WaitEntry
	moves   map[string]string
}

func newWorld(t testing.TB) *world {
	return &world{t: t, env: testEnv(t), errs: map[EffectKind][]booking.Code{}, noSlots: map[booking.Date]bool{}, ref: "K7P4QX"}
}

func (w *world) loc() *time.Location { return w.env.Catalog.Location }

func (w *world) day(d booking.Date) booking.Day {
	wd := d.Weekday()
	if reason, ok := w.closed[d]; ok {
		return booking.Day{Date: d, Closed: true, Reason: reason}
	}
	if wd == time.Saturday || wd == time.Sunday || !today.Before(d) || w.noSlots[d] {
		return booking.Day{Date: d, Closed: wd == time.Saturday || wd == time.Sunday}
	}
	day := booking.Day{Date: d}
	for c := booking.Clock(540); c < 600; c += 15 {
		start := d.At(c, w.loc())
		day.Slots = append(day.Slots, booking.Slot{Start: start, End: start.Add(15 * time.Minute)})
	}
	return day
}

func (w *world) answer(e Effect) Result {
	w.ran = append(w.ran, e)
	r := Result{Effect: e.Kind}
	if q := w.errs[e.Kind]; len(q) > 0 {
		r.Err, w.errs[e.Kind] = q[0], q[1:]
		return r
	}
	switch e.Kind {
	case LoadDays:
		for d := e.From; !e.To.Before(d); d = d.AddDays(1) {
			r.Days = append(r.Days, w.day(d))
		}
	case LoadSlots:
		r.Day = w.day(e.Date)
	case FirstAvailable:
		r.Slot = w.day(today.AddDays(1)).Slots[0]
	case Book:
		svc, _ := w.env.Catalog.Service(e.Service)
		r.Booking = booking.Booking{Ref: w.ref, Service: e.Service, Department: svc.Department, Desk: "A1",
			Start: e.Start, End: e.Start.Add(svc.Duration), Status: booking.Active, CreatedAt: w.env.Now}
		w.made = append(w.made, r.Booking)
	case Reschedule:
		r.Booking = booking.Booking{Ref: e.Ref, Start: e.Start, Desk: "A2", Status: booking.Active}
		for _, b := range w.bookings {
			if b.Ref == e.Ref {
				r.Booking.Service, r.Booking.Department, r.Booking.CreatedAt = b.Service, b.Department, b.CreatedAt
			}
		}
	case Cancel:
		r.Booking = booking.Booking{Ref: e.Ref, Status: booking.Cancelled}
		for _, b := range w.bookings {
			if b.Ref == e.Ref {
				r.Booking = b
				r.Booking.Status = booking.Cancelled
			}
		}
	case MyBookings:
		r.Bookings = w.bookings
	case JoinWaitlist:
		svc := e.Service
		var earlier time.Time
		for _, b := range w.bookings {
			if b.Ref == e.Ref && e.Ref != "" {
				svc, earlier = b.Service, b.Start
			}
		}
		from, to := e.From, e.To
		if from == (booking.Date{}) {
			from, to = today, today.AddDays(w.env.Catalog.Horizon)
		}
		w.waiting = append(w.waiting, booking.WaitEntry{ID: int64(len(w.waiting) + 41), Service: svc, From: from, To: to,
			Part: e.Part, EarlierThan: e.Ref, EarlierStart: earlier, Status: booking.Waiting})
	case LoadWaitlist:
		r.Entries = w.waiting
	case LeaveWaitlist:
		r.Err = booking.ENotFound
		for i, we := range w.waiting {
			if we.ID == e.Entry {
				w.waiting, r.Err = append(w.waiting[:i:i], w.waiting[i+1:]...), ""
				break
			}
		}
	case TakeOffer:
		// The hold becomes the booking, or for an earlier time the
		// booking named in moves (w.moves) moves to its place; either
		// way the entry it answered leaves the list.
		start := today.AddDays(1).At(570, w.loc())
		r.Booking = booking.Booking{Ref: e.Ref, Service: "birth-certificate", Department: "civil-registry", Desk: "A2",
			Start: start, End: start.Add(15 * time.Minute), Status: booking.Active}
		moved := w.moves[e.Ref]
		for i, b := range w.bookings {
			if b.Ref == moved && moved != "" {
				w.bookings[i].Start = start
				r.Booking.Ref, r.Booking.Service, r.Booking.Department = b.Ref, b.Service, b.Department
			}
		}
		for i, we := range w.waiting {
			if moved != "" && we.EarlierThan == moved || moved == "" && we.EarlierThan == "" && we.Service == r.Booking.Service {
				w.waiting = append(w.waiting[:i:i], w.waiting[i+1:]...)
				break
			}
		}
	case LoadBooking:
		// As Office.Booking for the citizen: their own bookings of any
		// status; anything else is not found.
		r.Err = booking.ENotFound
		for _, b := range append(append(append([]booking.Booking(nil), w.bookings...), w.past...), w.made...) {
			if b.Ref == e.Ref {
				r.Booking, r.Err = b, ""
			}
		}
	}
	return r
}

// convo drives Step like the engine does, saving the state through JSON
// between updates so that only what is stored survives.
type convo struct {
	t       testing.TB
	w       *world
	s       State
	replies []Reply // of the last update
	effects []Effect
}

func newConvo(t testing.TB) *convo {
	return &convo{t: t, w: newWorld(t)}
}

func (c *convo) send(e Event) []Reply {
	c.t.Helper()
	if e.LangCode == "" && e.Kind != KindResult {
		e.LangCode = "el"
	}
	c.w.ran = nil
	s, replies, effects := Step(c.s, e, c.w.env)
	c.effects = effects
	for n := 0; len(effects) > 0; n++ {
		if n > 8 {
			c.t.Fatalf("effects do not settle: %+v", effects)
		}
		res := c.w.answer(effects[0])
		effects = effects[1:]
		var more []Reply
		var next []Effect
		s, more, next = Step(s, Event{Kind: KindResult, Result: &res}, c.w.env)
		replies = append(replies, more...)
		effects = append(effects, next...)
	}
	checkReplies(c.t, replies)
	raw, err := json.Marshal(s)
	if err != nil {
		c.t.Fatalf("marshal state: %v", err)
	}
	c.s = State{}
	if err := json.Unmarshal(raw, &c.s); err != nil {
		c.t.Fatalf("unmarshal state: %v", err)
	}
	c.replies = replies
	return replies
}

func (c *convo) text(s string) []Reply { return c.send(Event{Kind: KindText, Text: s}) }
func (c *convo) cmd(s string) []Reply  { return c.send(Event{Kind: KindCommand, Command: s}) }

// tap taps the button of the last replies whose label contains label: an
// inline button, else a key of the reply keyboard, which sends its label
// as typed text, as Telegram's clients do.
func (c *convo) tap(label string) []Reply {
	c.t.Helper()
	for _, r := range c.replies {
		for _, row := range r.Keys {
			for _, k := range row {
				if strings.Contains(k, label) && !c.hasButton(label) {
					return c.send(Event{Kind: KindText, Text: k})
				}
			}
		}
	}
	return c.send(Event{Kind: KindButton, Data: c.button(label).Data})
}

func (c *convo) button(label string) Button {
	c.t.Helper()
	for _, r := range c.replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b
				}
			}
		}
	}
	c.t.Fatalf("no button %q in %s", label, transcript(c.replies))
	return Button{}
}

func (c *convo) hasButton(label string) bool {
	for _, r := range c.replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return true
				}
			}
		}
	}
	return false
}

// said reports whether any reply of the last update contains s; a
// no-break space (in phone numbers) counts as a space.
func (c *convo) said(s string) bool {
	for _, r := range c.replies {
		text := strings.ReplaceAll(r.Text, "\u00a0", " ")
		if strings.Contains(text, s) || strings.Contains(r.Toast, s) {
			return true
		}
	}
	return false
}

func (c *convo) wantScreen(want Screen) {
	c.t.Helper()
	if c.s.Screen != want {
		c.t.Fatalf("screen = %q, want %q; replies:\n%s", c.s.Screen, want, transcript(c.replies))
	}
}

func (c *convo) wantSaid(s string) {
	c.t.Helper()
	if !c.said(s) {
		c.t.Fatalf("replies do not say %q:\n%s", s, transcript(c.replies))
	}
}

// ran returns the effect of kind run during the last update.
func (c *convo) ran(kind EffectKind) (Effect, bool) {
	for _, e := range c.w.ran {
		if e.Kind == kind {
			return e, true
		}
	}
	return Effect{}, false
}

// transcript shows replies as the citizen gets them: each message new at
// the bottom unless marked as an edit of the tapped message.
func transcript(rs []Reply) string {
	var b strings.Builder
	for _, r := range rs {
		if r.Toast != "" {
			b.WriteString("[toast] " + r.Toast + "\n")
		}
		if r.DropButtons {
			b.WriteString("(the tapped message keeps its text and loses its buttons)\n")
		}
		if r.Text != "" {
			if r.Edit {
				b.WriteString("(edits the tapped message:)\n")
			}
			b.WriteString(r.Text + "\n")
		}
		if r.RemoveKeyboard {
			b.WriteString("  {keyboard removed}\n")
		}
		for _, row := range r.Buttons {
			b.WriteString("  ")
			for _, btn := range row {
				b.WriteString("[" + btn.Text + "] ")
			}
			b.WriteString("\n")
		}
		if r.Document != nil {
			b.WriteString("  [file " + r.Document.Name + "]\n")
		}
		if r.Venue != nil {
			b.WriteString(fmt.Sprintf("(map pin: %s, %s at %.4f, %.4f)\n", r.Venue.Title, r.Venue.Address, r.Venue.Lat, r.Venue.Lon))
		}
		if r.ContactButton {
			b.WriteString("  {" + r.ContactLabel + "}\n")
			for _, row := range r.Keys {
				b.WriteString("  {" + strings.Join(row, "} {") + "}\n")
			}
		}
	}
	return b.String()
}

// checkReplies checks what Telegram would refuse or a citizen would not
// understand: empty messages, raw message ids, oversized keyboards, callback
// data over 64 bytes or not ours.
func checkReplies(t testing.TB, rs []Reply) {
	t.Helper()
	for _, r := range rs {
		if r.DropButtons {
			if !r.Edit || r.Text != "" || len(r.Buttons) > 0 || r.RemoveKeyboard || r.ContactButton {
				t.Fatalf("a reply that drops the tapped message's buttons does more: %+v", r)
			}
			continue
		}
		if r.Venue != nil {
			if r.Text != "" || r.Edit || r.Venue.Title == "" || r.Venue.Address == "" {
				t.Fatalf("a map pin with more or less than a place: %+v", r)
			}
			continue
		}
		if r.Text == "" && r.Toast == "" {
			t.Fatalf("empty reply: %+v", r)
		}
		if r.Document != nil && (r.Edit || len([]rune(r.Text)) > MaxCaptionChars || len(r.Document.Data) == 0 || r.Document.Name == "") {
			t.Fatalf("a file that is edited, empty or has too long a caption: %+v", r)
		}
		if len(r.Keys) > 0 && !r.ContactButton {
			t.Fatalf("reply keys without the contact keyboard: %+v", r)
		}
		if strings.Contains(r.Text, "<no value>") {
			t.Fatalf("template hole in %q", r.Text)
		}
		if len([]rune(r.Text)) > MaxTextChars {
			t.Fatalf("text of %d characters", len([]rune(r.Text)))
		}
		if r.ContactButton && (len(r.Buttons) > 0 || r.Edit || r.ContactLabel == "") {
			t.Fatalf("contact keyboard reply mixes markups or lacks a label: %+v", r)
		}
		if r.RemoveKeyboard && len(r.Buttons) > 0 {
			t.Fatalf("remove-keyboard reply carries inline buttons: %+v", r)
		}
		n := 0
		for _, row := range r.Buttons {
			if len(row) == 0 || len(row) > MaxRowButtons {
				t.Fatalf("row of %d buttons", len(row))
			}
			for _, b := range row {
				n++
				if b.Text == "" || len(b.Data) == 0 || len(b.Data) > MaxCallbackData {
					t.Fatalf("bad button %+v", b)
				}
				if _, _, global := ParseGlobal(b.Data); global {
					continue
				}
				if _, err := ParseCallback(b.Data); err != nil {
					t.Fatalf("button %q data %q does not parse: %v", b.Text, b.Data, err)
				}
			}
		}
		if n > MaxButtons {
			t.Fatalf("%d buttons", n)
		}
	}
}

// Steps that bring a fresh conversation to each screen, in Greek.
func (c *convo) toDept()    { c.cmd("book") }
func (c *convo) toService() { c.toDept(); c.tap("Δημοτολόγιο") }
func (c *convo) toDate()    { c.toService(); c.tap("οικογενειακής") }
func (c *convo) toTime()    { c.toDate(); c.tap("Τετάρτη 25 Νοεμβρίου") }
func (c *convo) toPhone()   { c.toTime(); c.tap("09:30") }
func (c *convo) toName()    { c.toPhone(); c.text("69 1234-5678") }
func (c *convo) toConfirm() { c.toName(); c.text("Μαρία Παπαδοπούλου") }

func (c *convo) toMine() {
	c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status",
		Start: today.AddDays(2).At(600, c.w.loc()), Status: booking.Active}}
	c.cmd("mybookings")
}
