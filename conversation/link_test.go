package conversation_test

import (
	"context"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
)

// TestSharedContactLinksPhoneBookings: the call centre booked for Maria's
// number; when she later shares that number as her own contact in the bot,
// the booking is hers there, and the bot says so before asking her name.
// A contact that is not her own links nothing.
func TestSharedContactLinksPhoneBookings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1", Name: "call centre"}
	wed := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) // 11:00 in Thessaloniki
	phoned, err := f.office.BookForCaller(ctx, staff, booking.CallerRequest{Service: "family-status", Start: wed,
		Phone: "6912345678", Name: "Μαρία Παπαδοπούλου", Via: booking.ViaPhone})
	if err != nil {
		t.Fatal(err)
	}

	// Someone else's contact: refused, nothing linked.
	other := f.chat(t, 8102, "el")
	other.cmd("book")
	other.tap("Δημοτολόγιο")
	other.tap("οικογενειακής")
	other.tap("Τετάρτη 25 Νοεμβρίου")
	other.tap("12:00")
	other.send(dialog.Event{Kind: dialog.KindContact, Contact: &dialog.Contact{Phone: "306912345678", UserID: 8101, FromID: 8102}})
	other.wantSaid("δικό σας αριθμό")
	if got := f.active(t, 8102); len(got) != 0 {
		t.Fatalf("a contact not one's own linked %d bookings", len(got))
	}

	maria := f.chat(t, 8101, "el")
	maria.cmd("book")
	maria.tap("Δημοτολόγιο")
	maria.tap("οικογενειακής")
	maria.tap("Τετάρτη 25 Νοεμβρίου")
	maria.tap("12:00")
	maria.send(dialog.Event{Kind: dialog.KindContact, Contact: &dialog.Contact{Phone: "306912345678", UserID: 8101, FromID: 8101,
		FirstName: "Μαρία", LastName: "Παπαδοπούλου"}})
	maria.wantSaid("Βρήκαμε ένα ραντεβού")
	maria.wantSaid("Σε ποιο όνομα")
	got := f.active(t, 8101)
	if len(got) != 1 || got[0].Ref != phoned.Ref {
		t.Fatalf("Maria's bookings after sharing her number: %+v", got)
	}
	// The booking she was making goes on, and her limits count the
	// phone booking: one of a service at a time.
	maria.tap("Μαρία Παπαδοπούλου")
	maria.wantSaid("Να το κλείσουμε;")
	maria.tap("Επιβεβαίωση")
	maria.wantSaid("Έχετε ήδη")
	if got := f.active(t, 8101); len(got) != 1 {
		t.Fatalf("%d bookings after confirming, want only the phone one", len(got))
	}
}
