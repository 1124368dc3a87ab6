package postgres_test

import (
	"context"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

func TestUnreachable(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `INSERT INTO citizens (telegram_id) VALUES (4242)`); err != nil {
		t.Fatal(err)
	}
	if u, err := f.store.Unreachable(ctx, 4242); err != nil || u {
		t.Fatalf("new citizen unreachable = %v, %v", u, err)
	}
	if err := f.store.MarkUnreachable(ctx, 4242); err != nil {
		t.Fatal(err)
	}
	if u, err := f.store.Unreachable(ctx, 4242); err != nil || !u {
		t.Fatalf("after 403 unreachable = %v, %v", u, err)
	}
	if u, err := f.store.Unreachable(ctx, 999); err != nil || u {
		t.Fatalf("unknown chat unreachable = %v, %v", u, err)
	}
}

// TestReachableAgain: a citizen who blocked the bot and comes back to it
// gets their notifications again.
func TestReachableAgain(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		id    int64
		write func(id int64) error
	}{
		{"Books", 4301, func(id int64) error {
			_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(id), Service: "family-status", Start: at(2, 9, 0)})
			return err
		}},
		{"ChoosesALanguage", 4302, func(id int64) error { return f.store.SetCitizenLang(ctx, id, booking.English) }},
		{"ChoosesTheSameLanguage", 4303, func(id int64) error { return f.store.SetCitizenLang(ctx, id, booking.Greek) }},
		{"SharesTheirNumber", 4304, func(id int64) error {
			_, err := f.store.LinkTelegram(ctx, id, "+306900004304", booking.Greek, at(0, 9, 0))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.store.SetCitizenLang(ctx, tc.id, booking.Greek); err != nil {
				t.Fatal(err)
			}
			if err := f.store.MarkUnreachable(ctx, tc.id); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(tc.id); err != nil {
				t.Fatal(err)
			}
			if u, err := f.store.Unreachable(ctx, tc.id); err != nil || u {
				t.Fatalf("unreachable = %v, %v; want reachable again", u, err)
			}
		})
	}
}
