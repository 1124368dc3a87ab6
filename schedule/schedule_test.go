package schedule_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/schedule"
)

func TestScheduler(t *testing.T) {
	pool := pgtest.New(t)
	ctx := context.Background()
	cat := booking.DefaultCatalog()
	jobs := postgres.NewJobs(pool)
	at := func(y int, m time.Month, d, hh, mm int) func() time.Time {
		return func() time.Time { return time.Date(y, m, d, hh, mm, 0, 0, cat.Location) }
	}
	newScheduler := func(now func() time.Time) *schedule.Scheduler {
		return schedule.New(schedule.Config{Catalog: cat, Now: now}, jobs)
	}
	rosters := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'staff.roster'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var departments []string
	for _, d := range cat.Departments {
		departments = append(departments, d.Code)
	}
	sort.Strings(departments)

	t.Run("NothingBeforeRosterTime", func(t *testing.T) {
		got, err := newScheduler(at(2026, 12, 7, 7, 29)).RunDue(ctx)
		if err != nil || len(got) != 0 || rosters(t) != 0 {
			t.Fatalf("queued %v (%v) at 07:29", got, err)
		}
	})

	t.Run("TwoReplicasRacingQueueEachRosterOnce", func(t *testing.T) {
		var mu sync.Mutex
		var all []string
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			s := newScheduler(at(2026, 12, 7, 7, 30))
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.RunDue(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		sort.Strings(all)
		if len(all) != len(departments) || rosters(t) != len(departments) {
			t.Fatalf("queued %v and %d outbox rows; want each of %v once", all, rosters(t), departments)
		}
		for i := range all {
			if all[i] != departments[i] {
				t.Fatalf("queued %v, want %v", all, departments)
			}
		}
	})

	t.Run("NotAgainAfterRestart", func(t *testing.T) {
		got, err := newScheduler(at(2026, 12, 7, 9, 0)).RunDue(ctx)
		if err != nil || len(got) != 0 || rosters(t) != len(departments) {
			t.Fatalf("a restarted replica queued %v (%v)", got, err)
		}
	})

	t.Run("CatchesUpAfterLateStartButNotInAfternoon", func(t *testing.T) {
		late, err := newScheduler(at(2026, 12, 8, 10, 15)).RunDue(ctx)
		if err != nil || len(late) != len(departments) {
			t.Fatalf("a replica started at 10:15 queued %v (%v)", late, err)
		}
		afternoon, err := newScheduler(at(2026, 12, 9, 15, 0)).RunDue(ctx)
		if err != nil || len(afternoon) != 0 {
			t.Fatalf("queued %v (%v) at 15:00", afternoon, err)
		}
	})

	t.Run("NoRosterOnWeekend", func(t *testing.T) {
		got, err := newScheduler(at(2026, 12, 12, 7, 45)).RunDue(ctx) // a Saturday
		if err != nil || len(got) != 0 {
			t.Fatalf("queued %v (%v) on a Saturday", got, err)
		}
	})

	t.Run("HolidayStillGetsItsClosedNotice", func(t *testing.T) {
		got, err := newScheduler(at(2026, 12, 25, 7, 45)).RunDue(ctx) // Christmas, a Friday
		if err != nil || len(got) != len(departments) {
			t.Fatalf("queued %v (%v) on Christmas; the roster says closed today", got, err)
		}
	})

	t.Run("RunStopsWithContext", func(t *testing.T) {
		s := schedule.New(schedule.Config{Catalog: cat,
			Now: at(2026, 12, 14, 7, 31), Tick: 10 * time.Millisecond}, jobs)
		rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if err := s.Run(rctx); err != nil {
			t.Fatal(err)
		}
		if ran, _ := jobs.Ran(ctx, schedule.JobName("civil-registry"), booking.Date{Year: 2026, Month: 12, Day: 14}); !ran {
			t.Fatal("Run did not queue the day's roster")
		}
	})
}

// TestRosterTimeAfterDefaultCutOff: a roster configured for the afternoon
// (ROSTER_TIME=15:00, past the default 13:00 cut-off) is still queued.
func TestRosterTimeAfterDefaultCutOff(t *testing.T) {
	pool := pgtest.New(t)
	cat := booking.DefaultCatalog()
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, cat.Location) // a Monday
	s := schedule.New(schedule.Config{Catalog: cat, At: 15 * 60,
		Now: func() time.Time { return now }}, postgres.NewJobs(pool))
	got, err := s.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cat.Departments) {
		t.Fatalf("queued %v at 15:00 with the roster set for 15:00; want every department", got)
	}
}
