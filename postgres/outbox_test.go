package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

func staffNote(dept string) booking.Notification {
	return booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: dept}
}

func enqueueN(t *testing.T, o *postgres.Outbox, n int) []int64 {
	t.Helper()
	ns := make([]booking.Notification, n)
	for i := range ns {
		ns[i] = staffNote(fmt.Sprintf("D%d", i))
	}
	ids, err := o.Enqueue(context.Background(), ns...)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestOutbox(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()

	// Each subtest drains what it leaves behind, so they share one database.
	drain := func(t *testing.T, o *postgres.Outbox) {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE outbox SET delivered_at = now() WHERE delivered_at IS NULL`); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("RacingClaimsNeverOverlap", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		ids := enqueueN(t, o, 200)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := o.Claim(ctx, 7, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, c := range got {
						seen[c.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != len(ids) {
			t.Fatalf("claimed %d distinct rows, want %d", len(seen), len(ids))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("row %d claimed %d times", id, n)
			}
		}
	})

	t.Run("LeaseRunsOutAndRowComesBack", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		ids := enqueueN(t, o, 3)
		first, err := o.Claim(ctx, 10, 300*time.Millisecond)
		if err != nil || len(first) != 3 {
			t.Fatalf("claim: %d rows, %v", len(first), err)
		}
		again, err := o.Claim(ctx, 10, time.Minute)
		if err != nil || len(again) != 0 {
			t.Fatalf("claim under lease: %d rows, %v; want none", len(again), err)
		}
		time.Sleep(400 * time.Millisecond)
		back, err := o.Claim(ctx, 10, time.Minute)
		if err != nil || len(back) != 3 {
			t.Fatalf("claim after lease: %d rows, %v; want 3", len(back), err)
		}
		for i, c := range back {
			if c.ID != ids[i] || c.Attempts != 2 {
				t.Errorf("row %d: id %d attempts %d, want id %d attempts 2", i, c.ID, c.Attempts, ids[i])
			}
		}
		// The first claimer lost its rows: it must see that before sending.
		if ok, err := o.Confirm(ctx, first[0], time.Minute); err != nil || ok {
			t.Fatalf("confirm of a taken-over claim = %v, %v; want false", ok, err)
		}
		if ok, err := o.Confirm(ctx, back[0], time.Minute); err != nil || !ok {
			t.Fatalf("confirm of the live claim = %v, %v; want true", ok, err)
		}
	})

	t.Run("DeliveredIsNeverClaimedAgain", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		enqueueN(t, o, 1)
		got, _ := o.Claim(ctx, 10, 100*time.Millisecond)
		if len(got) != 1 {
			t.Fatalf("claimed %d", len(got))
		}
		if err := o.Delivered(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := o.Confirm(ctx, got[0], time.Minute); ok {
			t.Fatal("confirm of a delivered row succeeded")
		}
		time.Sleep(200 * time.Millisecond)
		if again, _ := o.Claim(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("delivered row claimed again: %+v", again)
		}
	})

	t.Run("RetryWaitsAndKeepsReason", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		enqueueN(t, o, 1)
		got, _ := o.Claim(ctx, 10, time.Minute)
		if err := o.Retry(ctx, got[0], time.Now().Add(300*time.Millisecond), "telegram: 502"); err != nil {
			t.Fatal(err)
		}
		if again, _ := o.Claim(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatal("row claimed before its retry time")
		}
		time.Sleep(400 * time.Millisecond)
		again, _ := o.Claim(ctx, 10, time.Minute)
		if len(again) != 1 || again[0].Attempts != 2 {
			t.Fatalf("after retry time: %+v", again)
		}
		var reason string
		_ = pool.QueryRow(ctx, `SELECT last_error FROM outbox WHERE id = $1`, got[0].ID).Scan(&reason)
		if reason != "telegram: 502" {
			t.Fatalf("last_error = %q", reason)
		}
	})

	t.Run("StaleClaimCannotRetryOrParkTheRow", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		enqueueN(t, o, 1)
		stale, _ := o.Claim(ctx, 10, time.Millisecond)
		if len(stale) != 1 {
			t.Fatalf("claimed %d rows", len(stale))
		}
		var live []booking.Claimed
		for deadline := time.Now().Add(5 * time.Second); len(live) == 0 && time.Now().Before(deadline); {
			live, _ = o.Claim(ctx, 10, time.Minute) // once the first lease has run out
		}
		if len(live) != 1 {
			t.Fatal("the row did not come back after its lease")
		}
		if err := o.Retry(ctx, stale[0], time.Now(), "late failure"); err != nil {
			t.Fatal(err)
		}
		if err := o.Park(ctx, stale[0], "late failure"); err != nil {
			t.Fatal(err)
		}
		var leased, parked bool
		var reason string
		if err := pool.QueryRow(ctx, `SELECT lease_until > now(), parked_at IS NOT NULL, last_error FROM outbox WHERE id = $1`,
			live[0].ID).Scan(&leased, &parked, &reason); err != nil {
			t.Fatal(err)
		}
		if !leased || parked || reason != "" {
			t.Fatalf("after the stale claim's outcome: leased %v, parked %v, reason %q; want the live claim untouched", leased, parked, reason)
		}
		if again, _ := o.Claim(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatal("a stale retry released a row another worker holds")
		}
	})

	t.Run("ParkedIsCountedAndNeverClaimed", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		before, err := o.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		enqueueN(t, o, 2)
		got, _ := o.Claim(ctx, 1, time.Millisecond)
		if err := o.Park(ctx, got[0], "blocked"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		s, err := o.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Parked != before.Parked+1 || s.Pending != 1 || s.Due != 1 || s.OldestDue <= 0 {
			t.Fatalf("stats = %+v", s)
		}
		rest, _ := o.Claim(ctx, 10, time.Minute)
		if len(rest) != 1 || rest[0].ID == got[0].ID {
			t.Fatalf("claimed %+v; the parked row must stay parked", rest)
		}
	})

	t.Run("ClaimKeepsDueTimeAndPayload", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		due := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
		n := staffNote("CR")
		n.DueAt = due
		n.Payload = booking.Payload{Reason: "flood", Day: booking.Date{Year: 2026, Month: time.March, Day: 2}}
		future := staffNote("CR")
		future.DueAt = time.Now().Add(time.Hour)
		if _, err := o.Enqueue(ctx, n, future); err != nil {
			t.Fatal(err)
		}
		got, _ := o.Claim(ctx, 10, time.Minute)
		if len(got) != 1 {
			t.Fatalf("claimed %d rows; the future one is not due", len(got))
		}
		if !got[0].DueAt.Equal(due) || got[0].Payload != n.Payload || got[0].Unreadable != nil {
			t.Fatalf("claimed %v %+v (%v); want due %v and the payload", got[0].DueAt, got[0].Payload, got[0].Unreadable, due)
		}
	})

	t.Run("ClaimHandsOverAnUnreadablePayload", func(t *testing.T) {
		o := postgres.NewOutbox(pool)
		defer drain(t, o)
		ids, err := o.Enqueue(ctx, staffNote("CR"), staffNote("CR"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `UPDATE outbox SET payload = '{"before_minutes": "soon"}' WHERE id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		got, err := o.Claim(ctx, 10, time.Minute)
		if err != nil || len(got) != 2 {
			t.Fatalf("claimed %d rows (%v); one bad payload must not hold up the others", len(got), err)
		}
		if got[0].ID != ids[0] || got[0].Unreadable == nil || got[1].Unreadable != nil {
			t.Fatalf("claimed %+v; want the first row marked unreadable, the second not", got)
		}
	})
}

// TestOutboxWritesAreSoft: every write of the delivery side commits
// without waiting for the disk. A trigger notes the synchronous_commit
// each UPDATE of the outbox runs under; softTx sets it for the rest of
// its transaction (set_config, local), so it is also what the commit goes
// by. A plain UPDATE, noted first, shows that the trigger tells the two
// apart.
func TestOutboxWritesAreSoft(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE TABLE commit_mode (n serial PRIMARY KEY, outbox_id bigint NOT NULL, mode text NOT NULL)`,
		`CREATE FUNCTION note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO commit_mode (outbox_id, mode) VALUES (NEW.id, current_setting('synchronous_commit'));
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER note_commit_mode AFTER UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION note_commit_mode()`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	o := postgres.NewOutbox(pool)
	ids := enqueueN(t, o, 3)
	if _, err := pool.Exec(ctx, `UPDATE outbox SET last_error = '' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	got, err := o.Claim(ctx, 3, time.Minute)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %d rows, %v", len(got), err)
	}
	if ok, err := o.Confirm(ctx, got[0], time.Minute); err != nil || !ok {
		t.Fatalf("confirm = %v, %v", ok, err)
	}
	if err := o.Delivered(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := o.Retry(ctx, got[1], time.Now().Add(time.Hour), "telegram: 502"); err != nil {
		t.Fatal(err)
	}
	if err := o.Park(ctx, got[2], "blocked"); err != nil {
		t.Fatal(err)
	}

	rows, err := pool.Query(ctx, `SELECT outbox_id, mode FROM commit_mode ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	type noted struct {
		id   int64
		mode string
	}
	var modes []noted
	for rows.Next() {
		var m noted
		if err := rows.Scan(&m.id, &m.mode); err != nil {
			t.Fatal(err)
		}
		modes = append(modes, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The plain update, the claim of three rows, then the renewal and the
	// three marks, one row each.
	if len(modes) != 1+3+4 {
		t.Fatalf("noted %+v; want 8 updated rows", modes)
	}
	if modes[0] != (noted{ids[0], "on"}) {
		t.Fatalf("the plain update ran under %+v; want on", modes[0])
	}
	for i, m := range modes[1:] {
		if m.mode != "off" {
			t.Errorf("write %d of the delivery side (row %d) ran under synchronous_commit %s, want off", i+1, m.id, m.mode)
		}
	}
	var parked, delivered, retried bool
	if err := pool.QueryRow(ctx, `SELECT
		  (SELECT parked_at IS NOT NULL FROM outbox WHERE id = $1),
		  (SELECT delivered_at IS NOT NULL FROM outbox WHERE id = $2),
		  (SELECT due_at > now() + interval '50 minutes' FROM outbox WHERE id = $3)`,
		got[2].ID, got[0].ID, got[1].ID).Scan(&parked, &delivered, &retried); err != nil {
		t.Fatal(err)
	}
	if !parked || !delivered || !retried {
		t.Fatalf("parked %v, delivered %v, retried %v; want each mark committed", parked, delivered, retried)
	}
}
