package notify_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRenderWaitlist renders the waiting list's messages in both
// languages into a readable golden file (run with -update to accept): the
// offer of a new place and of an earlier time, with "Take it" / "No
// thanks" and the time the hold ends; the offer that ran out; the citizen
// taken off the list. An offer whose hold ended before it could be sent
// is not sent.
func TestRenderWaitlist(t *testing.T) {
	cat := booking.DefaultCatalog()
	now := time.Date(2026, 12, 1, 9, 5, 0, 0, cat.Location)
	start := time.Date(2026, 12, 3, 10, 30, 0, 0, cat.Location)
	hold := booking.Booking{
		ID: 7, Ref: "P7QW3R", Department: "civil-registry", Service: "birth-certificate", Desk: "A2",
		Start: start, End: start.Add(15 * time.Minute), Status: booking.Offered, HeldUntil: now.Add(10 * time.Minute),
		Citizen: booking.Citizen{TelegramID: 42, Lang: booking.Greek},
	}
	r := &notify.Renderer{Catalog: cat, Now: func() time.Time { return now }}
	note := func(k booking.NotificationKind, p booking.Payload) booking.Notification {
		return booking.Notification{ID: 99, Kind: k, Channel: booking.ChannelTelegram, Recipient: "42", BookingID: 7, DueAt: now, Payload: p}
	}
	old := booking.Payload{OldStart: time.Date(2026, 12, 15, 12, 0, 0, 0, cat.Location)}
	var b strings.Builder
	for _, lang := range []booking.Lang{booking.Greek, booking.English} {
		h := hold
		h.Citizen.Lang = lang
		for _, c := range []struct {
			name string
			n    booking.Notification
		}{
			{"offer", note(booking.NotifyOffer, booking.Payload{})},
			{"offer of an earlier time", note(booking.NotifyOffer, old)},
			{"offer ran out", note(booking.NotifyOfferExpired, booking.Payload{})},
			{"taken off the list", note(booking.NotifyWaitDropped, booking.Payload{})},
		} {
			m, err := r.Render(c.n, h)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, c.name, err)
			}
			b.WriteString("### " + string(lang) + ": " + c.name + "\n" + m.Text + "\n")
			for _, row := range m.Buttons {
				for _, btn := range row {
					if len(btn.Data) > dialog.MaxCallbackData || btn.Data == "" {
						t.Fatalf("%s: button %q data %q", c.name, btn.Text, btn.Data)
					}
					b.WriteString("  [" + btn.Text + "] " + btn.Data + "\n")
				}
			}
			b.WriteString("\n")
		}
	}
	path := filepath.Join("testdata", "waitlist.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("messages differ from %s (run with -update to accept):\n%s", path, b.String())
	}

	// The buttons answer the offer by its hold's reference.
	m, _ := r.Render(note(booking.NotifyOffer, booking.Payload{}), hold)
	if a, ref, ok := dialog.ParseGlobal(m.Buttons[0][0].Data); !ok || a != dialog.GlobalTakeOffer || ref != hold.Ref {
		t.Fatalf("take button: %q", m.Buttons[0][0].Data)
	}
	if a, ref, ok := dialog.ParseGlobal(m.Buttons[0][1].Data); !ok || a != dialog.GlobalDeclineOffer || ref != hold.Ref {
		t.Fatalf("decline button: %q", m.Buttons[0][1].Data)
	}
	// Ended before it was sent: not sent.
	ended := hold
	ended.HeldUntil = time.Time{}
	ranOut := hold
	ranOut.HeldUntil = now.Add(-time.Second)
	taken := hold
	taken.Status, taken.HeldUntil = booking.Active, time.Time{}
	for name, h := range map[string]booking.Booking{"ended": ended, "ran out": ranOut, "taken": taken} {
		if _, err := r.Render(note(booking.NotifyOffer, booking.Payload{}), h); !errorsIs(err, booking.ErrSkipped) {
			t.Errorf("offer %s: %v, want skipped", name, err)
		}
	}
	// Taken: the conversation showed it, unless confirmations are sent.
	if _, err := r.Render(note(booking.NotifyOfferTaken, booking.Payload{}), taken); !errorsIs(err, booking.ErrSkipped) {
		t.Errorf("taken: %v, want skipped", err)
	}
	r.SendConfirmations = true
	if m, err := r.Render(note(booking.NotifyOfferTaken, old), taken); err != nil || m.ICS == nil {
		t.Errorf("taken, confirmations on: %v, file %v", err, m.ICS != nil)
	}
}

// TestOfferHeldPastMidnight: a hold that ends another day says the day,
// with the article Greek wants before it.
func TestOfferHeldPastMidnight(t *testing.T) {
	cat := booking.DefaultCatalog()
	friday := time.Date(2026, 12, 4, 23, 55, 0, 0, cat.Location)
	start := time.Date(2026, 12, 7, 10, 30, 0, 0, cat.Location)
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{friday, "ως το Σάββατο 5 Δεκεμβρίου, 00:05"},
		{friday.Add(-24 * time.Hour), "ως την Παρασκευή 4 Δεκεμβρίου, 00:05"},
		{friday.Add(-23 * time.Hour), "ως τις 01:05"},
	} {
		hold := booking.Booking{ID: 7, Ref: "P7QW3R", Department: "civil-registry", Service: "birth-certificate", Desk: "A2",
			Start: start, End: start.Add(15 * time.Minute), Status: booking.Offered, HeldUntil: c.now.Add(10 * time.Minute),
			Citizen: booking.Citizen{TelegramID: 42, Lang: booking.Greek}}
		r := &notify.Renderer{Catalog: cat, Now: func() time.Time { return c.now }}
		m, err := r.Render(booking.Notification{ID: 1, Kind: booking.NotifyOffer, Channel: booking.ChannelTelegram,
			Recipient: "42", BookingID: 7, DueAt: c.now}, hold)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("offer at %s does not say %q:\n%s", c.now, c.want, m.Text)
		}
	}
}
