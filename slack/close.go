package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Closing a day cancels every booking of it and tells each citizen: it
// cannot be taken back, so close first asks. The answer says what would
// be cancelled, to the staff member alone, with a button that carries the
// order (department, day, reason) and "keep open"; only the press closes,
// with the rights of who pressed checked again then.

// Action ids of the confirmation's buttons.
const (
	actionCloseConfirm = "rantevou_close_confirm"
	actionCloseKeep    = "rantevou_close_keep"
)

// closeOrder is what a confirmation button carries. Mac is an HMAC with
// the signing secret: the order the press carries out is the one the
// adapter wrote, whatever a client sends back.
type closeOrder struct {
	Dept   string `json:"d"`
	Day    string `json:"day"`
	Reason string `json:"r"`
	Asked  int64  `json:"t"` // Unix seconds: a question left for long counted bookings that may have changed
	Mac    string `json:"m"`
}

func (a *Adapter) closeMac(o closeOrder) string {
	m := hmac.New(sha256.New, []byte("rantevou close\x00"+a.cfg.SigningSecret))
	m.Write([]byte(o.Dept + "\x00" + o.Day + "\x00" + o.Reason + "\x00" + strconv.FormatInt(o.Asked, 10)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// closeAnswerable is how long a confirmation holds: as long as Slack lets
// its answer be posted, and short enough that the count it showed is
// still about right.
const closeAnswerable = 30 * time.Minute

// maxButtonValue is Slack's limit of a button's value.
const maxButtonValue = 2000

// cmdClose is "close DEPARTMENT DAY REASON…": it checks everything it can
// at once, then asks for confirmation.
func (a *Adapter) cmdClose(pr *locales.Printer, c slackapi.SlashCommand, depts, args []string) response {
	if len(args) < 2 {
		return ephemeral(pr.T("staff_usage", map[string]any{"Command": a.cfg.Command}))
	}
	// The department may be named in words («Γενικό Πρωτόκολλο»): it is
	// everything before the day.
	at := slices.IndexFunc(args, func(s string) bool { _, ok := a.parseDay(s); return ok })
	if at == 0 {
		// "close 2026-12-01 strike": the department is missing. Closing
		// cancels a whole day, so it is never guessed.
		return ephemeral(pr.T("staff_which_department", map[string]any{"Departments": strings.Join(depts, ", ")}))
	}
	if at < 0 {
		if _, ok := a.deptCode(args[0]); ok {
			return ephemeral(pr.T("staff_bad_date", map[string]any{"Value": escape(args[1])}))
		}
		return a.badArg(pr, depts, args[0])
	}
	dept, ok := a.deptCode(strings.Join(args[:at], " "))
	if !ok {
		return a.badArg(pr, depts, strings.Join(args[:at], " "))
	}
	if !slices.Contains(depts, dept) {
		return ephemeral(pr.T("staff_forbidden", map[string]any{"Department": dept}))
	}
	day, _ := a.parseDay(args[at])
	if day.Before(a.today()) {
		// Closing a past day would "cancel" the unmarked bookings of a day
		// gone by and tell those citizens so.
		return ephemeral(pr.T("staff_past_date", map[string]any{"Date": pr.Date(day)}))
	}
	reason := strings.Join(args[at+1:], " ")
	if reason == "" {
		return ephemeral(pr.T("staff_reason_required", nil))
	}
	order := closeOrder{Dept: dept, Day: day.String(), Reason: reason, Asked: a.cfg.Now().Unix()}
	order.Mac = a.closeMac(order)
	value, _ := json.Marshal(order)
	if len(value) > maxButtonValue {
		return ephemeral(pr.T("staff_close_confirm_reason_long", nil))
	}
	url := c.ResponseURL
	a.goSlow(func(ctx context.Context) {
		r, err := a.office.Roster(ctx, dept, day)
		if err != nil {
			a.log.Error("slack close: roster", "department", dept, "err", err)
			a.respond(ctx, url, ephemeral(pr.T("staff_error", nil)))
			return
		}
		if r.Closed {
			// A holiday, or a second close: said so, instead of a second
			// closure and a "0 cancelled" announcement.
			a.respond(ctx, url, ephemeral(a.alreadyClosed(pr, r)))
			return
		}
		a.respond(ctx, url, a.closeQuestion(pr, r, reason, string(value)))
	})
	return ephemeral(pr.T("staff_working", nil))
}

func (a *Adapter) alreadyClosed(pr *locales.Printer, r booking.Roster) string {
	return pr.T("staff_already_closed", map[string]any{
		"Department": a.office.Catalog().DepartmentName(r.Department).In(pr.Lang()),
		"Date":       pr.Date(r.Date),
		"Reason":     r.Reason.In(pr.Lang()),
	})
}

// closeQuestion asks to confirm closing r's day: how many bookings it
// cancels, how many of their citizens only a call reaches.
func (a *Adapter) closeQuestion(pr *locales.Printer, r booking.Roster, reason, value string) response {
	active, phoneOnly := 0, 0
	for _, b := range r.Bookings {
		if b.Status == booking.Active {
			active++
			if onlyByPhone(b) {
				phoneOnly++
			}
		}
	}
	data := map[string]any{
		"Department": a.office.Catalog().DepartmentName(r.Department).In(pr.Lang()),
		"Date":       pr.Date(r.Date),
		"Reason":     escape(reason),
	}
	text := pr.T("staff_close_confirm_question", data) + "\n"
	yes := pr.T("staff_close_confirm_yes_empty", data)
	if active == 0 {
		text += pr.T("staff_close_confirm_none", nil)
	} else {
		text += pr.N("staff_close_confirm_cancels", active, nil)
		yes = pr.N("staff_close_confirm_yes", active, data)
	}
	if phoneOnly > 0 {
		text += "\n" + pr.N("staff_close_confirm_phone", phoneOnly, nil)
	}
	confirm := slackapi.NewButtonBlockElement(actionCloseConfirm, value, plain(truncateRunes(yes, 75)))
	confirm.Style = slackapi.StyleDanger
	keep := slackapi.NewButtonBlockElement(actionCloseKeep, value, plain(truncateRunes(pr.T("staff_close_confirm_no", nil), 75)))
	return response{ResponseType: "ephemeral", Text: text, Blocks: []slackapi.Block{
		slackapi.NewSectionBlock(mrkdwn(text), nil, nil),
		slackapi.NewActionBlock("close_confirm", confirm, keep),
	}}
}

// pressClose carries out a confirmation button: close, or keep open. The
// button's message is replaced, so it cannot be pressed twice.
func (a *Adapter) pressClose(ctx context.Context, cb slackapi.InteractionCallback, act *slackapi.BlockAction) {
	user := cb.User.ID
	pr := a.userPrinter(user)
	url := cb.ResponseURL
	var o closeOrder
	if err := json.Unmarshal([]byte(act.Value), &o); err != nil || !hmac.Equal([]byte(o.Mac), []byte(a.closeMac(o))) {
		a.log.Warn("slack close: confirmation button with a wrong order", "user", user)
		a.respondLater(url, ephemeral(pr.T("staff_error", nil)))
		return
	}
	day, err := booking.ParseDate(o.Day)
	if err != nil {
		a.respondLater(url, ephemeral(pr.T("staff_error", nil)))
		return
	}
	data := map[string]any{
		"Department": a.office.Catalog().DepartmentName(o.Dept).In(pr.Lang()),
		"Date":       pr.Date(day),
		"Reason":     escape(o.Reason),
		"User":       user,
	}
	if act.ActionID == actionCloseKeep {
		a.respondLater(url, replace(pr.T("staff_close_confirm_kept", data)))
		return
	}
	if a.cfg.Now().Sub(time.Unix(o.Asked, 0)) > closeAnswerable {
		data["Command"] = a.cfg.Command
		a.respondLater(url, replace(pr.T("staff_close_confirm_stale", data)))
		return
	}
	// Who presses is checked now, not when asked: the rights may have
	// changed since, and the message may have been forwarded.
	if !slices.Contains(a.office.StaffDepartments(user), o.Dept) {
		a.respondLater(url, ephemeral(pr.T("staff_forbidden", map[string]any{"Department": data["Department"]})))
		return
	}
	if day.Before(a.today()) {
		a.respondLater(url, replace(pr.T("staff_past_date", map[string]any{"Date": pr.Date(day)})))
		return
	}
	actor := staffActor(user, cb.User.Name)
	a.goSlow(func(ctx context.Context) {
		if r, err := a.office.Roster(ctx, o.Dept, day); err == nil && r.Closed {
			a.respond(ctx, url, replace(a.alreadyClosed(pr, r)))
			return
		}
		cancelled, err := a.office.CloseDay(ctx, actor, o.Dept, day, o.Reason)
		if err != nil {
			a.respond(ctx, url, ephemeral(a.refusal(pr, err, "", o.Dept)))
			return
		}
		done := pr.N("staff_closed_done", len(cancelled), data)
		var calls []booking.Booking
		for _, b := range cancelled {
			if onlyByPhone(b) {
				calls = append(calls, b)
			}
		}
		mine, channel := done, done
		if len(calls) > 0 {
			// The channel reads how many to call; only the staff member
			// who closed reads their numbers.
			channel += "\n" + pr.N("staff_close_call_note", len(calls), data)
			mine += "\n" + pr.N("staff_close_call_header", len(calls), nil) + "\n" + a.callLines(pr, calls, true)
		}
		a.respond(ctx, url, replace(mine))
		a.respond(ctx, url, response{ResponseType: "in_channel", Text: channel})
	})
}

// replace is an ephemeral answer that takes the place of the message whose
// button was pressed.
func replace(text string) response {
	return response{ResponseType: "ephemeral", Text: text, ReplaceOriginal: true}
}

// callLines lists citizens to phone, one a line.
func (a *Adapter) callLines(pr *locales.Printer, bs []booking.Booking, full bool) string {
	lines := make([]string, 0, len(bs))
	for _, b := range bs {
		lines = append(lines, pr.T("staff_roster_call_line", map[string]any{
			"Time":  pr.Time(b.Start, a.loc),
			"Ref":   b.Ref,
			"Name":  escape(b.Citizen.Name),
			"Phone": phoneShown(b.Citizen.Phone, full),
			"Hint":  a.findHint(pr, b.Ref, full),
		}))
	}
	return strings.Join(lines, "\n")
}
