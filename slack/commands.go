package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// quick bounds the work done before answering Slack, which gives up after
// three seconds.
const quick = 2500 * time.Millisecond

// response is the JSON body of a command answer or of a response_url post.
type response struct {
	ResponseType    string           `json:"response_type,omitempty"` // "in_channel" or "ephemeral"
	Text            string           `json:"text"`
	Blocks          []slackapi.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool             `json:"replace_original"`
}

func ephemeral(text string) response { return response{ResponseType: "ephemeral", Text: text} }

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	cmd, err := slackapi.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), quick)
	defer cancel()
	out := a.handleCommand(ctx, cmd)
	if out.empty() {
		// Nothing to say (a modal opened instead): Slack takes an empty
		// 200 as the acknowledgement.
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, out)
}

// empty reports whether r says nothing.
func (r response) empty() bool { return r.Text == "" && len(r.Blocks) == 0 }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// handleCommand answers one slash command. Fast commands answer at once;
// close and roster answer "one moment" and post the result to response_url.
func (a *Adapter) handleCommand(ctx context.Context, c slackapi.SlashCommand) response {
	pr := a.userPrinter(c.UserID)
	if !typedText(c.Text) {
		// A NUL (%00) or another control character: PostgreSQL would
		// refuse it as an internal error, and no argument has one.
		return ephemeral(pr.T("staff_invalid_input", nil))
	}
	fields := strings.Fields(c.Text)
	verb := ""
	if len(fields) > 0 {
		verb = strings.ToLower(fields[0])
		fields = fields[1:]
	}
	if verb == "" || verb == "help" {
		return ephemeral(pr.T("staff_help", map[string]any{"Command": a.cfg.Command}))
	}
	depts := a.office.StaffDepartments(c.UserID)
	if len(depts) == 0 {
		return ephemeral(pr.T("staff_no_department", nil))
	}
	actor := staffActor(c.UserID, c.UserName)
	switch verb {
	case "roster":
		return a.cmdRoster(pr, c, depts, fields)
	case "cancel":
		return a.cmdCancel(ctx, pr, actor, fields)
	case "close":
		return a.cmdClose(pr, c, depts, fields)
	case "find":
		return a.cmdFind(ctx, pr, actor, depts, fields)
	case "book":
		return a.cmdBook(ctx, pr, c, actor, depts, fields)
	case "walkin", "walk-in":
		return a.cmdWalkin(ctx, pr, c, actor, depts, fields)
	case "move":
		return a.cmdMove(ctx, pr, c, actor, fields)
	case "waitlist", "αναμονή", "αναμονη":
		return ephemeral(a.cmdWaitlist(ctx, pr, actor, depts, fields))
	}
	return ephemeral(pr.T("staff_usage", map[string]any{"Command": a.cfg.Command}))
}

// parseDay reads today, tomorrow (also in Greek), YYYY-MM-DD, or a day and
// month as Greek staff write them, 3/12 or 3/12/2026: without a year, the
// next such day from today on.
func (a *Adapter) parseDay(s string) (booking.Date, bool) {
	switch strings.ToLower(s) {
	case "today", "σήμερα", "σημερα":
		return a.today(), true
	case "tomorrow", "αύριο", "αυριο":
		return a.today().AddDays(1), true
	}
	if d, err := booking.ParseDate(s); err == nil {
		return d, true
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' })
	if len(parts) < 2 || len(parts) > 3 {
		return booking.Date{}, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) > 4 {
			return booking.Date{}, false
		}
		nums[i] = n
	}
	today := a.today()
	year := today.Year
	if len(nums) == 3 {
		if year = nums[2]; len(parts[2]) == 2 {
			year += 2000
		}
	}
	d := booking.Date{Year: year, Month: time.Month(nums[1]), Day: nums[0]}
	if !realDate(d) {
		return booking.Date{}, false
	}
	if len(nums) == 2 && d.Before(today) {
		d.Year++
		if !realDate(d) { // 29/2
			return booking.Date{}, false
		}
	}
	return d, true
}

// realDate reports whether d names a day of the calendar.
func realDate(d booking.Date) bool {
	if d.Year < 2000 || d.Year > 2200 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= time.Date(d.Year, d.Month+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// badArg answers an argument that is neither a day nor a department code:
// something with a digit was meant as a date, anything else as a
// department, so the answer lists the staff member's own.
func (a *Adapter) badArg(pr *locales.Printer, depts []string, arg string) response {
	if strings.ContainsAny(arg, "0123456789") {
		return ephemeral(pr.T("staff_bad_date", map[string]any{"Value": arg}))
	}
	return ephemeral(pr.T("staff_which_department", map[string]any{"Departments": strings.Join(depts, ", ")}))
}

// deptCode finds the department s names: its code or its Greek or
// English name, in any case, with or without accents.
func (a *Adapter) deptCode(s string) (string, bool) {
	if d, ok := a.office.Catalog().FindDepartment(s); ok {
		return d.Code, true
	}
	return "", false
}

func (a *Adapter) cmdRoster(pr *locales.Printer, c slackapi.SlashCommand, depts, args []string) response {
	day := a.today()
	dept := ""
	// A department's name may be two words («Γενικό Πρωτόκολλο»): every
	// argument that is not a day is part of it.
	var words []string
	for _, arg := range args {
		if d, ok := a.parseDay(arg); ok {
			day = d
			continue
		}
		words = append(words, arg)
	}
	if len(words) > 0 {
		code, ok := a.deptCode(strings.Join(words, " "))
		if !ok {
			return a.badArg(pr, depts, strings.Join(words, " "))
		}
		dept = code
	}
	if dept == "" {
		if len(depts) > 1 {
			return ephemeral(pr.T("staff_which_department", map[string]any{"Departments": strings.Join(depts, ", ")}))
		}
		dept = depts[0]
	}
	if !slices.Contains(depts, dept) {
		return ephemeral(pr.T("staff_forbidden", map[string]any{"Department": dept}))
	}
	url := c.ResponseURL
	lang := a.deptLang(dept)
	a.goSlow(func(ctx context.Context) {
		r, err := a.office.Roster(ctx, dept, day)
		if err != nil {
			a.log.Error("slack roster failed", "department", dept, "err", err)
			a.respond(ctx, url, ephemeral(locales.For(lang).T("staff_error", nil)))
			return
		}
		// Ephemeral, to a staff member of the department: phones in full.
		for _, m := range a.rosterMessages(r, lang, true) {
			a.respond(ctx, url, response{ResponseType: "ephemeral", Text: m.Text, Blocks: m.Blocks})
		}
	})
	return ephemeral(pr.T("staff_working", nil))
}

func (a *Adapter) cmdCancel(ctx context.Context, pr *locales.Printer, actor booking.Actor, args []string) response {
	if len(args) == 0 {
		return ephemeral(pr.T("staff_usage", map[string]any{"Command": a.cfg.Command}))
	}
	ref := strings.ToUpper(args[0])
	reason := strings.Join(args[1:], " ")
	if reason == "" {
		return ephemeral(pr.T("staff_reason_required", nil))
	}
	_, text, _ := a.cancelled(ctx, pr, actor, ref, reason, true)
	return ephemeral(text)
}

// cancelled cancels ref for a staff member and returns the booking, what
// to tell them, and whether it worked. A citizen whom Telegram does not
// reach is to be phoned: the answer says so, with the number in full if
// full (the answer is the staff member's alone).
func (a *Adapter) cancelled(ctx context.Context, pr *locales.Printer, actor booking.Actor, ref, reason string, full bool) (booking.Booking, string, bool) {
	b, err := a.office.StaffBooking(ctx, actor, ref)
	if err == nil {
		b, err = a.office.Cancel(ctx, actor, ref, reason)
	}
	if err != nil {
		return b, a.refusal(pr, err, ref, b.Department), false
	}
	d := a.bookingData(pr, b)
	d["User"] = actor.ID
	if reach := a.reachText(pr, b, full); reach != "" {
		return b, pr.T("staff_cancelled_by_staff", d) + "\n" + reach, true
	}
	return b, pr.T("staff_cancelled_done", d), true
}

// refusal turns a domain error into what staff read; details go to the log.
func (a *Adapter) refusal(pr *locales.Printer, err error, ref, dept string) string {
	switch booking.ErrorCode(err) {
	case booking.EInvalid:
		return pr.T("staff_invalid_input", nil)
	case booking.ENotFound:
		return pr.T("staff_not_found", map[string]any{"Query": ref})
	case booking.EForbidden:
		return pr.T("staff_forbidden", map[string]any{"Department": dept})
	case booking.EConflict:
		return pr.T("staff_conflict", map[string]any{"Ref": ref})
	}
	a.log.Error("slack staff action failed", "ref", ref, "err", err)
	return pr.T("staff_error", nil)
}

// maxFound bounds the lines of a find answer (newest first): a Socket Mode
// acknowledgement over 20 KB is dropped by Slack without a word.
const maxFound = 30

func (a *Adapter) cmdFind(ctx context.Context, pr *locales.Printer, actor booking.Actor, depts, args []string) response {
	if len(args) == 0 {
		return ephemeral(pr.T("staff_usage", map[string]any{"Command": a.cfg.Command}))
	}
	q := strings.Join(args, "")
	found, err := a.office.Find(ctx, actor, q)
	if booking.ErrorCode(err) == booking.EInvalid {
		return ephemeral(pr.T("staff_invalid_input", nil))
	}
	if err != nil && booking.ErrorCode(err) != booking.ENotFound {
		// The query may be a phone number: log only what kind of failure.
		a.log.Error("slack find failed", "code", string(booking.ErrorCode(err)))
		return ephemeral(pr.T("staff_error", nil))
	}
	var lines []string
	more := 0
	for _, b := range found {
		if !slices.Contains(depts, b.Department) {
			continue // another department's citizen: not theirs to see
		}
		if len(lines) == maxFound {
			more++
			continue
		}
		d := a.bookingData(pr, b)
		d["Status"] = statusText(pr, b.Status)
		lines = append(lines, pr.T("staff_find_result", d))
	}
	if len(lines) == 0 {
		return ephemeral(pr.T("staff_not_found", map[string]any{"Query": escape(q)}))
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("… +%d", more))
	}
	return ephemeral(strings.Join(lines, "\n"))
}

// typedText reports whether s could have been typed into Slack: valid
// UTF-8 without control characters but tabs and line breaks.
func typedText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

func statusText(pr *locales.Printer, s booking.Status) string {
	switch s {
	case booking.Cancelled:
		return strings.TrimPrefix(pr.T("staff_status_cancelled", nil), " · ")
	case booking.Attended:
		return strings.TrimPrefix(pr.T("staff_status_attended", nil), " · ")
	case booking.NoShow:
		return strings.TrimPrefix(pr.T("staff_status_no_show", nil), " · ")
	}
	return pr.T("staff_status_active", nil)
}

// respondLater posts r to url after the request has been answered.
func (a *Adapter) respondLater(url string, r response) {
	if url == "" {
		return
	}
	a.goSlow(func(ctx context.Context) { a.respond(ctx, url, r) })
}

// respond posts a later answer to a command's or button's response_url.
func (a *Adapter) respond(ctx context.Context, url string, r response) {
	if url == "" {
		return
	}
	body, err := json.Marshal(r)
	if err != nil {
		a.log.Error("slack respond: encode", "err", err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		a.log.Error("slack respond", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		a.log.Error("slack respond", "err", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		a.log.Error("slack respond", "err", fmt.Errorf("status %d", resp.StatusCode))
	}
}
