// Package migrations holds the numbered SQL files of the schema, embedded
// into the binary and applied in order, each once (see postgres.Migrate).
package migrations

import "embed"

// FS holds the migration files, named NNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
