package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
)

func init() {
	commands["migrate"] = command{
		summary: "create the database if missing and apply pending migrations and the catalog",
		run:     runMigrate,
	}
}

func runMigrate(ctx context.Context, e cmdEnv, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	db, err := databaseFromEnv(ctx, e)
	if err != nil {
		return err
	}
	db.pool.Close()
	fmt.Fprintln(e.stdout, "ok: migrations applied, catalog synced")
	return nil
}

// database is what every command that touches PostgreSQL starts from.
type database struct {
	pool    *pgxpool.Pool
	store   *postgres.Store
	catalog *booking.Catalog
}

// databaseFromEnv opens the database of DATABASE_URL with the catalog of
// CATALOG_FILE, for the maintenance commands.
func databaseFromEnv(ctx context.Context, e cmdEnv) (*database, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		url = defaultDatabase // config.go
	}
	return openDatabase(ctx, url, e.getenv("CATALOG_FILE"))
}

// openDatabase connects to url (creating the database on a fresh server),
// applies pending migrations and syncs the catalog of catalogFile (the
// built-in one when empty), so every command, serve included, works on a
// machine that has only PostgreSQL.
func openDatabase(ctx context.Context, url, catalogFile string) (*database, error) {
	cat, err := booking.LoadCatalog(catalogFile)
	if err != nil && catalogFile != "" {
		// Name the variable and the file: whoever reads this at start-up
		// may not know where the catalog came from.
		return nil, fmt.Errorf("CATALOG_FILE %q: %w", catalogFile, err)
	}
	if err != nil {
		return nil, err
	}
	if err := postgres.EnsureDatabase(ctx, url); err != nil {
		return nil, err
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		pool.Close()
		return nil, err
	}
	return &database{pool: pool, store: store, catalog: cat}, nil
}
