package slack

import (
	"strings"
	"unicode"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// maxBlocks is Slack's limit of blocks in one message.
const maxBlocks = 50

// Action ids of the roster's buttons; the value is the booking reference.
const (
	actionCancel   = "rantevou_cancel"
	actionAttended = "rantevou_attended"
	actionNoShow   = "rantevou_no_show"
	actionMove     = "rantevou_move"
	actionUndo     = "rantevou_undo"
	// viewCancel is the callback id of the modal asking for a reason.
	viewCancel   = "rantevou_cancel_reason"
	blockReason  = "reason"
	actionReason = "reason_input"
)

// Message is one Slack message: Text is the notification fallback.
type Message struct {
	Text   string
	Blocks []slackapi.Block
}

// RosterMessages renders r in lang for the department's channel: a header,
// one section per booking (when, desk, reference, service, citizen, how it
// was booked, their language, what to bring, and "call the citizen" for
// one whom Telegram does not reach) with its buttons (rosterButtons), and
// a summary, split into as many messages as Slack's 50-block limit needs
// without ever separating a booking from its buttons. A closed day is one
// short message, with the citizens to phone about it. Phone numbers show
// in full only if no other department posts to that channel (see
// phoneShown).
func (a *Adapter) RosterMessages(r booking.Roster, lang booking.Lang) []Message {
	return a.rosterMessages(r, lang, a.channelPrivate(r.Department))
}

// rosterMessages is RosterMessages with the citizens' phone numbers in
// full or masked.
func (a *Adapter) rosterMessages(r booking.Roster, lang booking.Lang, phones bool) []Message {
	pr := locales.For(lang)
	head := map[string]any{"Department": a.office.Catalog().DepartmentName(r.Department).In(lang), "Date": pr.Date(r.Date)}
	title := pr.T("staff_roster_header", head)
	if r.Closed {
		text := pr.T("staff_roster_closed_day", map[string]any{"Date": pr.Date(r.Date), "Reason": r.Reason.In(lang)})
		if r.Date == a.today() {
			text = pr.T("staff_roster_closed", map[string]any{"Reason": r.Reason.In(lang)})
		}
		blocks := []slackapi.Block{
			slackapi.NewHeaderBlock(plain(title)),
			slackapi.NewSectionBlock(mrkdwn(text), nil, nil),
		}
		return []Message{{Text: title + " — " + text, Blocks: append(blocks, a.callBlocks(pr, r.Bookings, phones)...)}}
	}

	var items [][]slackapi.Block // each booking's blocks, kept together
	active := 0
	for _, b := range r.Bookings {
		items = append(items, a.bookingBlocks(pr, b, phones))
		if b.Status == booking.Active || b.Status == booking.Attended || b.Status == booking.NoShow {
			active++
		}
	}
	summary := slackapi.NewContextBlock("summary",
		mrkdwn(pr.N("staff_roster_summary", active, map[string]any{"Free": r.FreeCapacity})+a.waitingSummary(pr, r)))
	if len(items) == 0 {
		return []Message{{Text: title + " — " + pr.T("staff_roster_empty", nil), Blocks: []slackapi.Block{
			slackapi.NewHeaderBlock(plain(title)),
			slackapi.NewSectionBlock(mrkdwn(pr.T("staff_roster_empty", nil)), nil, nil),
			summary,
		}}}
	}

	// Fill pages greedily: the header takes one block on every page, the
	// summary one on the last.
	var pages [][]slackapi.Block
	var cur []slackapi.Block
	for _, it := range items {
		if len(cur)+len(it) > maxBlocks-2 {
			pages = append(pages, cur)
			cur = nil
		}
		cur = append(cur, it...)
	}
	pages = append(pages, cur)
	out := make([]Message, 0, len(pages))
	for i, p := range pages {
		h := title
		if len(pages) > 1 {
			h += " " + pr.T("staff_roster_page", map[string]any{"Page": i + 1, "Pages": len(pages)})
		}
		blocks := append([]slackapi.Block{slackapi.NewHeaderBlock(plain(h))}, p...)
		if i == len(pages)-1 {
			blocks = append(blocks, summary)
		}
		out = append(out, Message{Text: h, Blocks: blocks})
	}
	return out
}

func (a *Adapter) bookingBlocks(pr *locales.Printer, b booking.Booking, phones bool) []slackapi.Block {
	status := ""
	switch b.Status {
	case booking.Cancelled:
		status = pr.T("staff_status_cancelled", nil)
	case booking.Attended:
		status = pr.T("staff_status_attended", nil)
	case booking.NoShow:
		status = pr.T("staff_status_no_show", nil)
	}
	line := pr.T("staff_roster_line", map[string]any{
		"Time":    pr.Time(b.Start, a.loc),
		"Desk":    b.Desk,
		"Ref":     b.Ref,
		"Service": a.office.Catalog().ServiceName(b.Service).In(pr.Lang()),
		"Name":    escape(b.Citizen.Name),
		"Phone":   phoneShown(b.Citizen.Phone, phones),
		"Status":  status,
	})
	// What the clerk needs at the counter: how it was booked, the
	// citizen's language, what they bring; and whether only a call
	// reaches them.
	line += "\n" + pr.T("staff_roster_details", map[string]any{
		"Via":   viaText(pr, b.Via),
		"Lang":  langText(pr, b.Citizen.Lang),
		"Bring": bringOf(a.office.Catalog(), b.Service, pr.Lang()),
	})
	if b.Status == booking.Active || b.Status == booking.Cancelled {
		if reach := a.reachText(pr, b, phones); reach != "" {
			line += "\n" + reach
		}
	}
	section := slackapi.NewSectionBlock(mrkdwn(line), nil, nil, slackapi.SectionBlockOptionBlockID("b_"+b.Ref))
	if buttons := a.rosterButtons(pr, b); len(buttons) > 0 {
		return []slackapi.Block{section, slackapi.NewActionBlock("a_"+b.Ref, buttons...)}
	}
	return []slackapi.Block{section}
}

// rosterButtons are a booking's buttons as the roster is drawn. Attended
// and no-show come on the day itself (and after): the roster goes out in
// the morning, before any booking has started, and a roster without them
// would have to be asked for again at each appointment; a press before the
// start is refused by the Office and answered so (handleButton). They are
// not on a later day's roster, where every press would be refused. A
// marked booking can be put back the same day.
func (a *Adapter) rosterButtons(pr *locales.Printer, b booking.Booking) []slackapi.BlockElement {
	now := a.cfg.Now()
	today := booking.DateOf(now, a.loc)
	day := booking.DateOf(b.Start, a.loc)
	switch b.Status {
	case booking.Active:
		var out []slackapi.BlockElement
		if !now.Before(b.Start) || day == today {
			attended := slackapi.NewButtonBlockElement(actionAttended, b.Ref, plain(pr.T("staff_button_attended", nil)))
			attended.Style = slackapi.StylePrimary
			noShow := slackapi.NewButtonBlockElement(actionNoShow, b.Ref, plain(pr.T("staff_button_no_show", nil)))
			out = append(out, attended, noShow)
		}
		move := slackapi.NewButtonBlockElement(actionMove, b.Ref, plain(pr.T("staff_roster_button_move", nil)))
		cancel := slackapi.NewButtonBlockElement(actionCancel, b.Ref, plain(pr.T("staff_button_cancel", nil)))
		cancel.Style = slackapi.StyleDanger
		return append(out, move, cancel)
	case booking.Attended, booking.NoShow:
		if day == today {
			return []slackapi.BlockElement{undoButton(pr, b.Ref)}
		}
	}
	return nil
}

func undoButton(pr *locales.Printer, ref string) *slackapi.ButtonBlockElement {
	return slackapi.NewButtonBlockElement(actionUndo, ref, plain(pr.T("staff_roster_button_undo", nil)))
}

// callsPerBlock keeps a list of citizens to call within a section's 3000
// characters.
const callsPerBlock = 20

// callBlocks lists the cancelled bookings of citizens without a linked
// Telegram account, whom only a call tells: on a closed day's roster,
// where the bookings themselves are not shown.
func (a *Adapter) callBlocks(pr *locales.Printer, bs []booking.Booking, phones bool) []slackapi.Block {
	var calls []booking.Booking
	for _, b := range bs {
		if b.Status == booking.Cancelled && onlyByPhone(b) {
			calls = append(calls, b)
		}
	}
	if len(calls) == 0 {
		return nil
	}
	var out []slackapi.Block
	for i := 0; i < len(calls) && len(out) < maxBlocks-3; i += callsPerBlock {
		chunk := calls[i:min(i+callsPerBlock, len(calls))]
		text := a.callLines(pr, chunk, phones)
		if i == 0 {
			text = pr.N("staff_close_call_header", len(calls), nil) + "\n" + text
		}
		out = append(out, slackapi.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	return out
}

// phoneShown is how a citizen's stored phone reads to staff: grouped, for
// reading it out over the phone, or, where people outside the booking's
// department may read it, masked but for its last two digits (enough to
// match a caller, not to call).
func phoneShown(stored string, full bool) string {
	shown := booking.FormatPhone(stored)
	if full {
		return escape(shown)
	}
	keep := 2
	masked := []rune(shown)
	for i := len(masked) - 1; i >= 0; i-- {
		if masked[i] < '0' || masked[i] > '9' {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		masked[i] = '•'
	}
	return escape(string(masked))
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, truncateRunes(s, 150), true, false)
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, truncateRunes(s, 3000), false, false)
}

// escape makes text a citizen typed show literally inside mrkdwn. Slack
// reads <…> as links and mentions (<!channel> would ping the whole
// department) and asks for &, < and > to be written as entities; its other
// markup (*bold*, _italic_, ~strike~, `code`, :emoji:, a bare domain
// turned into a link) has no escape at all. So a zero-width space goes on each side of every such
// character: the text reads the same, but no marker can pair with another
// or touch the word it would format. Line breaks become spaces, so that
// nothing a citizen typed starts a line of its own (a > quote, a list).
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '*', '_', '~', '`', ':', '.':
			b.WriteString(zeroWidthSpace)
			b.WriteRune(r)
			b.WriteString(zeroWidthSpace)
		case '\n', '\r', '\t', '\u2028', '\u2029':
			b.WriteByte(' ')
		default:
			if unicode.IsControl(r) {
				continue // nothing to show; NULs are refused before here
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// zeroWidthSpace separates a markup character from its neighbours without
// showing.
const zeroWidthSpace = "\u200b"

// truncateRunes keeps Slack's text limits without splitting a character.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
