package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

func TestJobsClaim(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	jobs := postgres.NewJobs(pool)
	day := booking.Date{Year: 2026, Month: 12, Day: 1}
	rows := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE recipient = 'CR'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("OneWinnerAmongRacers", func(t *testing.T) {
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := jobs.Claim(ctx, "roster:CR", day, []booking.Notification{staffNote("CR")})
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 || rows(t) != 1 {
			t.Fatalf("%d winners, %d outbox rows; want 1 and 1", won.Load(), rows(t))
		}
		if ran, err := jobs.Ran(ctx, "roster:CR", day); err != nil || !ran {
			t.Fatalf("Ran = %v, %v", ran, err)
		}
	})

	t.Run("NextDayRunsAgain", func(t *testing.T) {
		ok, err := jobs.Claim(ctx, "roster:CR", day.AddDays(1), []booking.Notification{staffNote("CR")})
		if err != nil || !ok {
			t.Fatalf("next day claim = %v, %v", ok, err)
		}
		if rows(t) != 2 {
			t.Fatalf("%d outbox rows, want 2", rows(t))
		}
	})

	t.Run("FailedEnqueueLeavesNoClaim", func(t *testing.T) {
		bad := booking.Notification{Kind: "x", Channel: "pigeon", Recipient: "CR"}
		if ok, err := jobs.Claim(ctx, "roster:CR", day.AddDays(5), []booking.Notification{bad}); err == nil || ok {
			t.Fatalf("claim with a bad row = %v, %v; want an error", ok, err)
		}
		if ran, _ := jobs.Ran(ctx, "roster:CR", day.AddDays(5)); ran {
			t.Fatal("the claim survived its failed outbox write: the roster would never be sent")
		}
	})
}
