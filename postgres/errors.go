package postgres

import (
	"errors"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// Names of the constraints whose violations mean something to the domain.
const (
	constraintNoOverlap   = "bookings_no_overlap"
	constraintIdempotency = "bookings_idempotency_key_key"
	constraintRequestKey  = "request_keys_pkey"
	constraintPhoneKey    = "citizens_phone_key_key"
)

// violates reports whether err is a PostgreSQL error with SQLSTATE code on
// constraint (any constraint when constraint is "").
func violates(err error, code, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != code {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// overlaps reports whether err is the exclusion constraint refusing a
// second active booking of a desk over the same time.
func overlaps(err error) bool {
	return violates(err, pgerrcode.ExclusionViolation, constraintNoOverlap)
}

func uniqueOn(err error, constraint string) bool {
	return violates(err, pgerrcode.UniqueViolation, constraint)
}

// deadlocked reports whether PostgreSQL aborted the transaction to break a
// deadlock, after which running it again is safe.
func deadlocked(err error) bool {
	return violates(err, pgerrcode.DeadlockDetected, "")
}
