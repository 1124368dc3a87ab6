package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/migrations"
)

// CheckSchema returns nil when PostgreSQL answers and every embedded
// migration has been applied; readiness probes call it.
func CheckSchema(ctx context.Context, pool *pgxpool.Pool) error {
	want, err := latestMigration()
	if err != nil {
		return err
	}
	var have int
	if err := pool.QueryRow(ctx, "SELECT version FROM "+versionTable).Scan(&have); err != nil {
		return fmt.Errorf("postgres: schema version: %w", err)
	}
	if have < want {
		return fmt.Errorf("postgres: schema at version %d, want %d: run rantevou migrate", have, want)
	}
	return nil
}

var migrationName = regexp.MustCompile(`^(\d+)_.+\.sql$`)

// latestMigration is the highest number among the embedded migration files.
func latestMigration() (int, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("postgres: read migrations: %w", err)
	}
	latest := 0
	for _, e := range entries {
		if m := migrationName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			latest = max(latest, n)
		}
	}
	return latest, nil
}
