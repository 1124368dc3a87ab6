package booking

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The second channel: staff book for a citizen who calls the call centre
// or stands at the counter. Such a citizen is known by their phone number
// (Citizen.ID, no TelegramID) until they share that same number as their
// own contact in the bot (LinkTelegram), when the two become one citizen.
// Every channel books from the same calendar, under the same rules and
// limits, through the same Store.Insert and its exclusion constraint.

// Via is the channel a booking was made through.
type Via string

const (
	ViaTelegram Via = "telegram" // the citizen, in the bot
	ViaPhone    Via = "phone"    // staff, for a citizen on the phone (the call centre)
	ViaDesk     Via = "desk"     // staff, for a citizen at the counter (a walk-in)
)

// ByStaff reports whether staff made b for a caller, by phone or at the
// desk, rather than the citizen in the bot.
func (b Booking) ByStaff() bool { return b.Via == ViaPhone || b.Via == ViaDesk }

// CallerRequest asks for a booking that staff make for a citizen.
type CallerRequest struct {
	Service string
	Start   time.Time // ignored by WalkIn, which takes the earliest free time of today
	Phone   string    // as typed: checked as the bot checks a typed number
	Name    string    // as typed: 2 to 80 characters, at least two letters, no digits
	Lang    Lang      // the citizen's language, for what the bot tells them; Greek if empty
	Via     Via       // ViaPhone or ViaDesk; ViaPhone if empty
	// IdempotencyKey makes a repeated submission (a double click, a
	// retried request) book once; optional.
	IdempotencyKey string
}

// CallerName tidies a name as staff type it and reports whether it looks
// like a person's name: 2 to 80 characters, at least two letters, no
// digits or control characters. The bot asks citizens for theirs by the
// same rule.
func CallerName(s string) (string, bool) {
	name := strings.Join(strings.Fields(s), " ")
	n, letters := utf8.RuneCountInString(name), 0
	if n < 2 || n > 80 || !plainText(name) {
		return "", false
	}
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			return "", false
		}
	}
	return name, letters >= 2
}

// caller checks r and returns the citizen it books for.
func (o *Office) caller(a Actor, r *CallerRequest) (Citizen, *Service, error) {
	if a.Kind != ActorStaff && a.Kind != ActorSystem {
		return Citizen{}, nil, Errorf(EForbidden, "book for a caller: %s may not", a.Kind)
	}
	svc, _, err := o.service(r.Service)
	if err != nil {
		return Citizen{}, nil, err
	}
	if err := o.mayActOn(a, svc.Department); err != nil {
		return Citizen{}, nil, err
	}
	phone, ok := ParsePhone(r.Phone)
	if !ok {
		return Citizen{}, nil, Errorf(EInvalid, "book for a caller: phone number")
	}
	name, ok := CallerName(r.Name)
	if !ok {
		return Citizen{}, nil, Errorf(EInvalid, "book for a caller: name")
	}
	switch r.Lang {
	case "":
		r.Lang = Greek
	case Greek, English:
	default:
		return Citizen{}, nil, Errorf(EInvalid, "book for a caller: language %q", r.Lang)
	}
	switch r.Via {
	case "":
		r.Via = ViaPhone
	case ViaPhone, ViaDesk:
	default:
		return Citizen{}, nil, Errorf(EInvalid, "book for a caller: channel %q", r.Via)
	}
	return Citizen{Name: name, Phone: phone, Lang: r.Lang}, svc, nil
}

// BookForCaller books r.Service at r.Start for the citizen with r.Phone,
// made by staff member a, who must be staff of the service's department.
// The citizen is the one that number identifies, whether they booked by
// phone before or linked it to their Telegram account: their limits count
// every channel, and a linked citizen is told on Telegram.
func (o *Office) BookForCaller(ctx context.Context, a Actor, r CallerRequest) (Booking, error) {
	c, svc, err := o.caller(a, &r)
	if err != nil {
		return Booking{}, err
	}
	desks, end, err := o.candidates(ctx, svc, r.Start)
	if err != nil {
		return o.repeated(ctx, err, r.IdempotencyKey, o.store.BookingByIdempotencyKey, func(b Booking) bool {
			return b.Citizen.Phone == c.Phone
		})
	}
	return o.insert(ctx, a, c, r.Via, svc, r.Start, end, desks, r.IdempotencyKey, 0)
}

// WalkIn books the earliest free time of today, from now on, for a citizen
// standing at the counter. When none is left today the error is
// ESlotTaken and NextFree tells when the next one is.
func (o *Office) WalkIn(ctx context.Context, a Actor, r CallerRequest) (Booking, error) {
	if r.Via == "" {
		r.Via = ViaDesk
	}
	c, svc, err := o.caller(a, &r)
	if err != nil {
		return Booking{}, err
	}
	now := o.now()
	today := DateOf(now, o.loc())
	busy, closures, err := o.load(ctx, svc.Department, today, today)
	if err != nil {
		return Booking{}, err
	}
	day := o.cal.ServiceDay(svc, today, busy, closures, now, today.AddDays(1).Midnight(o.loc()))
	if day.Closed {
		return Booking{}, Errorf(EClosed, "%s is closed today", svc.Department)
	}
	var last error = Errorf(ESlotTaken, "no free time of %s left today", svc.Code)
	for _, s := range day.Slots {
		desks := o.cal.FreeDesks(svc, s.Start, s.End, busy, closures)
		if len(desks) == 0 {
			continue
		}
		b, err := o.insert(ctx, a, c, r.Via, svc, s.Start, s.End, desks, r.IdempotencyKey, 0)
		if ErrorCode(err) != ESlotTaken {
			return b, err
		}
		last = err
	}
	return Booking{}, last
}

// NextFree returns up to n free start times of service at or after from,
// within the horizon, in order: what staff read out to a caller whose
// time was just taken.
func (o *Office) NextFree(ctx context.Context, service string, from time.Time, n int) ([]Slot, error) {
	start := DateOf(from, o.loc())
	today := DateOf(o.now(), o.loc())
	if start.Before(today) {
		start = today
	}
	days, err := o.Availability(ctx, service, start, today.AddDays(o.catalog.Horizon))
	if err != nil {
		return nil, err
	}
	var out []Slot
	for _, d := range days {
		for _, s := range d.Slots {
			if s.Start.Before(from) {
				continue
			}
			if out = append(out, s); len(out) == n {
				return out, nil
			}
		}
	}
	return out, nil
}

// LinkTelegram makes the Telegram user telegramID and the citizen known by
// phone one citizen, because the user shared that number as their own
// contact (which Telegram vouches for). The bookings made for that number
// by phone or at the desk become theirs: they appear under "my bookings",
// count towards their limits, and their notifications reach Telegram from
// then on. It returns how many bookings moved over. phone is in the stored
// form (ContactPhone).
func (o *Office) LinkTelegram(ctx context.Context, telegramID int64, phone string, lang Lang) (int, error) {
	if telegramID <= 0 {
		return 0, Errorf(EInvalid, "link: no Telegram user")
	}
	if _, ok := ContactPhone(phone); !ok {
		return 0, Errorf(EInvalid, "link: phone number")
	}
	if lang != Greek && lang != English {
		lang = Greek
	}
	return o.store.LinkTelegram(ctx, telegramID, phone, lang, o.now())
}
