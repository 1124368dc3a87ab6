package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

type block struct {
	Type     string                 `json:"type"`
	BlockID  string                 `json:"block_id"`
	Text     *struct{ Text string } `json:"text"`
	Elements []struct {
		Type     string          `json:"type"`
		ActionID string          `json:"action_id"`
		Value    string          `json:"value"`
		Text     json.RawMessage `json:"text"` // an object on buttons, a string in context blocks
	} `json:"elements"`
}

// elementText reads a button's {"text":{"text":…}} or a context's {"text":…}.
func elementText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct{ Text string }
	_ = json.Unmarshal(raw, &o)
	return o.Text
}

func blocksOf(t *testing.T, raw json.RawMessage) []block {
	t.Helper()
	var bs []block
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("blocks %s: %v", raw, err)
	}
	return bs
}

func allText(bs []block) string {
	var b strings.Builder
	for _, x := range bs {
		if x.Text != nil {
			b.WriteString(x.Text.Text + "\n")
		}
		for _, el := range x.Elements {
			b.WriteString(elementText(el.Text) + "\n")
		}
	}
	return b.String()
}

func TestRoster(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	deliver := func(t *testing.T, d booking.Date) []block {
		t.Helper()
		before := len(e.fake.Channel(channel))
		if err := e.adapter.Deliver(ctx, booking.RosterNotification(civil, d)); err != nil {
			t.Fatal(err)
		}
		posts := e.fake.Channel(channel)[before:]
		if len(posts) != 1 {
			t.Fatalf("%d messages posted, want 1", len(posts))
		}
		return blocksOf(t, posts[0].Blocks)
	}

	t.Run("DayWithBookingsInTimeOrderWithButtons", func(t *testing.T) {
		d := e.workday(t, 0)
		// Booked out of order; one is cancelled by its citizen.
		bs := e.book(t, "birth-certificate", d, 200, 5, 1, 3)
		if _, err := e.office.Cancel(ctx, booking.Actor{Kind: booking.ActorCitizen, ID: "202"}, bs[2].Ref, ""); err != nil {
			t.Fatal(err)
		}
		blocks := deliver(t, d)
		if blocks[0].Type != "header" || !strings.Contains(blocks[0].Text.Text, "Δημοτολόγιο") {
			t.Fatalf("first block %+v; want the header with the department", blocks[0])
		}
		var refs []string
		buttons := map[string][]string{}
		for _, b := range blocks {
			if ref, ok := strings.CutPrefix(b.BlockID, "b_"); ok {
				refs = append(refs, ref)
				if !strings.Contains(b.Text.Text, "Ελένη Γεωργίου") || !strings.Contains(b.Text.Text, "690 000 00") ||
					!strings.Contains(b.Text.Text, "Πιστοποιητικό γέννησης") {
					t.Errorf("line lacks name, phone or service: %q", b.Text.Text)
				}
			}
			if ref, ok := strings.CutPrefix(b.BlockID, "a_"); ok {
				for _, el := range b.Elements {
					if el.Value != ref {
						t.Errorf("button %s carries %q, want %q", el.ActionID, el.Value, ref)
					}
					buttons[ref] = append(buttons[ref], el.ActionID)
				}
			}
		}
		// Slots 1, 3, 5 in time order: bs[1], bs[2], bs[0].
		want := []string{bs[1].Ref, bs[2].Ref, bs[0].Ref}
		if strings.Join(refs, ",") != strings.Join(want, ",") {
			t.Fatalf("order %v, want %v", refs, want)
		}
		// A later day's roster: attended and no-show come on the day.
		for _, b := range []booking.Booking{bs[0], bs[1]} {
			if got := strings.Join(buttons[b.Ref], ","); got != "rantevou_move,rantevou_cancel" {
				t.Errorf("buttons of %s: %s", b.Ref, got)
			}
		}
		if len(buttons[bs[2].Ref]) != 0 {
			t.Errorf("the cancelled booking has buttons %v", buttons[bs[2].Ref])
		}
		last := blocks[len(blocks)-1]
		if last.Type != "context" || !strings.Contains(allText([]block{last}), "2 ραντεβού") {
			t.Fatalf("summary %+v; want a count of 2", allText([]block{last}))
		}
		if !strings.Contains(allText(blocks), "ακυρώθηκε") {
			t.Error("the cancelled booking is not marked")
		}
	})

	t.Run("EmptyDay", func(t *testing.T) {
		d := e.workday(t, 3)
		blocks := deliver(t, d)
		txt := allText(blocks)
		if !strings.Contains(txt, "Κανένα ραντεβού") || !strings.Contains(txt, "0 ραντεβού") {
			t.Fatalf("empty roster reads:\n%s", txt)
		}
	})

	t.Run("HolidayIsClosedWithReason", func(t *testing.T) {
		xmas := booking.Date{Year: time.Now().Year(), Month: 12, Day: 25}
		blocks := deliver(t, xmas)
		txt := allText(blocks)
		if !strings.Contains(txt, "Κλειστά") || !strings.Contains(txt, "Χριστούγεννα") || strings.Contains(txt, "rantevou_") {
			t.Fatalf("holiday roster reads:\n%s", txt)
		}
		if len(blocks) != 2 {
			t.Fatalf("%d blocks; a closed day is one short message", len(blocks))
		}
	})

	t.Run("LongRosterSplitsUnder50Blocks", func(t *testing.T) {
		d := e.workday(t, 0)
		r := booking.Roster{Department: civil, Date: d, FreeCapacity: 0}
		start := d.At(8*60, e.cat.Location)
		for i := 0; i < 70; i++ {
			st := booking.Active
			if i%10 == 9 {
				st = booking.Cancelled
			}
			r.Bookings = append(r.Bookings, booking.Booking{Ref: fmt.Sprintf("R%04d", i), Department: civil,
				Service: "birth-certificate", Desk: "A1", Start: start.Add(time.Duration(i) * 5 * time.Minute), Status: st,
				Citizen: booking.Citizen{Name: "x", Phone: "1"}})
		}
		msgs := e.adapter.RosterMessages(r, booking.Greek)
		if len(msgs) < 3 {
			t.Fatalf("%d messages for 70 bookings", len(msgs))
		}
		seen := map[string]int{}
		for i, m := range msgs {
			raw, _ := json.Marshal(m.Blocks)
			bs := blocksOf(t, raw)
			if len(bs) > 50 {
				t.Fatalf("message %d has %d blocks", i, len(bs))
			}
			if bs[0].Type != "header" {
				t.Fatalf("message %d does not start with its header", i)
			}
			for j, b := range bs {
				if ref, ok := strings.CutPrefix(b.BlockID, "b_"); ok {
					seen[ref]++
					if r.Bookings[mustIndex(ref)].Status == booking.Active && (j+1 >= len(bs) || bs[j+1].BlockID != "a_"+ref) {
						t.Fatalf("booking %s split from its buttons", ref)
					}
				}
			}
		}
		if len(seen) != 70 {
			t.Fatalf("%d bookings shown, want 70", len(seen))
		}
		for ref, n := range seen {
			if n != 1 {
				t.Fatalf("%s shown %d times", ref, n)
			}
		}
	})
}

func mustIndex(ref string) int {
	var i int
	fmt.Sscanf(ref, "R%04d", &i)
	return i
}
