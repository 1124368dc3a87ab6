package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// The text forms of the second channel: staff book for a citizen on the
// phone (book), at the counter (walkin), and move a booking (move), from
// the same calendar and under the same rules as the bot. Each answer is
// ephemeral, to the staff member who typed it, so it may show the
// citizen's number in full: they read it back to the caller.

// callerActions are the Office's actions for the second channel;
// *booking.Office implements them.
type callerActions interface {
	BookForCaller(ctx context.Context, a booking.Actor, r booking.CallerRequest) (booking.Booking, error)
	WalkIn(ctx context.Context, a booking.Actor, r booking.CallerRequest) (booking.Booking, error)
	NextFree(ctx context.Context, service string, from time.Time, n int) ([]booking.Slot, error)
	Reschedule(ctx context.Context, a booking.Actor, ref string, start time.Time, idempotencyKey string) (booking.Booking, error)
	Unmark(ctx context.Context, a booking.Actor, ref string) (booking.Booking, error)
	FreeSlots(ctx context.Context, service string, d booking.Date) (booking.Day, error)
	Availability(ctx context.Context, service string, from, to booking.Date) ([]booking.Day, error)
}

// nextShown is how many free times a refusal offers instead.
const nextShown = 6

// cmdBook is "book SERVICE DATE HH:MM PHONE NAME…"; without arguments it
// opens the "Book for a caller" modal.
func (a *Adapter) cmdBook(ctx context.Context, pr *locales.Printer, c slackapi.SlashCommand, actor booking.Actor, depts, args []string) response {
	if len(args) == 0 {
		if err := a.openBookModal(ctx, c.TriggerID, c.UserID); err != nil {
			return ephemeral(pr.T("staff_error", nil))
		}
		return response{}
	}
	if len(args) < 5 {
		return ephemeral(pr.T("staff_book_usage", map[string]any{"Command": a.cfg.Command}))
	}
	svc, refusal, ok := a.staffService(pr, depts, args[0])
	if !ok {
		return refusal
	}
	start, refusal, ok := a.typedStart(pr, args[1], args[2])
	if !ok {
		return refusal
	}
	phone, name, lang, refusal, ok := callerOf(pr, args[3:])
	if !ok {
		return refusal
	}
	b, err := a.office.BookForCaller(ctx, actor, booking.CallerRequest{
		Service: svc.Code, Start: start, Phone: phone, Name: name, Lang: lang, Via: booking.ViaPhone,
		IdempotencyKey: commandKey(c),
	})
	if err != nil {
		return ephemeral(a.slotRefusal(ctx, pr, err, svc, start, phone))
	}
	return ephemeral(a.bookedText(pr, "staff_book_done", b))
}

// cmdWalkin is "walkin SERVICE PHONE NAME…": the earliest free time of
// today for the citizen at the counter.
func (a *Adapter) cmdWalkin(ctx context.Context, pr *locales.Printer, c slackapi.SlashCommand, actor booking.Actor, depts, args []string) response {
	if len(args) < 3 {
		return ephemeral(pr.T("staff_walkin_usage", map[string]any{"Command": a.cfg.Command}))
	}
	svc, refusal, ok := a.staffService(pr, depts, args[0])
	if !ok {
		return refusal
	}
	phone, name, lang, refusal, ok := callerOf(pr, args[1:])
	if !ok {
		return refusal
	}
	b, err := a.office.WalkIn(ctx, actor, booking.CallerRequest{
		Service: svc.Code, Phone: phone, Name: name, Lang: lang, Via: booking.ViaDesk,
		IdempotencyKey: commandKey(c),
	})
	if err == nil {
		return ephemeral(a.bookedText(pr, "staff_walkin_done", b))
	}
	var text string
	switch booking.ErrorCode(err) {
	case booking.ESlotTaken:
		text = pr.T("staff_walkin_none", map[string]any{"Service": svc.Name.In(pr.Lang())})
	case booking.EClosed:
		text = pr.T("staff_walkin_closed", map[string]any{"Department": a.office.Catalog().DepartmentName(svc.Department).In(pr.Lang())})
	default:
		return ephemeral(a.callerRefusal(pr, err, svc, phone))
	}
	return ephemeral(text + "\n" + a.nextFreeText(ctx, pr, svc, a.cfg.Now()))
}

// cmdMove is "move REF DATE HH:MM": one atomic move, told to the citizen.
func (a *Adapter) cmdMove(ctx context.Context, pr *locales.Printer, c slackapi.SlashCommand, actor booking.Actor, args []string) response {
	if len(args) != 3 {
		return ephemeral(pr.T("staff_move_usage", map[string]any{"Command": a.cfg.Command}))
	}
	ref := strings.ToUpper(args[0])
	start, refusal, ok := a.typedStart(pr, args[1], args[2])
	if !ok {
		return refusal
	}
	_, text, _ := a.move(ctx, pr, actor, ref, start, commandKey(c), true)
	return ephemeral(text)
}

// typedStart reads the day and the time of day a command names, or says
// which is wrong.
func (a *Adapter) typedStart(pr *locales.Printer, dayArg, clockArg string) (time.Time, response, bool) {
	day, ok := a.parseDay(dayArg)
	if !ok {
		return time.Time{}, ephemeral(pr.T("staff_bad_date", map[string]any{"Value": escape(dayArg)})), false
	}
	clock, ok := parseClock(clockArg)
	if !ok {
		return time.Time{}, ephemeral(pr.T("staff_book_bad_time", map[string]any{"Value": escape(clockArg)})), false
	}
	return day.At(clock, a.loc), response{}, true
}

// move moves ref to start for a staff member and returns the booking
// moved, what to tell them, and whether it worked; full says whether the
// answer is theirs alone, and so may show the citizen's number in full.
func (a *Adapter) move(ctx context.Context, pr *locales.Printer, actor booking.Actor, ref string, start time.Time, key string, full bool) (booking.Booking, string, bool) {
	b, err := a.office.StaffBooking(ctx, actor, ref)
	if err != nil {
		return b, a.refusal(pr, err, ref, a.office.Catalog().DepartmentName(b.Department).In(pr.Lang())), false
	}
	if b.Status != booking.Active {
		return b, pr.T("staff_conflict", map[string]any{"Ref": b.Ref}), false
	}
	svc, ok := a.office.Catalog().Service(b.Service)
	if !ok {
		return b, pr.T("staff_error", nil), false
	}
	moved, err := a.office.Reschedule(ctx, actor, b.Ref, start, key)
	if err != nil {
		if c := booking.ErrorCode(err); c == booking.ENotFound || c == booking.EForbidden || c == booking.EConflict {
			return b, a.refusal(pr, err, ref, a.office.Catalog().DepartmentName(b.Department).In(pr.Lang())), false
		}
		return b, a.slotRefusal(ctx, pr, err, svc, start, ""), false
	}
	d := a.bookingData(pr, moved)
	d["User"] = actor.ID
	d["OldWhen"] = pr.When(b.Start, a.loc)
	text := pr.T("staff_move_done", d)
	if reach := a.reachText(pr, moved, full); reach != "" {
		text += "\n" + reach
	} else if moved.Citizen.TelegramID != 0 {
		text += "\n" + pr.T("staff_move_told", nil)
	}
	return moved, text, true
}

// staffService finds the service code typed, among the staff member's
// departments' services, or says what is wrong.
func (a *Adapter) staffService(pr *locales.Printer, depts []string, typed string) (*booking.Service, response, bool) {
	cat := a.office.Catalog()
	for i := range cat.Services {
		svc := &cat.Services[i]
		if !strings.EqualFold(svc.Code, typed) {
			continue
		}
		if !slices.Contains(depts, svc.Department) {
			return nil, ephemeral(pr.T("staff_forbidden", map[string]any{"Department": cat.DepartmentName(svc.Department).In(pr.Lang())})), false
		}
		return svc, response{}, true
	}
	var codes []string
	for _, d := range depts {
		for _, s := range cat.ServicesOf(d) {
			codes = append(codes, s.Code)
		}
	}
	return nil, ephemeral(pr.T("staff_book_unknown_service", map[string]any{
		"Value": escape(typed), "Services": strings.Join(codes, ", "),
	})), false
}

// callerOf reads "PHONE NAME… [en]": the number is the words before the
// first with a letter (staff type it grouped, "691 234 5678", as often as
// not), the name the rest, but for a last word "en" for a citizen the bot
// should speak English to (Greek otherwise). Number and name are checked
// here, to say which is wrong; the Office checks them again by the same
// rules.
func callerOf(pr *locales.Printer, args []string) (phone, name string, lang booking.Lang, refusal response, ok bool) {
	lang = booking.Greek
	if n := len(args); n > 2 && strings.EqualFold(args[n-1], "en") {
		lang, args = booking.English, args[:n-1]
	}
	i := 0
	for i < len(args) && !strings.ContainsFunc(args[i], unicode.IsLetter) {
		i++
	}
	phone = strings.Join(args[:i], "")
	if _, valid := booking.ParsePhone(phone); !valid {
		shown := strings.Join(args[:i], " ")
		if i == 0 && len(args) > 0 {
			shown = args[0]
		}
		return "", "", "", ephemeral(pr.T("staff_book_bad_phone", map[string]any{"Value": escape(shown)})), false
	}
	name, valid := booking.CallerName(strings.Join(args[i:], " "))
	if !valid {
		return "", "", "", ephemeral(pr.T("staff_book_bad_name", nil)), false
	}
	return phone, name, lang, response{}, true
}

// parseClock reads a time of day as staff type it: 09:30, 9:30 or 9.30.
func parseClock(s string) (booking.Clock, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		h, m, ok = strings.Cut(s, ".")
	}
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || h[0] == '-' {
		return 0, false
	}
	return booking.Clock(hh*60 + mm), true
}

// commandKey makes a command delivered twice (a retried request, Socket
// Mode redelivering) book once: Slack gives each invocation its own
// trigger_id. Who typed what goes into the key too, so that a trigger_id
// given again (a stand-in counting from 1 after a restart) cannot return
// another command's booking.
func commandKey(c slackapi.SlashCommand) string {
	if c.TriggerID == "" {
		return ""
	}
	h := sha256.Sum256([]byte(c.TeamID + "\x00" + c.UserID + "\x00" + c.TriggerID + "\x00" + c.Text))
	return "slack-cmd:" + hex.EncodeToString(h[:16])
}

// bookedText is what staff read out to the citizen: the reference, when,
// where, what to bring, and whether the bot tells them too.
func (a *Adapter) bookedText(pr *locales.Printer, id string, b booking.Booking) string {
	d := a.bookingData(pr, b)
	text := pr.T(id, d)
	if b.Citizen.TelegramID != 0 {
		return text + "\n" + pr.T("staff_book_on_telegram", nil)
	}
	return text + "\n" + pr.T("staff_book_read_out", nil)
}

// slotRefusal says why start could not be booked (or moved to) for svc,
// and offers the next free times; phone is the number typed, for a limit.
func (a *Adapter) slotRefusal(ctx context.Context, pr *locales.Printer, err error, svc *booking.Service, start time.Time, phone string) string {
	day := booking.DateOf(start, a.loc)
	data := map[string]any{
		"Service": svc.Name.In(pr.Lang()),
		"Date":    pr.Date(day),
		"Time":    pr.Time(start, a.loc),
		"Horizon": a.office.Catalog().Horizon,
	}
	var text string
	switch booking.ErrorCode(err) {
	case booking.ESlotTaken:
		text = pr.T("staff_book_taken", data)
	case booking.EClosed, booking.EInvalid:
		text = pr.T("staff_book_closed", data)
		if fd, ferr := a.office.FreeSlots(ctx, svc.Code, day); ferr == nil && fd.Closed {
			data["Department"] = a.office.Catalog().DepartmentName(svc.Department).In(pr.Lang())
			data["Reason"] = fd.Reason.In(pr.Lang())
			text = pr.T("staff_book_closed_day", data)
		}
	default:
		return a.callerRefusal(pr, err, svc, phone)
	}
	from := start
	if now := a.cfg.Now(); from.Before(now) {
		from = now
	}
	return text + "\n" + a.nextFreeText(ctx, pr, svc, from)
}

// callerRefusal is the answer to the refusals that free times do not help.
func (a *Adapter) callerRefusal(pr *locales.Printer, err error, svc *booking.Service, phone string) string {
	cat := a.office.Catalog()
	switch booking.ErrorCode(err) {
	case booking.ELimit:
		return pr.T("staff_book_limit", map[string]any{
			"Phone":      phoneShown(normalizedPhone(phone), true),
			"Max":        cat.MaxActive,
			"PerService": cat.MaxPerService,
			"Command":    a.cfg.Command,
			"Find":       strings.TrimPrefix(normalizedPhone(phone), "+30"),
		})
	case booking.EForbidden:
		return pr.T("staff_forbidden", map[string]any{"Department": cat.DepartmentName(svc.Department).In(pr.Lang())})
	case booking.EInvalid:
		return pr.T("staff_invalid_input", nil)
	}
	a.log.Error("slack staff booking failed", "service", svc.Code, "code", string(booking.ErrorCode(err)), "err", err)
	return pr.T("staff_error", nil)
}

func normalizedPhone(typed string) string {
	if p, ok := booking.ParsePhone(typed); ok {
		return p
	}
	return typed
}

// nextFreeText lists the next free times of svc from from on, by day.
func (a *Adapter) nextFreeText(ctx context.Context, pr *locales.Printer, svc *booking.Service, from time.Time) string {
	slots, err := a.office.NextFree(ctx, svc.Code, from, nextShown)
	if err != nil {
		a.log.Error("slack next free times", "service", svc.Code, "err", err)
		return ""
	}
	if len(slots) == 0 {
		return pr.T("staff_book_next_none", map[string]any{"Horizon": a.office.Catalog().Horizon})
	}
	return pr.T("staff_book_next", map[string]any{"Times": a.slotsText(pr, slots)})
}

// slotsText reads "Δευτέρα 14 Δεκεμβρίου 09:45, 10:00 · Τρίτη 15
// Δεκεμβρίου 08:00".
func (a *Adapter) slotsText(pr *locales.Printer, slots []booking.Slot) string {
	var parts []string
	var last booking.Date
	for _, s := range slots {
		d := booking.DateOf(s.Start, a.loc)
		if d != last || len(parts) == 0 {
			parts = append(parts, pr.Date(d)+" "+pr.Time(s.Start, a.loc))
			last = d
			continue
		}
		parts[len(parts)-1] += ", " + pr.Time(s.Start, a.loc)
	}
	return strings.Join(parts, " · ")
}

// reachText tells staff, for a citizen without a linked Telegram account,
// that only a phone call tells them of a change, with the number in full
// or masked (full: only the staff member who acted reads it).
func (a *Adapter) reachText(pr *locales.Printer, b booking.Booking, full bool) string {
	if !onlyByPhone(b) {
		return ""
	}
	id := "staff_reach_call"
	if b.Status == booking.Cancelled {
		id = "staff_reach_call_cancelled"
	}
	return pr.T(id, map[string]any{
		"Name":  escape(b.Citizen.Name),
		"Phone": phoneShown(b.Citizen.Phone, full),
		"Hint":  a.findHint(pr, b.Ref, full),
	})
}

// onlyByPhone reports whether b's citizen hears of a change only by a
// call: no linked Telegram account, and a number to call.
func onlyByPhone(b booking.Booking) bool {
	return b.Citizen.TelegramID == 0 && b.Citizen.Phone != ""
}

// findHint tells where the full number is, after a masked one.
func (a *Adapter) findHint(pr *locales.Printer, ref string, full bool) string {
	if full {
		return ""
	}
	return " " + pr.T("staff_reach_find_hint", map[string]any{"Command": a.cfg.Command, "Ref": ref})
}
