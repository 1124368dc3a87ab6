package booking_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

func TestObserveCountsChanges(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string]int{}
	f.office.Observe(func(action string, n int) {
		mu.Lock()
		got[action] += n
		mu.Unlock()
	})

	a := f.book(t, 2001, "family-status", at(2, 9, 0))
	f.book(t, 2002, "family-status", at(2, 10, 0))
	f.book(t, 2003, "family-status", at(3, 9, 0))
	f.book(t, 2004, "family-status", at(3, 9, 30))
	if _, err := f.office.Reschedule(ctx, citizenActor(2001), a.Ref, at(2, 11, 0), ""); err != nil {
		t.Fatal(err)
	}
	b, err := f.office.Book(ctx, booking.Request{Citizen: citizen(2005), Service: "family-status", Start: at(4, 9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.office.Cancel(ctx, citizenActor(2005), b.Ref, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.office.Cancel(ctx, citizenActor(2005), b.Ref, ""); err == nil {
		t.Fatal("cancelling twice should fail")
	}
	// A refused request is not a change.
	if _, err := f.office.Book(ctx, booking.Request{Citizen: citizen(2006), Service: "family-status", Start: at(2, 9, 7)}); err == nil {
		t.Fatal("a misaligned start should be refused")
	}
	if _, err := f.office.CloseDay(ctx, civilStaff, "civil-registry", booking.Date{Year: 2026, Month: 12, Day: 3}, "βλάβη"); err != nil {
		t.Fatal(err)
	}

	want := map[string]int{"created": 5, "rescheduled": 1, "cancelled": 3}
	mu.Lock()
	defer mu.Unlock()
	if !maps.Equal(got, want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
}
