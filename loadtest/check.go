package loadtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// record is what one simulated citizen was told, to be held against
// PostgreSQL afterwards.
type record struct {
	Citizen     int64
	Phone, Name string
	Ref         string // the reference the bot gave, "" if none
	Status      string // "active" or "cancelled", as the citizen was last told
	Date, Time  string // local start the citizen chose ("2026-12-03", "09:30"), "" if unknown
	Service     string // the service's label as tapped
	Moved       bool   // told the booking was moved to Date, Time
	Confirmed   bool   // tapped confirm at least once: may hold a booking
	// Uncertain: a step that books or cancels got no answer, so the
	// citizen does not know the outcome and holds the bot to nothing
	// beyond what it was told before.
	Uncertain bool
}

// truthLog collects the records of a whole run.
type truthLog struct {
	mu   sync.Mutex
	recs []record
}

func (l *truthLog) add(r record) {
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
}

func (l *truthLog) all() []record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]record(nil), l.recs...)
}

// CheckResult is the check in PostgreSQL after the run.
type CheckResult struct {
	Bookings  int `json:"bookings"` // rows in bookings
	Active    int `json:"active"`
	Cancelled int `json:"cancelled"`

	Citizens  int `json:"citizens_confirmed"` // simulated citizens who tapped confirm
	Told      int `json:"told"`               // bookings a citizen was given a reference for
	Verified  int `json:"verified"`           // of those, found exactly as the citizen was told
	Moved     int `json:"moved"`
	Cancels   int `json:"cancelled_told"`
	Uncertain int `json:"uncertain"` // citizens whose booking or cancelling step got no answer

	// Outbox: notifications delivered, due but not yet delivered (the
	// backlog behind the 30/s bulk pace), scheduled for later (reminders)
	// and parked after too many failures.
	Outbox struct {
		Delivered int `json:"delivered"`
		Due       int `json:"due"`
		Scheduled int `json:"scheduled"`
		Parked    int `json:"parked"`
	} `json:"outbox"`

	// Violations counts broken promises by kind; Examples shows a few.
	Violations map[string]int `json:"violations"`
	Examples   []string       `json:"examples,omitempty"`
}

// OK reports whether nothing was lost, duplicated, overlapping or untrue.
func (c *CheckResult) OK() bool { return len(c.Violations) == 0 }

func (c *CheckResult) violate(kind, example string) {
	if c.Violations == nil {
		c.Violations = map[string]int{}
	}
	c.Violations[kind]++
	if len(c.Examples) < 20 {
		c.Examples = append(c.Examples, kind+": "+example)
	}
}

type dbBooking struct {
	id                   int64
	ref, status, start   string
	citizen              int64
	nameEl, nameEn       string
	phone, name          string
	department, deskCode string
}

// check holds the records against the database: every booking a citizen
// was told of exists as told, none is duplicated by a double tap or a
// redelivery, none overlaps another on its desk, every one has its
// notification in the outbox, and no citizen holds a booking they were not
// told of.
func check(ctx context.Context, conn *pgx.Conn, recs []record, loc *time.Location) (*CheckResult, error) {
	res := &CheckResult{}
	rows, err := conn.Query(ctx, `
		SELECT b.id, b.ref, b.status, to_char(lower(b.during) AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI'),
		       COALESCE(c.telegram_id, 0), s.name_el, s.name_en, b.phone, b.name, b.department, b.desk
		FROM bookings b JOIN services s ON s.code = b.service
		-- A booking names the citizen (a person); the simulated citizens
		-- are known by their Telegram accounts.
		LEFT JOIN citizens c ON c.id = b.citizen`, loc.String())
	if err != nil {
		return nil, fmt.Errorf("loadtest: check: bookings: %w", err)
	}
	byRef := map[string]*dbBooking{}
	byCitizen := map[int64][]*dbBooking{}
	for rows.Next() {
		b := &dbBooking{}
		if err := rows.Scan(&b.id, &b.ref, &b.status, &b.start, &b.citizen, &b.nameEl, &b.nameEn, &b.phone, &b.name, &b.department, &b.deskCode); err != nil {
			return nil, fmt.Errorf("loadtest: check: bookings: %w", err)
		}
		byRef[b.ref] = b
		byCitizen[b.citizen] = append(byCitizen[b.citizen], b)
		res.Bookings++
		switch b.status {
		case "active":
			res.Active++
		case "cancelled":
			res.Cancelled++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: check: bookings: %w", err)
	}

	kinds := map[int64]map[string]bool{}
	rows, err = conn.Query(ctx, `SELECT booking_id, kind FROM outbox WHERE booking_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("loadtest: check: outbox: %w", err)
	}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, fmt.Errorf("loadtest: check: outbox: %w", err)
		}
		if kinds[id] == nil {
			kinds[id] = map[string]bool{}
		}
		kinds[id][kind] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: check: outbox: %w", err)
	}
	err = conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL),
		count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL AND due_at <= now()),
		count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL AND due_at > now()),
		count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM outbox`).Scan(&res.Outbox.Delivered, &res.Outbox.Due, &res.Outbox.Scheduled, &res.Outbox.Parked)
	if err != nil {
		return nil, fmt.Errorf("loadtest: check: outbox: %w", err)
	}

	// The database's own guarantee, checked from outside.
	rows, err = conn.Query(ctx, `
		SELECT a.ref, b.ref, a.department, a.desk FROM bookings a JOIN bookings b
		  ON a.department = b.department AND a.desk = b.desk AND a.id < b.id AND a.during && b.during
		WHERE a.status = 'active' AND b.status = 'active' LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("loadtest: check: overlaps: %w", err)
	}
	for rows.Next() {
		var a, b, dept, desk string
		if err := rows.Scan(&a, &b, &dept, &desk); err != nil {
			return nil, fmt.Errorf("loadtest: check: overlaps: %w", err)
		}
		res.violate("overlapping active bookings", fmt.Sprintf("%s and %s at %s/%s", a, b, dept, desk))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: check: overlaps: %w", err)
	}

	citizens := map[int64]record{}
	for _, r := range recs {
		citizens[r.Citizen] = r
		if r.Confirmed {
			res.Citizens++
		}
		if r.Uncertain {
			res.Uncertain++
		}
		if r.Ref == "" {
			continue
		}
		res.Told++
		b := byRef[r.Ref]
		if b == nil {
			res.violate("lost booking", fmt.Sprintf("citizen %d was given %s, which is not in the database", r.Citizen, r.Ref))
			continue
		}
		ok := true
		wrong := func(kind, detail string) {
			ok = false
			res.violate(kind, fmt.Sprintf("%s of citizen %d: %s", r.Ref, r.Citizen, detail))
		}
		if b.citizen != r.Citizen {
			wrong("booking of someone else", fmt.Sprintf("belongs to %d", b.citizen))
		}
		if !r.Uncertain && b.status != r.Status {
			wrong("status not as told", fmt.Sprintf("told %s, is %s", r.Status, b.status))
		}
		if r.Date != "" && b.start != r.Date+" "+r.Time {
			wrong("time not as told", fmt.Sprintf("chose %s %s, booked for %s", r.Date, r.Time, b.start))
		}
		if r.Service != "" && r.Service != b.nameEl && r.Service != b.nameEn {
			wrong("service not as chosen", fmt.Sprintf("chose %q, booked %q", r.Service, b.nameEn))
		}
		if digits(b.phone) != digits(r.Phone) || b.name != r.Name {
			wrong("contact not as given", fmt.Sprintf("gave %s %q, stored %s %q", r.Phone, r.Name, b.phone, b.name))
		}
		if !kinds[b.id]["citizen.confirmed"] {
			wrong("no confirmation in the outbox", "no citizen.confirmed row")
		}
		if r.Moved {
			res.Moved++
			if !kinds[b.id]["citizen.rescheduled"] {
				wrong("no notice of the move in the outbox", "no citizen.rescheduled row")
			}
		}
		if r.Status == "cancelled" {
			res.Cancels++
			if !kinds[b.id]["staff.cancelled"] {
				wrong("staff not told of the cancellation", "no staff.cancelled row")
			}
		}
		if ok {
			res.Verified++
		}
	}

	ids := make([]int64, 0, len(byCitizen))
	for id := range byCitizen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		bs := byCitizen[id]
		r, known := citizens[id]
		var refs []string
		for _, b := range bs {
			refs = append(refs, b.ref)
		}
		switch {
		case len(bs) > 1:
			// Every simulated citizen books once: a second row is a
			// double tap or a redelivery acted on twice.
			res.violate("duplicate booking", fmt.Sprintf("citizen %d holds %s", id, strings.Join(refs, ", ")))
		case !known:
			res.violate("booking nobody confirmed", fmt.Sprintf("citizen %d holds %s", id, refs[0]))
		case r.Ref == "" && !r.Uncertain:
			res.violate("booking the citizen was not told of", fmt.Sprintf("citizen %d holds %s", id, refs[0]))
		}
	}
	return res, nil
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
