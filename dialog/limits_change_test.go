package dialog

import (
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestTooManyChanges: the store refuses a booking, a move or a
// cancellation because the citizen changed as often this hour as the
// office accepts; they are told so, politely, and the screen they
// confirmed on stays for a later try.
func TestTooManyChanges(t *testing.T) {
	const said = "Την τελευταία ώρα κλείσατε, μετακινήσατε ή ακυρώσατε ραντεβού όσες φορές δεχόμαστε"
	t.Run("Book", func(t *testing.T) {
		c := newConvo(t)
		c.toConfirm()
		c.w.errs[Book] = []booking.Code{booking.ETooOften}
		c.tap("Επιβεβαίωση")
		c.wantSaid(said)
		c.wantScreen(ScreenConfirm)
		c.tap("Επιβεβαίωση")
		c.wantScreen(ScreenDone)
	})
	t.Run("Reschedule", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Αλλαγή AB12CD")
		c.tap("Τετάρτη 25 Νοεμβρίου")
		c.tap("09:15")
		c.w.errs[Reschedule] = []booking.Code{booking.ETooOften}
		c.tap("Επιβεβαίωση")
		c.wantSaid(said)
		c.wantScreen(ScreenConfirm)
	})
	t.Run("Cancel", func(t *testing.T) {
		c := newConvo(t)
		c.toMine()
		c.tap("Ακύρωση AB12CD")
		c.w.errs[Cancel] = []booking.Code{booking.ETooOften}
		c.tap("Ναι, ακύρωση")
		c.wantSaid(said)
		c.wantScreen(ScreenCancelAsk)
	})
}
