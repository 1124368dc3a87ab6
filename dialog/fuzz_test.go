package dialog

import (
	"encoding/json"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

var fuzzCommands = []string{"start", "book", "mybookings", "cancel", "lang", "help", "info", "xyz", "/start@bot"}

var fuzzTexts = []string{"αύριο", "25/11", "Δευτέρα", "09:30", "6912345678", "Μαρία Π.", "πίσω", "ακύρωση", "", "1/1/2000"}

var fuzzKinds = []EffectKind{LoadDays, LoadSlots, FirstAvailable, Book, Reschedule, Cancel, MyBookings, SetLang, LoadBooking}

var fuzzCodes = []booking.Code{booking.ESlotTaken, booking.ELimit, booking.ETooOften, booking.EClosed, booking.EInvalid,
	booking.ENotFound, booking.EConflict, booking.EForbidden, booking.EInternal}

// FuzzStep drives conversations with arbitrary sequences of taps, texts,
// commands, contacts, failing effects and expiries: Step must never panic,
// every update must get a non-empty answer that Telegram accepts (checked by
// the harness), and the state must stay one the screens can be drawn from.
func FuzzStep(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 0, 7, 7, 0}, "αύριο", []byte(nil))
	f.Add([]byte{10, 8, 8, 8, 8, 8, 8, 8, 8, 13, 0, 6, 0}, "Μαρία", []byte(`{"v":3,"screen":"confirm"}`))
	f.Add([]byte{18, 0, 0, 4, 3, 1}, "ΑΥΡΙΟ", []byte(`{"v":-1,"screen":"time","times":[570]}`))
	// "Book again" (op 4 taps text as button data) from the middle of a booking.
	f.Add([]byte{2 + 8, 0, 0, 0, 0, 4, 0, 6, 4}, GlobalButton(GlobalBookAgain, "AB12CD"), []byte(nil))
	f.Fuzz(func(t *testing.T, ops []byte, text string, stateJSON []byte) {
		c := newConvo(t)
		c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status",
			Start: today.AddDays(2).At(600, c.w.loc()), Status: booking.Active}}
		var junk State
		if json.Unmarshal(stateJSON, &junk) == nil {
			// Whatever was stored, the next update is answered.
			s, replies, _ := Step(junk, Event{Kind: KindText, Text: text}, c.w.env)
			if len(replies) == 0 {
				t.Fatalf("no reply from stored state %s", stateJSON)
			}
			checkReplies(t, replies)
			_ = s
		}
		if len(ops) > 60 {
			ops = ops[:60]
		}
		for _, op := range ops {
			arg := int(op / 8)
			switch op % 8 {
			case 0:
				var all []Button
				for _, r := range c.replies {
					for _, row := range r.Buttons {
						all = append(all, row...)
					}
				}
				if len(all) == 0 {
					c.text(text)
					break
				}
				c.send(Event{Kind: KindButton, Data: all[arg%len(all)].Data})
			case 1:
				c.text(text)
			case 2:
				c.cmd(fuzzCommands[arg%len(fuzzCommands)])
			case 3:
				c.send(Event{Kind: KindContact, Contact: &Contact{Phone: text, UserID: int64(arg % 2), FromID: 1, FirstName: text}})
			case 4:
				c.send(Event{Kind: KindButton, Data: text})
			case 5:
				k := fuzzKinds[arg%len(fuzzKinds)]
				c.w.errs[k] = append(c.w.errs[k], fuzzCodes[arg%len(fuzzCodes)])
				continue
			case 6:
				c.s = State{}
				continue
			case 7:
				c.text(fuzzTexts[arg%len(fuzzTexts)])
			}
			if len(c.replies) == 0 {
				t.Fatal("an update went unanswered")
			}
			checkState(t, c.s)
		}
	})
}

// checkState checks that s can be drawn: each screen has the data it shows.
func checkState(t *testing.T, s State) {
	t.Helper()
	if s.Lang != booking.Greek && s.Lang != booking.English {
		t.Fatalf("lang %q", s.Lang)
	}
	if s.Version < 1 {
		t.Fatalf("version %d after a screen was drawn", s.Version)
	}
	ok := s.Screen != ScreenNone && s.drawable()
	if !ok {
		t.Fatalf("screen %q cannot be drawn from %+v", s.Screen, s)
	}
}
