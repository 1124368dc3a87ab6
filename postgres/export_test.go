package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// InTx lets the external tests run a function the way the store runs its
// transactions.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error { return s.inTx(ctx, fn) }
