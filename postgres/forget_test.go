package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

// TestForget: a citizen who asks to be forgotten has their upcoming
// bookings cancelled, staff told of each as of any cancellation, even at
// their changes limit; their name, phone, language, request keys and
// Telegram notifications are gone and their bookings, kept for the
// statistics, no longer lead to their account; the next contact from it is
// a new citizen.
func TestForget(t *testing.T) {
	f := setup(t, func(c *booking.Catalog) { c.MaxActive, c.MaxPerService = 0, 0 })
	ctx := context.Background()
	var mu sync.Mutex
	clock := now
	office := booking.NewOffice(f.cat, f.store, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	})
	office.Limit(booking.CitizenLimits{ChangesPerHour: 3, ReleaseDelay: 10 * time.Minute})
	const me, other = 960, 961
	free, err := office.FreeSlots(ctx, "birth-certificate", booking.Date{Year: 2026, Month: 12, Day: 1})
	if err != nil || len(free.Slots) < 6 {
		t.Fatalf("%d slots (%v)", len(free.Slots), err)
	}
	book := func(id int64, i int, key string) booking.Booking {
		t.Helper()
		b, err := office.Book(ctx, booking.Request{Citizen: citizen(id), Service: "birth-certificate", Start: free.Slots[i].Start, IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	past := book(me, 0, "tg:past")
	up1, up2 := book(me, 2, "tg:one"), book(me, 4, "")
	mine := book(other, 5, "")
	if err := office.SetCitizenLang(ctx, me, booking.English); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = past.End.Add(time.Minute) // the first one has taken place
	mu.Unlock()

	cancelled, err := office.Forget(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(cancelled) != 2 || cancelled[0].Ref != up1.Ref || cancelled[1].Ref != up2.Ref {
		t.Fatalf("cancelled %+v; want the two upcoming bookings", cancelled)
	}
	for _, b := range []booking.Booking{past, up1, up2} {
		var citizen int64
		var name, phone, status string
		var key *string
		if err := f.pool.QueryRow(ctx, `SELECT citizen, name, phone, status, idempotency_key FROM bookings WHERE id = $1`,
			b.ID).Scan(&citizen, &name, &phone, &status, &key); err != nil {
			t.Fatal(err)
		}
		if citizen != 0 || name != "" || phone != "" || key != nil {
			t.Errorf("booking %s after forget: citizen %d, %q, %q, key %v", b.Ref, citizen, name, phone, key)
		}
		if want := booking.Cancelled; b.ID != past.ID && status != string(want) {
			t.Errorf("upcoming booking %s is %s", b.Ref, status)
		}
		if b.ID == past.ID && status != string(booking.Active) {
			t.Errorf("the booking already taken place is %s; only unlinked, not cancelled", status)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE kind = 'staff.cancelled' AND booking_id IN ($1, $2)`, up1.ID, up2.ID); n != 2 {
		t.Fatalf("%d staff alerts, want one per cancellation", n)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE channel = 'telegram' AND recipient = '960'`); n != 0 {
		t.Fatalf("%d notifications to the forgotten chat kept", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE actor_kind = 'citizen' AND actor_id = '960'`); n != 0 {
		t.Fatalf("%d audit entries still name the forgotten citizen", n)
	}
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE telegram_id = 960`); n != 0 {
		t.Fatal("the citizen's record is kept")
	}
	if _, known, err := office.CitizenLang(ctx, me); err != nil || known {
		t.Fatalf("the forgotten citizen's language is still known (%v)", err)
	}
	if bs, err := office.MyBookings(ctx, me); err != nil || len(bs) != 0 {
		t.Fatalf("the account still sees bookings %+v (%v)", bs, err)
	}
	if bs, err := office.MyBookings(ctx, other); err != nil || len(bs) != 1 || bs[0].Ref != mine.Ref {
		t.Fatalf("another citizen's bookings %+v (%v)", bs, err)
	}
	if found, err := office.Find(ctx, booking.Actor{Kind: booking.ActorSystem}, "6900000000"); err != nil || len(found) != 1 {
		t.Fatalf("find by phone after forget: %+v (%v); want only the other citizen's", found, err)
	}

	// The next contact is a new citizen, who may book at once.
	if _, err := office.Book(ctx, booking.Request{Citizen: citizen(me), Service: "birth-certificate", Start: free.Slots[len(free.Slots)-1].Start}); err != nil {
		t.Fatalf("booking again after forget: %v", err)
	}
	if _, err := office.Forget(ctx, 0); booking.ErrorCode(err) != booking.EInvalid {
		t.Fatalf("forgetting citizen 0: %v", err)
	}
}
