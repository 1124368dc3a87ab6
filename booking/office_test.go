package booking_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

// These tests run the Office over the real PostgreSQL store: the rules
// that matter (no overbooking, limits, one transaction per change) live
// partly in the database, so a fake store would prove little.

var athens = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		panic(err)
	}
	return loc
}()

// now is the fixed clock: Monday 30 November 2026, 07:00 in Thessaloniki.
// With 2 h notice the earliest bookable start is 09:00 that day.
var now = time.Date(2026, 11, 30, 7, 0, 0, 0, athens)

// at returns hh:mm local on the given day of December 2026 (day 0 is the
// fixed clock's Monday 30 November).
func at(day, hh, mm int) time.Time {
	if day == 0 {
		return time.Date(2026, 11, 30, hh, mm, 0, 0, athens)
	}
	return time.Date(2026, 12, day, hh, mm, 0, 0, athens)
}

type fixture struct {
	office *booking.Office
	store  *postgres.Store
	pool   *pgxpool.Pool
	clock  *time.Time // the office's clock; starts at now, tests may move it
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := pgtest.New(t)
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	clock := now
	return &fixture{office: booking.NewOffice(cat, store, func() time.Time { return clock }), store: store, pool: pool, clock: &clock}
}

func citizen(id int64) booking.Citizen {
	return booking.Citizen{TelegramID: id, Name: "Δοκιμή " + strconv.FormatInt(id, 10), Phone: fmt.Sprintf("69%08d", id), Lang: booking.Greek}
}

func citizenActor(id int64) booking.Actor {
	return booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(id, 10)}
}

// Staff of civil-registry and of registry-office in the default catalog.
var (
	civilStaff    = booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1", Name: "civil"}
	registryStaff = booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE2", Name: "registry"}
)

// rowCounts counts bookings, audit rows and outbox rows.
func (f *fixture) rowCounts(t *testing.T) [3]int {
	t.Helper()
	var c [3]int
	err := f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM bookings),
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM outbox)`).Scan(&c[0], &c[1], &c[2])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outbox lists the undelivered notifications of a booking as "kind@due".
func (f *fixture) outbox(t *testing.T, bookingID int64) []string {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT kind, channel, recipient, due_at FROM outbox
		WHERE booking_id = $1 AND delivered_at IS NULL ORDER BY kind, due_at`, bookingID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, channel, recipient string
		var due time.Time
		if err := rows.Scan(&kind, &channel, &recipient, &due); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s:%s @%s", kind, channel, recipient, due.In(athens).Format("01-02 15:04")))
	}
	return out
}

func (f *fixture) auditActions(t *testing.T, bookingID int64) []string {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT actor_kind || ':' || actor_id || ':' || action FROM audit_log
		WHERE booking_id = $1 ORDER BY id`, bookingID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func wantCode(t *testing.T, err error, code booking.Code) {
	t.Helper()
	if got := booking.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func (f *fixture) book(t *testing.T, id int64, service string, start time.Time) booking.Booking {
	t.Helper()
	b, err := f.office.Book(context.Background(), booking.Request{Citizen: citizen(id), Service: service, Start: start})
	if err != nil {
		t.Fatalf("book %s at %s for %d: %v", service, start, id, err)
	}
	return b
}

func TestBook(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	t.Run("ConfirmedWithRemindersAuditAndOutbox", func(t *testing.T) {
		b := f.book(t, 1001, "family-status", at(2, 9, 0))
		if b.Status != booking.Active || b.Department != "civil-registry" || b.Desk != "A1" ||
			!b.Start.Equal(at(2, 9, 0)) || !b.End.Equal(at(2, 9, 15)) {
			t.Fatalf("booking %+v", b)
		}
		if len(b.Ref) != 6 || !isRefAlphabet(b.Ref) {
			t.Fatalf("reference %q: want 6 characters without 0/O/1/I/L", b.Ref)
		}
		want := []string{
			"citizen.confirmed telegram:1001 @11-30 07:00",
			"citizen.reminder telegram:1001 @12-01 09:00",
			"citizen.reminder telegram:1001 @12-02 07:00",
		}
		if got := f.outbox(t, b.ID); !slices.Equal(got, want) {
			t.Fatalf("outbox\n got %q\nwant %q", got, want)
		}
		if got := f.auditActions(t, b.ID); !slices.Equal(got, []string{"citizen:1001:book"}) {
			t.Fatalf("audit %q", got)
		}
	})

	t.Run("TodayAlertsStaffAndSkipsPastReminders", func(t *testing.T) {
		b := f.book(t, 1002, "death-record", at(0, 10, 0))
		want := []string{
			"citizen.confirmed telegram:1002 @11-30 07:00",
			"citizen.reminder telegram:1002 @11-30 08:00",
			"staff.today slack:registry-office @11-30 07:00",
		}
		if got := f.outbox(t, b.ID); !slices.Equal(got, want) {
			t.Fatalf("outbox\n got %q\nwant %q", got, want)
		}
	})

	t.Run("NextDeskWhenFirstTaken", func(t *testing.T) {
		b := f.book(t, 1003, "family-status", at(2, 9, 0))
		if b.Desk != "A2" {
			t.Fatalf("desk %s, want A2", b.Desk)
		}
	})

	t.Run("SlotTakenWhenEveryDeskBusy", func(t *testing.T) {
		f.book(t, 1004, "transfer", at(2, 10, 0)) // transfer is served at A3 only
		before := f.rowCounts(t)
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(1005), Service: "transfer", Start: at(2, 10, 0)})
		wantCode(t, err, booking.ESlotTaken)
		if after := f.rowCounts(t); after != before {
			t.Fatalf("rows %v, want unchanged %v", after, before)
		}
	})

	t.Run("IdempotencyKeyRepeatReturnsSameBooking", func(t *testing.T) {
		r := booking.Request{Citizen: citizen(1006), Service: "birth-certificate", Start: at(3, 11, 0), IdempotencyKey: "tg:1006:77"}
		b1, err := f.office.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		before := f.rowCounts(t)
		b2, err := f.office.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if b1.ID != b2.ID || b1.Ref != b2.Ref {
			t.Fatalf("repeat gave %s, first %s", b2.Ref, b1.Ref)
		}
		if after := f.rowCounts(t); after != before {
			t.Fatalf("repeat wrote rows: %v → %v", before, after)
		}
	})

	t.Run("LimitPerService", func(t *testing.T) {
		f.book(t, 1007, "record-copy", at(3, 9, 0))
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(1007), Service: "record-copy", Start: at(4, 9, 0)})
		wantCode(t, err, booking.ELimit)
	})

	t.Run("LimitActive", func(t *testing.T) {
		f.book(t, 1008, "record-copy", at(3, 9, 0))
		f.book(t, 1008, "family-status", at(3, 9, 0))
		_, err := f.office.Book(ctx, booking.Request{Citizen: citizen(1008), Service: "birth-certificate", Start: at(4, 9, 0)})
		wantCode(t, err, booking.ELimit)
	})
}

func isRefAlphabet(s string) bool {
	for _, r := range s {
		if !(r >= '2' && r <= '9' || r >= 'A' && r <= 'Z') || r == 'O' || r == 'I' || r == 'L' {
			return false
		}
	}
	return true
}

// TestBookBadInput checks that each kind of bad request is refused with its
// code and writes nothing at all.
func TestBookBadInput(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.book(t, 2000, "family-status", at(2, 9, 0)) // something in every table
	cases := []struct {
		name string
		req  booking.Request
		want booking.Code
	}{
		{"UnknownService", booking.Request{Citizen: citizen(2001), Service: "passport", Start: at(2, 9, 0)}, booking.ENotFound},
		{"NoCitizen", booking.Request{Service: "family-status", Start: at(2, 9, 0)}, booking.EInvalid},
		{"LanguageNotTheOffices", booking.Request{Citizen: booking.Citizen{TelegramID: 2001, Lang: "de"}, Service: "family-status", Start: at(2, 9, 0)}, booking.EInvalid},
		{"Past", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(0, 8, 0).Add(-24 * time.Hour)}, booking.EClosed},
		{"WithinMinimumNotice", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(0, 8, 30)}, booking.EClosed},
		{"BeforeOpening", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(2, 7, 45)}, booking.EClosed},
		{"AfterClosing", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(2, 14, 0)}, booking.EClosed},
		{"DoesNotFitBeforeClosing", booking.Request{Citizen: citizen(2001), Service: "transfer", Start: at(2, 13, 45)}, booking.EInvalid},
		{"Misaligned", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(2, 9, 7)}, booking.EInvalid},
		{"Weekend", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(5, 9, 0)}, booking.EClosed},
		{"Christmas", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(25, 9, 0)}, booking.EClosed},
		{"BeyondHorizon", booking.Request{Citizen: citizen(2001), Service: "family-status", Start: at(31, 9, 0)}, booking.EClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.rowCounts(t)
			_, err := f.office.Book(ctx, tc.req)
			wantCode(t, err, tc.want)
			if after := f.rowCounts(t); after != before {
				t.Fatalf("rows (bookings, audit, outbox) %v, want unchanged %v", after, before)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	t.Run("ByAnotherCitizenForbidden", func(t *testing.T) {
		b := f.book(t, 3001, "family-status", at(2, 9, 0))
		before := f.rowCounts(t)
		_, err := f.office.Cancel(ctx, citizenActor(3002), b.Ref, "")
		wantCode(t, err, booking.EForbidden)
		if after := f.rowCounts(t); after != before {
			t.Fatalf("rows %v, want unchanged %v", after, before)
		}
	})

	t.Run("ByStaffOfAnotherDepartmentForbidden", func(t *testing.T) {
		b := f.book(t, 3003, "family-status", at(2, 9, 0))
		_, err := f.office.Cancel(ctx, registryStaff, b.Ref, "closed")
		wantCode(t, err, booking.EForbidden)
	})

	t.Run("ByOwnerTellsStaffAndDropsReminders", func(t *testing.T) {
		b := f.book(t, 3004, "family-status", at(2, 9, 15))
		c, err := f.office.Cancel(ctx, citizenActor(3004), b.Ref, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != booking.Cancelled {
			t.Fatalf("status %s", c.Status)
		}
		want := []string{
			"citizen.confirmed telegram:3004 @11-30 07:00",
			"staff.cancelled slack:civil-registry @11-30 07:00",
		}
		if got := f.outbox(t, b.ID); !slices.Equal(got, want) {
			t.Fatalf("outbox\n got %q\nwant %q", got, want)
		}
		if got := f.auditActions(t, b.ID); !slices.Equal(got, []string{"citizen:3004:book", "citizen:3004:cancel"}) {
			t.Fatalf("audit %q", got)
		}
		// The slot is free again for someone else.
		f.book(t, 3005, "family-status", at(2, 9, 15))

		_, err = f.office.Cancel(ctx, citizenActor(3004), b.Ref, "")
		wantCode(t, err, booking.EConflict)
	})

	t.Run("ByStaffNeedsReasonAndTellsCitizen", func(t *testing.T) {
		b := f.book(t, 3006, "family-status", at(2, 9, 30))
		_, err := f.office.Cancel(ctx, civilStaff, b.Ref, "  ")
		wantCode(t, err, booking.EInvalid)
		c, err := f.office.Cancel(ctx, civilStaff, b.Ref, "desk out of order")
		if err != nil {
			t.Fatal(err)
		}
		if c.CancelReason != "desk out of order" {
			t.Fatalf("reason %q", c.CancelReason)
		}
		if got := f.outbox(t, b.ID); !slices.Contains(got, "citizen.cancelled telegram:3006 @11-30 07:00") {
			t.Fatalf("outbox %q: no citizen.cancelled", got)
		}
		if got := f.auditActions(t, b.ID); !slices.Equal(got, []string{"citizen:3006:book", "staff:U0EXAMPLE1:cancel"}) {
			t.Fatalf("audit %q", got)
		}
	})

	t.Run("UnknownReference", func(t *testing.T) {
		_, err := f.office.Cancel(ctx, citizenActor(3001), "ZZZZZZ", "")
		wantCode(t, err, booking.ENotFound)
	})
}

func TestReschedule(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	t.Run("MovesInPlaceAndReplacesReminders", func(t *testing.T) {
		b := f.book(t, 4001, "family-status", at(2, 9, 0))
		m, err := f.office.Reschedule(ctx, citizenActor(4001), b.Ref, at(3, 12, 0), "k-4001")
		if err != nil {
			t.Fatal(err)
		}
		if m.ID != b.ID || m.Ref != b.Ref || !m.Start.Equal(at(3, 12, 0)) || !m.End.Equal(at(3, 12, 15)) {
			t.Fatalf("moved %+v", m)
		}
		want := []string{
			"citizen.confirmed telegram:4001 @11-30 07:00",
			"citizen.reminder telegram:4001 @12-02 12:00",
			"citizen.reminder telegram:4001 @12-03 10:00",
			"citizen.rescheduled telegram:4001 @11-30 07:00",
			"staff.rescheduled slack:civil-registry @11-30 07:00",
		}
		if got := f.outbox(t, b.ID); !slices.Equal(got, want) {
			t.Fatalf("outbox\n got %q\nwant %q", got, want)
		}
		// The old slot is free again.
		f.book(t, 4002, "family-status", at(2, 9, 0))
		f.book(t, 4003, "family-status", at(2, 9, 0))
		f.book(t, 4004, "family-status", at(2, 9, 0))

		before := f.rowCounts(t)
		again, err := f.office.Reschedule(ctx, citizenActor(4001), b.Ref, at(3, 12, 0), "k-4001")
		if err != nil || again.ID != b.ID {
			t.Fatalf("repeat: %v %+v", err, again)
		}
		if after := f.rowCounts(t); after != before {
			t.Fatalf("repeat wrote rows: %v → %v", before, after)
		}
	})

	t.Run("OverlappingItsOwnSlot", func(t *testing.T) {
		b := f.book(t, 4010, "transfer", at(4, 9, 0)) // A3 only, 30 minutes
		m, err := f.office.Reschedule(ctx, citizenActor(4010), b.Ref, at(4, 9, 15), "")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Start.Equal(at(4, 9, 15)) || m.Desk != "A3" {
			t.Fatalf("moved %+v", m)
		}
	})

	t.Run("TakenKeepsOldSlot", func(t *testing.T) {
		b := f.book(t, 4020, "transfer", at(4, 11, 0))
		f.book(t, 4021, "transfer", at(4, 12, 0))
		before := f.rowCounts(t)
		_, err := f.office.Reschedule(ctx, citizenActor(4020), b.Ref, at(4, 12, 0), "")
		wantCode(t, err, booking.ESlotTaken)
		got, err := f.office.Booking(ctx, citizenActor(4020), b.Ref)
		if err != nil || !got.Start.Equal(at(4, 11, 0)) || got.Status != booking.Active {
			t.Fatalf("after failed move: %v %+v", err, got)
		}
		if after := f.rowCounts(t); after != before {
			t.Fatalf("rows %v, want unchanged %v", after, before)
		}
	})

	t.Run("ByAnotherCitizenForbidden", func(t *testing.T) {
		b := f.book(t, 4030, "record-copy", at(7, 9, 0))
		_, err := f.office.Reschedule(ctx, citizenActor(4031), b.Ref, at(7, 10, 0), "")
		wantCode(t, err, booking.EForbidden)
	})
}

func TestMark(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.book(t, 5001, "family-status", at(2, 9, 0))
	_, err := f.office.Mark(ctx, citizenActor(5001), b.Ref, booking.Attended)
	wantCode(t, err, booking.EForbidden)
	_, err = f.office.Mark(ctx, registryStaff, b.Ref, booking.Attended)
	wantCode(t, err, booking.EForbidden)
	_, err = f.office.Mark(ctx, civilStaff, b.Ref, booking.Cancelled)
	wantCode(t, err, booking.EInvalid)
	// Before its time nobody has attended or failed to.
	*f.clock = b.Start.Add(-time.Minute)
	_, err = f.office.Mark(ctx, civilStaff, b.Ref, booking.NoShow)
	wantCode(t, err, booking.EClosed)
	*f.clock = b.Start
	m, err := f.office.Mark(ctx, civilStaff, b.Ref, booking.NoShow)
	if err != nil || m.Status != booking.NoShow {
		t.Fatalf("mark: %v %+v", err, m)
	}
	_, err = f.office.Mark(ctx, civilStaff, b.Ref, booking.Attended)
	wantCode(t, err, booking.EConflict)
	if got := f.outbox(t, b.ID); slices.ContainsFunc(got, func(s string) bool { return s[:16] == "citizen.reminder" }) {
		t.Fatalf("reminders left after no-show: %q", got)
	}
}

// TestUnmark: a clerk who pressed the wrong button puts it right the same
// day, and only then.
func TestUnmark(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.book(t, 5002, "family-status", at(2, 9, 0))
	_, err := f.office.Unmark(ctx, civilStaff, b.Ref)
	wantCode(t, err, booking.EConflict) // not marked
	*f.clock = b.Start.Add(5 * time.Minute)
	if _, err := f.office.Mark(ctx, civilStaff, b.Ref, booking.NoShow); err != nil {
		t.Fatal(err)
	}
	_, err = f.office.Unmark(ctx, citizenActor(5002), b.Ref)
	wantCode(t, err, booking.EForbidden)
	_, err = f.office.Unmark(ctx, registryStaff, b.Ref)
	wantCode(t, err, booking.EForbidden)
	u, err := f.office.Unmark(ctx, civilStaff, b.Ref)
	if err != nil || u.Status != booking.Active {
		t.Fatalf("unmark: %v %+v", err, u)
	}
	if m, err := f.office.Mark(ctx, civilStaff, b.Ref, booking.Attended); err != nil || m.Status != booking.Attended {
		t.Fatalf("mark after undo: %v %+v", err, m)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'unmark' AND actor_id = $1 AND booking_id = $2`,
		civilStaff.ID, b.ID); n != 1 {
		t.Fatalf("%d audit rows of the undo", n)
	}
	// The next day it stands.
	*f.clock = b.Start.Add(24 * time.Hour)
	_, err = f.office.Unmark(ctx, civilStaff, b.Ref)
	wantCode(t, err, booking.EClosed)
}

// TestCatalogClosure: a closure known in advance, from the catalog file,
// closes its day for availability, booking and the roster alike, read from
// the store that SyncCatalog wrote it to.
func TestCatalogClosure(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	cat := booking.DefaultCatalog()
	works := booking.Text{EL: "Εργασίες", EN: "Works"}
	day := booking.Date{Year: 2026, Month: 12, Day: 8}
	cat.Closures = []booking.Closure{{Department: "civil-registry", From: day, To: day, Reason: works}}
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	office := booking.NewOffice(cat, store, func() time.Time { return now })
	if d, err := office.FreeSlots(ctx, "family-status", day); err != nil || !d.Closed || d.Reason != works {
		t.Fatalf("free slots %+v, %v; want the day closed for works", d, err)
	}
	_, err := office.Book(ctx, booking.Request{Citizen: citizen(6101), Service: "family-status", Start: at(8, 9, 0)})
	wantCode(t, err, booking.EClosed)
	if r, err := office.Roster(ctx, "civil-registry", day); err != nil || !r.Closed || r.Reason != works {
		t.Fatalf("roster %+v, %v; want the day closed for works", r, err)
	}
}

func TestClosures(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b1 := f.book(t, 6001, "family-status", at(8, 9, 0)) // A1
	b2 := f.book(t, 6002, "registration", at(8, 10, 0)) // A2
	b3 := f.book(t, 6003, "family-status", at(9, 9, 0)) // another day
	f.book(t, 6004, "record-copy", at(8, 9, 0))         // another department

	t.Run("AddClosureReportsCoveredBookings", func(t *testing.T) {
		covered, err := f.office.AddClosure(ctx, civilStaff, booking.Closure{
			Department: "civil-registry", Desk: "A2", From: booking.Date{Year: 2026, Month: 12, Day: 8},
			Reason: booking.Text{EL: "βλάβη"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(covered) != 1 || covered[0].ID != b2.ID || covered[0].Status != booking.Active {
			t.Fatalf("covered %+v, want only %s", covered, b2.Ref)
		}
		// The desk is closed: registration (A2, A3) must go to A3 now.
		b := f.book(t, 6005, "registration", at(8, 10, 0))
		if b.Desk != "A3" {
			t.Fatalf("booked desk %s on a closed desk's day", b.Desk)
		}
	})

	t.Run("ByStaffOfAnotherDepartmentForbidden", func(t *testing.T) {
		_, err := f.office.AddClosure(ctx, registryStaff, booking.Closure{
			Department: "civil-registry", From: booking.Date{Year: 2026, Month: 12, Day: 8}})
		wantCode(t, err, booking.EForbidden)
	})

	t.Run("CloseDayCancelsAndTellsEachCitizen", func(t *testing.T) {
		cancelled, err := f.office.CloseDay(ctx, civilStaff, "civil-registry", booking.Date{Year: 2026, Month: 12, Day: 8}, "απεργία")
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, b := range cancelled {
			refs = append(refs, b.Ref)
			if b.Status != booking.Cancelled {
				t.Fatalf("%s still %s", b.Ref, b.Status)
			}
			var n int
			if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = $2 AND recipient = $3`,
				b.ID, string(booking.NotifyDayClosed), strconv.FormatInt(b.Citizen.TelegramID, 10)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%s: %d day-closed notifications, want 1", b.Ref, n)
			}
			if got := f.outbox(t, b.ID); slices.ContainsFunc(got, func(s string) bool { return s[:16] == "citizen.reminder" }) {
				t.Fatalf("%s: reminders left: %q", b.Ref, got)
			}
		}
		if len(cancelled) != 3 || !slices.Contains(refs, b1.Ref) || !slices.Contains(refs, b2.Ref) {
			t.Fatalf("cancelled %q, want the three civil-registry bookings of 8 December", refs)
		}
		if other, _ := f.office.Booking(ctx, citizenActor(6003), b3.Ref); other.Status != booking.Active {
			t.Fatalf("booking of another day %s", other.Status)
		}
		day, err := f.office.DepartmentSlots(ctx, "civil-registry", booking.Date{Year: 2026, Month: 12, Day: 8})
		if err != nil || !day.Closed || day.Reason.EL != "απεργία" {
			t.Fatalf("closed day: %v %+v", err, day)
		}
		_, err = f.office.Book(ctx, booking.Request{Citizen: citizen(6010), Service: "family-status", Start: at(8, 11, 0)})
		wantCode(t, err, booking.EClosed)
	})
}

func TestQueries(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.book(t, 7001, "family-status", at(2, 9, 0))
	f.book(t, 7001, "record-copy", at(3, 9, 0))

	t.Run("MyBookingsInOrder", func(t *testing.T) {
		bs, err := f.office.MyBookings(ctx, 7001)
		if err != nil || len(bs) != 2 || bs[0].Ref != b.Ref {
			t.Fatalf("%v %+v", err, bs)
		}
	})
	t.Run("FindByRefAndPhoneOnlyOwnDepartment", func(t *testing.T) {
		got, err := f.office.Find(ctx, civilStaff, b.Ref)
		if err != nil || len(got) != 1 || got[0].ID != b.ID {
			t.Fatalf("by ref: %v %+v", err, got)
		}
		got, err = f.office.Find(ctx, civilStaff, "69 0000 7001")
		if err != nil || len(got) != 1 || got[0].Department != "civil-registry" {
			t.Fatalf("by phone: %v %+v", err, got)
		}
		got, err = f.office.Find(ctx, registryStaff, b.Ref)
		if err != nil || len(got) != 0 {
			t.Fatalf("other department sees %+v (%v)", got, err)
		}
	})
	t.Run("Roster", func(t *testing.T) {
		r, err := f.office.Roster(ctx, "civil-registry", booking.Date{Year: 2026, Month: 12, Day: 2})
		if err != nil || len(r.Bookings) != 1 || r.Closed {
			t.Fatalf("%v %+v", err, r)
		}
		if want := 6*60*3 - 15; r.FreeCapacity != want {
			t.Fatalf("free capacity %d, want %d", r.FreeCapacity, want)
		}
	})
	t.Run("FirstAvailable", func(t *testing.T) {
		s, err := f.office.FirstAvailable(ctx, "family-status")
		if err != nil || !s.Start.Equal(at(0, 9, 0)) {
			t.Fatalf("%v %+v", err, s)
		}
	})
	t.Run("AvailabilityLeavesOutTakenSlot", func(t *testing.T) {
		f.book(t, 7002, "transfer", at(2, 9, 0))
		day, err := f.office.FreeSlots(ctx, "transfer", booking.Date{Year: 2026, Month: 12, Day: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range day.Slots {
			if s.Start.Before(at(2, 9, 30)) && s.End.After(at(2, 9, 0)) {
				t.Fatalf("slot %s overlaps the booked 09:00-09:30 at the only desk", s.Start.In(athens))
			}
		}
		if len(day.Slots) == 0 {
			t.Fatal("no slots")
		}
	})
	t.Run("CitizenLang", func(t *testing.T) {
		if _, ok, err := f.office.CitizenLang(ctx, 7999); ok || err != nil {
			t.Fatalf("unknown citizen: ok %v err %v", ok, err)
		}
		if err := f.office.SetCitizenLang(ctx, 7999, booking.English); err != nil {
			t.Fatal(err)
		}
		if l, ok, err := f.office.CitizenLang(ctx, 7999); l != booking.English || !ok || err != nil {
			t.Fatalf("%q %v %v", l, ok, err)
		}
	})
}

// TestStaffBooking covers the check Slack makes before every staff action:
// staff see a booking of their own department whole, and of another one
// only which department it belongs to, so the refusal can say so.
func TestStaffBooking(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.book(t, 7101, "family-status", at(2, 9, 0))

	t.Run("OwnDepartmentWhole", func(t *testing.T) {
		got, err := f.office.StaffBooking(ctx, civilStaff, " "+b.Ref+" ")
		if err != nil || got.ID != b.ID || got.Citizen.Phone != b.Citizen.Phone {
			t.Fatalf("%v %+v", err, got)
		}
	})
	t.Run("OtherDepartmentOnlyItsName", func(t *testing.T) {
		got, err := f.office.StaffBooking(ctx, registryStaff, b.Ref)
		wantCode(t, err, booking.EForbidden)
		if want := (booking.Booking{Ref: b.Ref, Department: "civil-registry"}); got != want {
			t.Fatalf("refusal carries %+v, want only %+v", got, want)
		}
	})
	t.Run("CitizenForbidden", func(t *testing.T) {
		_, err := f.office.StaffBooking(ctx, citizenActor(7101), b.Ref)
		wantCode(t, err, booking.EForbidden)
	})
	t.Run("UnknownReference", func(t *testing.T) {
		_, err := f.office.StaffBooking(ctx, civilStaff, "ZZZZZZ")
		wantCode(t, err, booking.ENotFound)
	})
}
