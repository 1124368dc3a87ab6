package booking_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func caller(service string, start time.Time, phone string) booking.CallerRequest {
	return booking.CallerRequest{Service: service, Start: start, Phone: phone, Name: "Μαρία Παπαδοπούλου", Via: booking.ViaPhone}
}

// TestBookForCaller: the call centre books on the same calendar and rules
// as the bot, for a citizen known by their number, and refuses what the
// bot would refuse without writing anything.
func TestBookForCaller(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(2, 9, 0), "691 234 5678"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Via != booking.ViaPhone || b.Citizen.TelegramID != 0 || b.Citizen.ID == 0 || b.Citizen.Phone != "+306912345678" ||
		b.Citizen.Name != "Μαρία Παπαδοπούλου" || b.Citizen.Lang != booking.Greek {
		t.Fatalf("booking %+v", b)
	}
	if got := f.auditActions(t, b.ID); !slices.Equal(got, []string{"staff:U0EXAMPLE1:book"}) {
		t.Fatalf("audit %q", got)
	}
	// The confirmation waits for a Telegram account: none is named.
	if got := f.outbox(t, b.ID); len(got) == 0 || got[0] != "citizen.confirmed telegram: @11-30 07:00" {
		t.Fatalf("outbox %q", got)
	}

	before := f.rowCounts(t)
	for _, c := range []struct {
		name  string
		actor booking.Actor
		r     booking.CallerRequest
		want  booking.Code
	}{
		{"OtherDepartment", registryStaff, caller("family-status", at(2, 10, 0), "6912345670"), booking.EForbidden},
		{"Citizen", citizenActor(7), caller("family-status", at(2, 10, 0), "6912345670"), booking.EForbidden},
		{"BadPhone", civilStaff, caller("family-status", at(2, 10, 0), "12345"), booking.EInvalid},
		{"BadName", civilStaff, booking.CallerRequest{Service: "family-status", Start: at(2, 10, 0), Phone: "6912345670", Name: "4"}, booking.EInvalid},
		{"Sunday", civilStaff, caller("family-status", at(6, 10, 0), "6912345670"), booking.EClosed},
		{"UnknownService", civilStaff, caller("passport", at(2, 10, 0), "6912345670"), booking.ENotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.office.BookForCaller(ctx, c.actor, c.r)
			wantCode(t, err, c.want)
		})
	}
	if got := f.rowCounts(t); got != before {
		t.Fatalf("rows %v after refusals, want %v: a refusal writes nothing", got, before)
	}

	// One number is one citizen: their limits count every booking made for it.
	if _, err := f.office.BookForCaller(ctx, civilStaff, caller("birth-certificate", at(3, 9, 0), "+30 6912345678")); err != nil {
		t.Fatal(err)
	}
	_, err = f.office.BookForCaller(ctx, civilStaff, caller("registration", at(4, 9, 0), "00306912345678"))
	wantCode(t, err, booking.ELimit)
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE phone_key = '+306912345678' AND telegram_id IS NULL`); n != 1 {
		t.Fatalf("%d citizens for one number", n)
	}
}

// TestBookForCallerSlotTaken: three desks, three takers; the fourth
// caller hears it is taken, and NextFree offers the times after it.
func TestBookForCallerSlotTaken(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	start := at(2, 9, 0)
	for i := range 3 {
		if _, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", start, "691234560"+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", start, "6912345609"))
	wantCode(t, err, booking.ESlotTaken)
	next, err := f.office.NextFree(ctx, "family-status", start, 3)
	if err != nil || len(next) != 3 {
		t.Fatalf("next free: %v %v", next, err)
	}
	for i, s := range next {
		if want := start.Add(time.Duration(i+1) * 15 * time.Minute); !s.Start.Equal(want) {
			t.Fatalf("next free %d at %s, want %s", i, s.Start, want)
		}
	}
}

// TestWalkIn books the earliest free time of today from now on, and says
// so when none is left.
func TestWalkIn(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	*f.clock = at(1, 9, 7) // Tuesday 1 December, 09:07: no notice at the counter
	r := booking.CallerRequest{Service: "family-status", Phone: "6912345678", Name: "Γιώργος Νικολάου"}
	b, err := f.office.WalkIn(ctx, civilStaff, r)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Start.Equal(at(1, 9, 15)) || b.Via != booking.ViaDesk {
		t.Fatalf("walk-in at %s via %s, want 09:15 at the desk", b.Start.In(athens), b.Via)
	}
	*f.clock = at(1, 13, 50)
	r.Phone = "6912345679"
	_, err = f.office.WalkIn(ctx, civilStaff, r)
	wantCode(t, err, booking.ESlotTaken)
	_, err = f.office.WalkIn(ctx, registryStaff, r)
	wantCode(t, err, booking.EForbidden)
}

// TestLinkTelegram: a citizen booked by phone who later shares that number
// as their own contact in the bot becomes one citizen with their Telegram
// account: the phone bookings are theirs, count towards their limits, and
// reach them on Telegram.
func TestLinkTelegram(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const maria = 7001
	phoned, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(2, 9, 0), "6912345678"))
	if err != nil {
		t.Fatal(err)
	}
	if mine, err := f.office.MyBookings(ctx, maria); err != nil || len(mine) != 0 {
		t.Fatalf("before linking: %v %v", mine, err)
	}
	n, err := f.office.LinkTelegram(ctx, maria, "+306912345678", booking.English)
	if err != nil || n != 1 {
		t.Fatalf("link: %d %v", n, err)
	}
	mine, err := f.office.MyBookings(ctx, maria)
	if err != nil || len(mine) != 1 || mine[0].Ref != phoned.Ref || mine[0].Citizen.TelegramID != maria {
		t.Fatalf("my bookings after linking: %+v %v", mine, err)
	}
	// Notifications of the phone booking go to her chat from now on.
	if b, err := f.store.BookingByID(ctx, phoned.ID); err != nil || b.Citizen.TelegramID != maria {
		t.Fatalf("booking read for delivery: %+v %v", b, err)
	}
	// She may act on it as her own.
	if _, err := f.office.Booking(ctx, citizenActor(maria), phoned.Ref); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE phone_key = '+306912345678'`); n != 1 {
		t.Fatalf("%d citizens hold the number", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'link' AND actor_id = '7001'`); n != 1 {
		t.Fatalf("%d audit rows of the link", n)
	}
	// The call centre's next booking for the number is hers too …
	second, err := f.office.BookForCaller(ctx, civilStaff, caller("birth-certificate", at(3, 9, 0), "6912345678"))
	if err != nil {
		t.Fatal(err)
	}
	if second.Citizen.TelegramID != maria {
		t.Fatalf("second phone booking belongs to %+v", second.Citizen)
	}
	// … and her limit (two) counts both channels.
	_, err = f.office.Book(ctx, booking.Request{Citizen: citizen(maria), Service: "record-copy", Start: at(4, 9, 0)})
	wantCode(t, err, booking.ELimit)
	// Linking again changes nothing.
	if n, err := f.office.LinkTelegram(ctx, maria, "+306912345678", booking.English); err != nil || n != 0 {
		t.Fatalf("link again: %d %v", n, err)
	}
	// The number changes hands: the new owner links it, Maria keeps her bookings.
	if n, err := f.office.LinkTelegram(ctx, 7002, "+306912345678", booking.Greek); err != nil || n != 0 {
		t.Fatalf("link by the new owner: %d %v", n, err)
	}
	if mine, _ := f.office.MyBookings(ctx, maria); len(mine) != 2 {
		t.Fatalf("Maria has %d bookings after the number moved", len(mine))
	}
	if mine, _ := f.office.MyBookings(ctx, 7002); len(mine) != 0 {
		t.Fatalf("the new owner has %d bookings", len(mine))
	}
	_, err = f.office.LinkTelegram(ctx, maria, "12", booking.Greek)
	wantCode(t, err, booking.EInvalid)
}

// TestCloseDayTwiceAtOnce: two clerks press "close" for the same day at
// the same moment; the day is closed once, its bookings cancelled once,
// and the second hears it was closed already.
func TestCloseDayTwiceAtOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	day := booking.DateOf(at(3, 9, 0), athens)
	for i := range 3 {
		f.book(t, int64(5100+i), "family-status", at(3, 9, 0))
	}
	type outcome struct {
		n   int
		err error
	}
	results := make(chan outcome, 2)
	for range 2 {
		go func() {
			bs, err := f.office.CloseDay(ctx, civilStaff, "civil-registry", day, "απεργία")
			results <- outcome{len(bs), err}
		}()
	}
	a, b := <-results, <-results
	if a.err != nil {
		a, b = b, a
	}
	if a.err != nil || a.n != 3 {
		t.Fatalf("first close: %d cancelled, %v", a.n, a.err)
	}
	wantCode(t, b.err, booking.EConflict)
	if n := f.count(t, `SELECT count(*) FROM closures WHERE department = 'civil-registry' AND NOT static`); n != 1 {
		t.Fatalf("%d closures stored", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'cancel'`); n != 3 {
		t.Fatalf("%d cancellations in the audit log, want 3", n)
	}
}

// TestCallerBookedForToday: the department hears of a booking for today
// made by phone, as of one made in the bot.
func TestCallerBookedForToday(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(0, 10, 0), "6912345678"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.outbox(t, b.ID); !slices.Contains(got, "staff.today slack:civil-registry @11-30 07:00") {
		t.Fatalf("outbox %q", got)
	}
}

// TestLinkTelegramRace: the call centre books for a number while ten
// Telegram accounts share it as their own at once (a number that changed
// hands, shared on every phone of a family): nothing fails, the number
// ends with exactly one of them, and the phone booking belongs to one
// citizen.
func TestLinkTelegramRace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(2, 9, 0), "6912345678")); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 11)
	for i := range 10 {
		go func() {
			_, err := f.office.LinkTelegram(ctx, int64(9300+i), "+306912345678", booking.Greek)
			errs <- err
		}()
	}
	go func() {
		_, err := f.office.BookForCaller(ctx, civilStaff, caller("birth-certificate", at(3, 9, 0), "6912345678"))
		errs <- err
	}()
	for range 11 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE phone_key = '+306912345678'`); n != 1 {
		t.Fatalf("%d citizens hold the number", n)
	}
	if n := f.count(t, `SELECT count(DISTINCT citizen) FROM bookings`); n > 2 {
		t.Fatalf("two bookings for one number belong to %d citizens", n)
	}
	if n := f.count(t, `SELECT count(*) FROM bookings b JOIN citizens c ON c.id = b.citizen WHERE c.telegram_id IS NULL AND c.phone_key IS NULL`); n != 0 {
		t.Fatalf("%d bookings belong to a citizen known by nothing", n)
	}
}

// TestLinkTelegramUnheldRace: ten Telegram accounts share a number no one
// holds yet, at once, while the call centre makes its first booking for
// it: the first link takes it in one statement, the others find it held.
// Nothing fails, the number ends with exactly one of them, no booking
// belongs to a citizen known by nothing, and every link that took the
// number is in the audit log.
func TestLinkTelegramUnheldRace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	errs := make(chan error, 11)
	for i := range 10 {
		go func() {
			_, err := f.office.LinkTelegram(ctx, int64(9400+i), "+306912345679", booking.Greek)
			errs <- err
		}()
	}
	go func() {
		_, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(2, 9, 0), "6912345679"))
		errs <- err
	}()
	for range 11 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE phone_key = '+306912345679'`); n != 1 {
		t.Fatalf("%d citizens hold the number", n)
	}
	if n := f.count(t, `SELECT count(*) FROM citizens WHERE phone_key = '+306912345679' AND telegram_id BETWEEN 9400 AND 9409`); n != 1 {
		t.Fatal("the number is not held by one of the accounts that shared it")
	}
	if n := f.count(t, `SELECT count(*) FROM bookings b JOIN citizens c ON c.id = b.citizen WHERE c.telegram_id IS NULL AND c.phone_key IS NULL`); n != 0 {
		t.Fatalf("%d bookings belong to a citizen known by nothing", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'link'`); n < 1 || n > 10 {
		t.Fatalf("%d audit rows of links", n)
	}
	// Linking again is one read: no second audit row.
	holder := f.count(t, `SELECT telegram_id FROM citizens WHERE phone_key = '+306912345679'`)
	before := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'link'`)
	if n, err := f.office.LinkTelegram(ctx, int64(holder), "+306912345679", booking.Greek); err != nil || n != 0 {
		t.Fatalf("link again: %d %v", n, err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'link'`); n != before {
		t.Fatal("linking again wrote an audit row")
	}
}

// TestConfirmInChat: with the conversation showing confirmations, the
// outbox row of a booking made in the bot is written delivered, kept as
// the record and claimed by no worker; one made by phone is not, as no
// conversation showed it.
func TestConfirmInChat(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.office.ConfirmInChat()
	inBot := f.book(t, 5301, "family-status", at(2, 9, 0))
	phoned, err := f.office.BookForCaller(ctx, civilStaff, caller("family-status", at(2, 9, 15), "6912345678"))
	if err != nil {
		t.Fatal(err)
	}
	q := `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.confirmed' AND delivered_at IS NOT NULL`
	if n := f.count(t, q, inBot.ID); n != 1 {
		t.Fatal("the bot's booking: its confirmation is not recorded as delivered")
	}
	if n := f.count(t, q, phoned.ID); n != 0 {
		t.Fatal("the phone booking's confirmation is marked delivered before anyone sent it")
	}
	moved, err := f.office.Reschedule(ctx, citizenActor(5301), inBot.Ref, at(2, 10, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.rescheduled' AND delivered_at IS NOT NULL`, moved.ID); n != 1 {
		t.Fatal("the citizen's own move is not recorded as delivered")
	}
	if _, err := f.office.Reschedule(ctx, civilStaff, inBot.Ref, at(2, 11, 0), ""); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE booking_id = $1 AND kind = 'citizen.rescheduled' AND delivered_at IS NULL`, moved.ID); n != 1 {
		t.Fatal("a move by staff must wait for a worker to tell the citizen")
	}
}
