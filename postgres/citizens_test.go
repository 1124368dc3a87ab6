package postgres_test

import (
	"context"
	"testing"
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
