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

	// The other transaction holds B; the store's holds A and waits for B
	// first, so its backend is the one whose deadlock check fires first
	// and aborts itself (deadlock_timeout, 1 s by default).
	other, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
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
	if err != nil {
		t.Fatalf("the store's transaction failed (%d attempts): %v", attempts, err)
	}
	if attempts != 2 {
		t.Fatalf("ran %d times, want 2: aborted once as the deadlock's victim, then done", attempts)
	}
	if err := <-otherDone; err != nil {
		t.Fatalf("the other transaction: %v", err)
	}
}
