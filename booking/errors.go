package booking

import (
	"errors"
	"fmt"
)

// Code classifies an error so that callers can choose what to tell a person
// without parsing strings. Adapters map a Code to a localized message; the
// error's text is for logs only.
type Code string

const (
	EInvalid   Code = "invalid"    // the request is malformed or breaks a rule (bad code, misaligned time)
	ENotFound  Code = "not_found"  // no such booking, department, service
	ESlotTaken Code = "slot_taken" // the slot was free a moment ago but someone else got it
	ELimit     Code = "limit"      // the citizen already holds as many bookings as allowed
	ETooOften  Code = "too_often"  // the citizen made as many changes (book, cancel, move) within the hour as allowed
	EClosed    Code = "closed"     // the office is closed then (holiday, closure, out of hours, past, beyond horizon)
	EForbidden Code = "forbidden"  // the actor may not touch this booking or department
	EConflict  Code = "conflict"   // the booking changed state meanwhile (already cancelled, already attended)
	EInternal  Code = "internal"   // anything else: a bug or an unreachable database
)

// Error is the typed error of the booking domain.
type Error struct {
	Code    Code
	Message string // for logs and staff; never shown to citizens as is
}

func (e *Error) Error() string { return "booking: " + string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of err, EInternal for an error that is not an
// *Error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
