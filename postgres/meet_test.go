package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// TestMeetCitizen: the look-up of a session's start remembers a citizen
// not known, once, and returns a known citizen's own language without
// writing anything.
func TestMeetCitizen(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	// The id the next new citizen would draw, to see that meeting known
	// citizens draws none.
	seq := func() int64 {
		t.Helper()
		var n int64
		if err := f.pool.QueryRow(ctx, `SELECT coalesce(last_value, 0) FROM pg_sequences
			WHERE sequencename = (SELECT split_part(pg_get_serial_sequence('citizens', 'id'), '.', 2))`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	row := func(id int64) (lang string, xmin string) {
		t.Helper()
		if err := f.pool.QueryRow(ctx, `SELECT lang, xmin::text FROM citizens WHERE telegram_id = $1`, id).Scan(&lang, &xmin); err != nil {
			t.Fatal(err)
		}
		return lang, xmin
	}

	t.Run("FirstContactOnce", func(t *testing.T) {
		l, first, err := f.store.MeetCitizen(ctx, 5001, booking.English)
		if err != nil || !first || l != booking.English {
			t.Fatalf("first meeting = %q, %v, %v", l, first, err)
		}
		if lang, _ := row(5001); lang != "en" {
			t.Fatalf("remembered in %q", lang)
		}
		// Met again, whatever Telegram says now: known, in their language.
		l, first, err = f.store.MeetCitizen(ctx, 5001, booking.Greek)
		if err != nil || first || l != booking.English {
			t.Fatalf("second meeting = %q, %v, %v", l, first, err)
		}
		if _, known, err := f.office.CitizenLang(ctx, 5001); err != nil || !known {
			t.Fatalf("not known after meeting (%v)", err)
		}
	})
	t.Run("KnownCitizenUnchanged", func(t *testing.T) {
		if err := f.store.SetCitizenLang(ctx, 5002, booking.English); err != nil {
			t.Fatal(err)
		}
		if err := f.store.MarkUnreachable(ctx, 5002); err != nil {
			t.Fatal(err)
		}
		_, before := row(5002)
		ids := seq()
		for range 3 {
			l, first, err := f.store.MeetCitizen(ctx, 5002, booking.Greek)
			if err != nil || first || l != booking.English {
				t.Fatalf("known citizen met = %q, %v, %v", l, first, err)
			}
		}
		if lang, after := row(5002); lang != "en" || after != before {
			t.Fatalf("known citizen written: lang %q, row version %s → %s", lang, before, after)
		}
		if u, err := f.store.Unreachable(ctx, 5002); err != nil || !u {
			t.Fatalf("meeting changed unreachable: %v, %v", u, err)
		}
		if got := seq(); got != ids {
			t.Fatalf("meeting a known citizen drew ids: %d → %d", ids, got)
		}
	})
	t.Run("KnownByBooking", func(t *testing.T) {
		// A citizen who booked is known, with the language they booked in.
		c := citizen(5003)
		c.Lang = booking.English
		if _, err := f.office.Book(ctx, booking.Request{Citizen: c, Service: "family-status", Start: at(2, 9, 0)}); err != nil {
			t.Fatal(err)
		}
		if l, first, err := f.store.MeetCitizen(ctx, 5003, booking.Greek); err != nil || first || l != booking.English {
			t.Fatalf("citizen who booked met = %q, %v, %v", l, first, err)
		}
	})
	t.Run("ForgottenIsNewAgain", func(t *testing.T) {
		if _, _, err := f.store.MeetCitizen(ctx, 5004, booking.Greek); err != nil {
			t.Fatal(err)
		}
		if err := f.store.ForgetCitizen(ctx, 5004); err != nil {
			t.Fatal(err)
		}
		if l, first, err := f.store.MeetCitizen(ctx, 5004, booking.English); err != nil || !first || l != booking.English {
			t.Fatalf("forgotten citizen met = %q, %v, %v", l, first, err)
		}
	})
	t.Run("NoOneIsZero", func(t *testing.T) {
		// The row of the forgotten has no account; no account is 0.
		for _, id := range []int64{0, -7} {
			if _, _, err := f.store.MeetCitizen(ctx, id, booking.Greek); booking.ErrorCode(err) != booking.EInvalid {
				t.Fatalf("meeting %d: %v", id, err)
			}
			if _, _, err := f.office.MeetCitizen(ctx, id, booking.Greek); booking.ErrorCode(err) != booking.EInvalid {
				t.Fatalf("office meeting %d: %v", id, err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM citizens WHERE telegram_id <= 0`); n != 0 {
			t.Fatalf("%d citizens with account 0 or below", n)
		}
		if n := f.count(t, `SELECT count(*) FROM citizens WHERE id = 0 AND telegram_id IS NULL`); n != 1 {
			t.Fatal("the row of the forgotten changed")
		}
	})
	t.Run("BadLanguage", func(t *testing.T) {
		if _, _, err := f.store.MeetCitizen(ctx, 5005, "de"); booking.ErrorCode(err) != booking.EInvalid {
			t.Fatalf("language de: %v", err)
		}
		if n := f.count(t, `SELECT count(*) FROM citizens WHERE telegram_id = 5005`); n != 0 {
			t.Fatal("remembered with a bad language")
		}
	})
}

// TestMeetCitizenConcurrently: two first updates of one new account at
// once remember it once, and at least one of them (both, when one waited
// on the other's insert) says first contact: never neither, which would
// leave a remembered citizen who was never shown the notice.
func TestMeetCitizenConcurrently(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()

	t.Run("AtOnce", func(t *testing.T) {
		for id := int64(6001); id < 6021; id++ {
			const n = 4
			var wg sync.WaitGroup
			start := make(chan struct{})
			firsts := make(chan bool, n)
			for range n {
				wg.Go(func() {
					<-start
					l, first, err := f.store.MeetCitizen(ctx, id, booking.English)
					if err != nil || l != booking.English {
						t.Errorf("meet %d = %q, %v", id, l, err)
					}
					firsts <- first
				})
			}
			close(start)
			wg.Wait()
			close(firsts)
			k := 0
			for first := range firsts {
				if first {
					k++
				}
			}
			if k == 0 {
				t.Fatalf("citizen %d: no meeting said first contact", id)
			}
			if rows := f.count(t, `SELECT count(*) FROM citizens WHERE telegram_id = $1`, id); rows != 1 {
				t.Fatalf("citizen %d: %d rows", id, rows)
			}
		}
	})
	t.Run("WaitingOnTheOther", func(t *testing.T) {
		// The race made certain: the other's insert is not committed when
		// the meeting starts, and commits while it waits on it. Its
		// snapshot does not show the row, its insert finds it: first
		// contact too.
		const id = 6100
		tx, err := f.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, _, err := f.store.MeetCitizen(ctx, id+1, booking.Greek); err != nil { // a connection of its own, warmed
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO citizens (telegram_id, lang) VALUES ($1, 'el')`, id); err != nil {
			t.Fatal(err)
		}
		type met struct {
			l     booking.Lang
			first bool
			err   error
		}
		done := make(chan met, 1)
		go func() {
			l, first, err := f.store.MeetCitizen(ctx, id, booking.Greek)
			done <- met{l, first, err}
		}()
		pgtest.AwaitLockWait(t, f.pool, "query LIKE 'WITH known%'", "the meeting waiting on the other insert")
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		m := <-done
		if m.err != nil || !m.first || m.l != booking.Greek {
			t.Fatalf("meeting that waited = %q, %v, %v", m.l, m.first, m.err)
		}
		if rows := f.count(t, `SELECT count(*) FROM citizens WHERE telegram_id = $1`, id); rows != 1 {
			t.Fatalf("%d rows", rows)
		}
	})
}
