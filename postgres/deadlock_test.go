package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestTransactionsRetryDeadlockVictims makes PostgreSQL break a real
// deadlock by aborting the store's transaction, and checks that the store
// runs it again instead of failing. Two moves into one slot can deadlock
// on the exclusion constraint the same way, only less predictably.
func TestTransactionsRetryDeadlockVictims(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	lock := `SELECT 1 FROM departments WHERE code = $1 FOR UPDATE`

	// The other transaction holds B; the store's holds A and waits for B,
	// so its backend's deadlock check (deadlock_timeout, 1 s by default)
	// finds the cycle and aborts itself.
	other, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	// The other transaction checks for a deadlock only after 10 s, so the
	// store's, which checks after 1 s, is the victim even when a busy
	// machine delays its backend (deadlock_timeout needs a superuser, as
	// the tests connect).
	if _, err := other.Exec(ctx, `SET LOCAL deadlock_timeout = '10s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, lock, "transparency"); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	otherDone := make(chan error, 1)
	go func() {
		<-waiting
		// Only once the store's transaction is blocked on B: its wait
		// started first, so its deadlock check fires first.
		for {
			var blocked int
			if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&blocked); err != nil {
				otherDone <- err
				return
			}
			if blocked > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Close the cycle: ask for A, which the store's transaction holds.
		if _, err := other.Exec(ctx, lock, "civil-registry"); err != nil {
			otherDone <- err
			return
		}
		otherDone <- other.Commit(ctx)
	}()

	attempts := 0
	err = f.store.InTx(ctx, func(tx pgx.Tx) error {
		attempts++
		if _, err := tx.Exec(ctx, lock, "civil-registry"); err != nil {
			return err
		}
		if attempts == 1 {
			close(waiting)
		}
		_, err := tx.Exec(ctx, lock, "transparency")
		return err
	})
	// The other transaction ends either way; wait for it before any
	// check, so that the deferred rollback never races its commit.
	otherErr := <-otherDone
	if err != nil {
		t.Fatalf("the store's transaction failed (%d attempts): %v", attempts, err)
	}
	// At least once aborted as the deadlock's victim, then done. On a busy
	// machine the retry can meet the other transaction again before it
	// commits, and be the victim once more.
	if attempts < 2 {
		t.Fatalf("ran %d times; want the deadlock's victim run again", attempts)
	}
	if otherErr != nil {
		t.Fatalf("the other transaction: %v", otherErr)
	}
}
