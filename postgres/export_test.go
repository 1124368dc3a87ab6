package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"github.com/rantevou/rantevou/migrations"
)

// InTx lets the external tests run a function the way the store runs its
// transactions.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error { return s.inTx(ctx, fn) }

// MigrateTo applies the migrations up to version, as Migrate applies them
// all, so that a test can write rows as an older schema had them.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int32) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return err
	}
	return m.MigrateTo(ctx, version)
}

// SoftExec is softExec, for its test.
func (s *Store) SoftExec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return s.softExec(ctx, sql, args...)
}
