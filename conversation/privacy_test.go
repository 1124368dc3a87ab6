package conversation_test

import (
	"context"
	"testing"
)

// TestForgetWholeWay: through the real engine, PostgreSQL and Redis, a
// citizen met for the first time reads the privacy notice once; after
// /forget, confirmed, their booking is cancelled, their session is gone,
// and their next /start is a new citizen's, notice included.
func TestForgetWholeWay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.chat(t, 3001, "el")
	c.cmd("start")
	c.wantSaid("🔒 Τα στοιχεία σας")
	c.cmd("start")
	if c.said("🔒 Τα στοιχεία σας") {
		t.Fatal("the notice again to a citizen already met")
	}
	c.toConfirm("09:30")
	c.tap("Επιβεβαίωση")
	c.wantSaid("Το ραντεβού σας κλείστηκε")
	if len(f.active(t, 3001)) != 1 {
		t.Fatal("not booked")
	}

	c.cmd("forget")
	c.wantSaid("ακυρώνονται τα επόμενα ραντεβού σας (1)")
	c.tap("Ναι, διαγραφή")
	c.wantSaid("Τα στοιχεία σας διαγράφηκαν και ακυρώθηκαν τα επόμενα ραντεβού σας (1)")
	if bs := f.active(t, 3001); len(bs) != 0 {
		t.Fatalf("still booked: %+v", bs)
	}
	if data, _, err := f.sessions.Load(ctx, 3001); err != nil || data != nil {
		t.Fatalf("session kept: %q (%v)", data, err)
	}
	if _, known, err := f.office.CitizenLang(ctx, 3001); err != nil || known {
		t.Fatalf("still known (%v)", err)
	}
	c.cmd("start")
	c.wantSaid("🔒 Τα στοιχεία σας")
}
