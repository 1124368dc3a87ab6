package booking

import "time"

// Retention says how long each kind of record keeps what it holds about a
// person or a request. A daily job (package schedule) erases what is older;
// every period counts back from the job's clock.
type Retention struct {
	// Bookings: after an appointment's end, its booking keeps its name
	// and phone for this long, and the citizen's record keeps theirs
	// while any of their bookings does. Then both are erased; the
	// booking's service, desk, time and status stay, for the statistics.
	Bookings time.Duration
	// Outbox: a delivered notification is deleted this long after its
	// delivery. Undelivered and parked ones stay.
	Outbox time.Duration
	// RequestKeys: the idempotency keys of requests (they name the chat),
	// needed only while a request may be repeated, are dropped after this.
	RequestKeys time.Duration
	// Audit: an audit entry keeps its details (references, times, reasons)
	// this long; then only who did what, and when, stays.
	Audit time.Duration
}

// DefaultRetention is what an office keeps unless configured otherwise.
var DefaultRetention = Retention{
	Bookings:    90 * 24 * time.Hour,
	Outbox:      30 * 24 * time.Hour,
	RequestKeys: 7 * 24 * time.Hour,
	Audit:       365 * 24 * time.Hour,
}

// Purged counts what one retention run erased.
type Purged struct {
	Bookings    int64 // bookings whose name and phone were erased
	Citizens    int64 // citizens whose name and phone were erased
	Outbox      int64 // delivered notifications deleted
	RequestKeys int64 // idempotency keys dropped
	Audit       int64 // audit entries whose details were erased
}
