package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// closureLock is the department's closure lock of postgres/closures.go
// (class "clos", then the hash of the department), as AddClosure takes it.
const closureLock = `SELECT pg_advisory_xact_lock(x'636c6f73'::int, hashtext($1))`

// insertFixture books straight through the store, so that each Insert's
// round trips are its own.
type insertFixture struct {
	*fixture
	tr *pgtest.Trips
}

// request is a booking of family-status at start on the given desks.
func (f insertFixture) request(c booking.Citizen, start time.Time, clock time.Time, desks ...string) booking.NewBooking {
	via, actor := booking.ViaTelegram, asCitizen(c.TelegramID)
	if c.TelegramID == 0 {
		via, actor = booking.ViaPhone, booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	}
	return booking.NewBooking{Citizen: c, Via: via, Department: "civil-registry", Service: "family-status",
		Desks: desks, Start: start, End: start.Add(15 * time.Minute), Day: booking.DateOf(start, athens), Now: clock,
		Actor: actor, Notify: []booking.Notification{{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram,
			Recipient: "7400", DueAt: start.Add(-2 * time.Hour)}}}
}

// insert books nb and returns the round trips it took besides.
func (f insertFixture) insert(t *testing.T, nb booking.NewBooking) (booking.Booking, [][]string, error) {
	t.Helper()
	f.tr.Take()
	b, _, err := f.store.Insert(context.Background(), nb)
	return b, f.tr.Take(), err
}

// held books start at desk A1 for c and cancels it, the place held for
// them until until.
func (f insertFixture) held(t *testing.T, c booking.Citizen, start, until time.Time) booking.Booking {
	t.Helper()
	b, _, err := f.store.Insert(context.Background(), f.request(c, start, now, "A1"))
	if err != nil {
		t.Fatal(err)
	}
	actor := asCitizen(c.TelegramID)
	if c.TelegramID == 0 {
		actor = booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	}
	if _, err := f.store.Cancel(context.Background(), booking.Cancel{Ref: b.Ref, HoldUntil: until, Now: now, Actor: actor}); err != nil {
		t.Fatal(err)
	}
	return b
}

// stillHeld says whether the booking id still holds its place.
func (f insertFixture) stillHeld(t *testing.T, id int64) bool {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM bookings WHERE id = $1 AND held_until IS NOT NULL`, id) == 1
}

// TestInsertOneRoundTripPerDesk: a booking is one round trip of two
// statements for each desk it tries (the claim of the place, then the
// attempt), and the claim still releases the holds on the place that ran
// out, and the citizen's own however they book, but no one else's.
func TestInsertOneRoundTripPerDesk(t *testing.T) {
	base, tr := tracedSetup(t)
	f := insertFixture{base, tr}
	ctx := context.Background()
	oneAttempt := func(t *testing.T, got [][]string) {
		t.Helper()
		oneTrip(t, got, 2)
	}

	t.Run("Telegram", func(t *testing.T) {
		b, trips, err := f.insert(t, f.request(citizen(7400), at(3, 9, 0), now, "A1"))
		if err != nil {
			t.Fatal(err)
		}
		oneAttempt(t, trips)
		if b.ID == 0 || b.Desk != "A1" || b.Citizen.TelegramID != 7400 || b.Status != booking.Active {
			t.Fatalf("booked %+v", b)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1`, b.ID); n != 1 {
			t.Fatalf("%d outbox rows", n)
		}
		// Again, the citizen's row as it is: the upsert changes nothing.
		if _, trips, err := f.insert(t, f.request(citizen(7400), at(3, 9, 30), now, "A1")); err != nil {
			t.Fatal(err)
		} else {
			oneAttempt(t, trips)
		}
	})
	t.Run("Caller", func(t *testing.T) {
		c := booking.Citizen{Phone: "6911100001", Name: "Μαρία", Lang: booking.Greek}
		b, trips, err := f.insert(t, f.request(c, at(3, 10, 0), now, "A1"))
		if err != nil {
			t.Fatal(err)
		}
		oneAttempt(t, trips)
		if n := f.count(t, `SELECT count(*) FROM citizens WHERE id = $1 AND phone_key = '6911100001' AND telegram_id IS NULL`,
			b.Citizen.ID); n != 1 {
			t.Fatalf("booked %+v for no caller's row", b)
		}
	})
	t.Run("NextDesk", func(t *testing.T) {
		if _, _, err := f.store.Insert(ctx, f.request(citizen(7401), at(3, 11, 0), now, "A1")); err != nil {
			t.Fatal(err)
		}
		b, trips, err := f.insert(t, f.request(citizen(7402), at(3, 11, 0), now, "A1", "A2"))
		if err != nil || b.Desk != "A2" {
			t.Fatalf("booked %+v (%v), want desk A2", b, err)
		}
		// An attempt per desk, and no look-up between them: the first
		// saw its desk booked.
		if len(trips) != 2 || len(trips[0]) != 2 || len(trips[1]) != 2 {
			t.Fatalf("%d round trips, want two attempts:\n%s", len(trips), show(trips))
		}
	})
	t.Run("TakenEverywhere", func(t *testing.T) {
		// A time booked on every desk is refused after one attempt: it
		// saw the other desks booked too.
		for i, desk := range []string{"A1", "A2"} {
			if _, _, err := f.store.Insert(ctx, f.request(citizen(int64(7403+i)), at(3, 12, 0), now, desk)); err != nil {
				t.Fatal(err)
			}
		}
		if _, trips, err := f.insert(t, f.request(citizen(7405), at(3, 12, 0), now, "A1", "A2")); booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("a time booked on every desk: %v, want %s", err, booking.ESlotTaken)
		} else {
			oneAttempt(t, trips)
		}
	})
	t.Run("LaterDeskBookedSkipped", func(t *testing.T) {
		// A1 and A2 booked at 12:30: from A1's attempt on, A2 is skipped
		// and A3 tried next.
		for i, desk := range []string{"A1", "A2"} {
			if _, _, err := f.store.Insert(ctx, f.request(citizen(int64(7406+i)), at(3, 12, 30), now, desk)); err != nil {
				t.Fatal(err)
			}
		}
		b, trips, err := f.insert(t, f.request(citizen(7408), at(3, 12, 30), now, "A1", "A2", "A3"))
		if err != nil || b.Desk != "A3" {
			t.Fatalf("booked %+v (%v), want desk A3", b, err)
		}
		if len(trips) != 2 || len(trips[0]) != 2 || len(trips[1]) != 2 {
			t.Fatalf("%d round trips, want the attempts at A1 and A3:\n%s", len(trips), show(trips))
		}
	})
	t.Run("LaterDeskHeldStillTried", func(t *testing.T) {
		// A hold that ran out on A2 does not skip it: A2's own attempt
		// releases it and books there.
		if _, _, err := f.store.Insert(ctx, f.request(citizen(7409), at(3, 13, 0), now, "A1")); err != nil {
			t.Fatal(err)
		}
		nb := f.request(citizen(7412), at(3, 13, 0), now, "A2")
		h, _, err := f.store.Insert(ctx, nb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Cancel(ctx, booking.Cancel{Ref: h.Ref, HoldUntil: now.Add(time.Minute), Now: now, Actor: asCitizen(7412)}); err != nil {
			t.Fatal(err)
		}
		b, trips, err := f.insert(t, f.request(citizen(7413), at(3, 13, 0), now.Add(2*time.Minute), "A1", "A2"))
		if err != nil || b.Desk != "A2" {
			t.Fatalf("booked %+v (%v), want desk A2, its hold run out", b, err)
		}
		if len(trips) != 2 || f.stillHeld(t, h.ID) {
			t.Fatalf("%d round trips, hold still held %v, want two attempts and the hold released:\n%s", len(trips), f.stillHeld(t, h.ID), show(trips))
		}
	})

	t.Run("RunOutHoldReleased", func(t *testing.T) {
		h := f.held(t, citizen(7410), at(4, 9, 0), now.Add(10*time.Minute))
		b, trips, err := f.insert(t, f.request(citizen(7411), at(4, 9, 0), now.Add(11*time.Minute), "A1"))
		if err != nil {
			t.Fatalf("a hold that ran out kept the place: %v", err)
		}
		oneAttempt(t, trips)
		if b.Desk != "A1" || f.stillHeld(t, h.ID) {
			t.Fatalf("booked %+v, the hold still held: %v", b, f.stillHeld(t, h.ID))
		}
	})
	t.Run("OthersLiveHoldKept", func(t *testing.T) {
		h := f.held(t, citizen(7420), at(4, 10, 0), now.Add(time.Hour))
		if _, trips, err := f.insert(t, f.request(citizen(7421), at(4, 10, 0), now.Add(time.Minute), "A1")); booking.ErrorCode(err) != booking.ESlotTaken {
			t.Fatalf("another citizen's live hold: %v, want %s", err, booking.ESlotTaken)
		} else {
			oneAttempt(t, trips) // it saw the desk held: no look-up
		}
		if !f.stillHeld(t, h.ID) {
			t.Fatal("another citizen's live hold was released")
		}
		// Its own citizen takes it back, their row as it was.
		if _, trips, err := f.insert(t, f.request(citizen(7420), at(4, 10, 0), now.Add(time.Minute), "A1")); err != nil {
			t.Fatalf("own hold: %v", err)
		} else {
			oneAttempt(t, trips)
		}
		if f.stillHeld(t, h.ID) {
			t.Fatal("the own hold was not released")
		}
	})
	t.Run("OwnHoldOfTelegramUserWhoseRowChanges", func(t *testing.T) {
		h := f.held(t, citizen(7430), at(4, 11, 0), now.Add(time.Hour))
		c := citizen(7430)
		c.Name = "νέο όνομα" // the upsert updates the row: its id from RETURNING
		if _, trips, err := f.insert(t, f.request(c, at(4, 11, 0), now.Add(time.Minute), "A1")); err != nil {
			t.Fatalf("own hold: %v", err)
		} else {
			oneAttempt(t, trips)
		}
		if f.stillHeld(t, h.ID) {
			t.Fatal("the own hold was not released")
		}
	})
	t.Run("OwnHoldOfCaller", func(t *testing.T) {
		for i, name := range []string{"Νίκος", "Νίκος Π."} { // the row as it was, then updated
			c := booking.Citizen{Phone: "6911100002", Name: name, Lang: booking.Greek}
			start := at(7, 9+i, 0)
			h := f.held(t, booking.Citizen{Phone: c.Phone, Name: "Νίκος", Lang: booking.Greek}, start, now.Add(time.Hour))
			if _, trips, err := f.insert(t, f.request(c, start, now.Add(time.Minute), "A1")); err != nil {
				t.Fatalf("%s: own hold: %v", name, err)
			} else {
				oneAttempt(t, trips)
			}
			if f.stillHeld(t, h.ID) {
				t.Fatalf("%s: the own hold was not released", name)
			}
		}
	})
	t.Run("OwnHoldOfCallerWhoLinkedTelegram", func(t *testing.T) {
		// A Telegram user who linked their number: the call centre's
		// booking for that number is theirs, their row left as it is.
		if _, err := f.store.LinkTelegram(ctx, 7440, "6911100003", booking.Greek, now); err != nil {
			t.Fatal(err)
		}
		h := f.held(t, citizen(7440), at(8, 9, 0), now.Add(time.Hour))
		c := booking.Citizen{Phone: "6911100003", Name: "Ελένη", Lang: booking.English}
		b, trips, err := f.insert(t, f.request(c, at(8, 9, 0), now.Add(time.Minute), "A1"))
		if err != nil {
			t.Fatalf("own hold, by phone: %v", err)
		}
		oneAttempt(t, trips)
		if b.Citizen.TelegramID != 7440 || f.stillHeld(t, h.ID) {
			t.Fatalf("booked %+v, the hold still held: %v", b, f.stillHeld(t, h.ID))
		}
	})
}

// TestInsertLockOrder: the claim of the place locks the citizen's row
// before it asks for the closure lock, and the holds on the place only
// once it has it, whether or not there is a hold to release; and it asks
// for the closure lock in every attempt.
func TestInsertLockOrder(t *testing.T) {
	base, tr := tracedSetup(t)
	f := insertFixture{base, tr}
	for i, name := range []string{"WithAHold", "WithoutAHold"} {
		withHold := i == 0
		t.Run(name, func(t *testing.T) { lockOrder(t, f, int64(i), withHold) })
	}
}

// lockOrder is one case of TestInsertLockOrder: citizen 7500+i books day 9
// at 9+i h, with a hold on the place that ran out or none.
func lockOrder(t *testing.T, f insertFixture, i int64, withHold bool) {
	ctx := context.Background()
	id := 7500 + i
	start := at(9, 9+int(i), 0)
	// The citizen exists, so that another transaction sees their row.
	if _, _, err := f.store.Insert(ctx, f.request(citizen(id), at(9, 14+int(i), 0), now, "A2")); err != nil {
		t.Fatal(err)
	}
	var hold int64
	if withHold {
		hold = f.held(t, citizen(7600+i), start, now.Add(time.Minute)).ID
	}

	// A closure being added: its transaction holds the lock exclusively.
	closing, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closing.Rollback(ctx) // on a failure, before the database goes
	if _, err := closing.Exec(ctx, closureLock, "civil-registry"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := f.store.Insert(ctx, f.request(citizen(id), start, now.Add(2*time.Minute), "A1"))
		done <- err
	}()
	pgtest.AwaitLockWait(t, f.pool, "wait_event = 'advisory'", "a booking waiting for the closure lock")

	// While it waits: the citizen's row is locked, the hold is not.
	locked := func(sql string, args ...any) bool {
		t.Helper()
		tx, err := f.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, sql+` FOR UPDATE NOWAIT`, args...)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
			return true
		}
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if !locked(`SELECT 1 FROM citizens WHERE telegram_id = $1`, id) {
		t.Fatal("waiting for the closure lock without the citizen's row")
	}
	if withHold && locked(`SELECT 1 FROM bookings WHERE id = $1`, hold) {
		t.Fatal("the hold locked before the closure lock")
	}
	if err := closing.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the booking still waits")
	}
	if withHold && f.stillHeld(t, hold) {
		t.Fatal("the hold that ran out was not released")
	}
}
