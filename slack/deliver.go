package slack

import (
	"context"
	"errors"
	"fmt"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Deliver posts one staff notification (a roster or an alert) to the
// department's channel. It is the outbox worker's Deliverer for the Slack
// channel.
func (a *Adapter) Deliver(ctx context.Context, n booking.Notification) error {
	dept, ok := a.office.Catalog().Department(n.Recipient)
	if !ok {
		return booking.Permanent(fmt.Errorf("slack: unknown department %q", n.Recipient))
	}
	if dept.Slack.Channel == "" {
		return booking.Skip("department " + dept.Code + " has no Slack channel")
	}
	lang := a.deptLang(dept.Code)
	var msgs []Message
	switch n.Kind {
	case booking.NotifyStaffRoster:
		day := n.Payload.Day
		if day == (booking.Date{}) {
			return booking.Permanent(fmt.Errorf("slack: roster of %s without a day", dept.Code))
		}
		r, err := a.office.Roster(ctx, dept.Code, day)
		if err != nil {
			return fmt.Errorf("slack: roster %s %s: %w", dept.Code, day, err)
		}
		msgs = a.RosterMessages(r, lang)
	case booking.NotifyStaffCancelled, booking.NotifyStaffRescheduled, booking.NotifyStaffToday:
		m, err := a.alert(ctx, n, lang)
		if err != nil {
			return err
		}
		msgs = []Message{m}
	default:
		return booking.Permanent(fmt.Errorf("slack: unknown kind %q", n.Kind))
	}
	for _, m := range msgs {
		_, _, err := a.api.PostMessageContext(ctx, dept.Slack.Channel,
			slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks...))
		if err != nil {
			// Every failure is retried, with backoff, before the row is
			// parked: the usual ones (the bot not yet invited to the
			// channel, a wrong channel in the catalog, a revoked token) are
			// fixed by an operator within the hour, and parking at once
			// would lose that morning's roster for good.
			var se slackapi.SlackErrorResponse
			if errors.As(err, &se) && configErrors[se.Err] != "" {
				return fmt.Errorf("slack: post to %s (%s): %w", dept.Code, configErrors[se.Err], err)
			}
			return fmt.Errorf("slack: post to %s: %w", dept.Code, err)
		}
	}
	return nil
}

// configErrors are Slack's answers that an operator must fix, with what to do.
var configErrors = map[string]string{
	"channel_not_found": "check the department's Slack channel ID in the catalog",
	"not_in_channel":    "invite the bot to the channel",
	"is_archived":       "the channel is archived",
	"invalid_auth":      "check SLACK_BOT_TOKEN",
	"not_authed":        "check SLACK_BOT_TOKEN",
	"token_revoked":     "reinstall the app and update SLACK_BOT_TOKEN",
	"account_inactive":  "reinstall the app and update SLACK_BOT_TOKEN",
}

func (a *Adapter) alert(ctx context.Context, n booking.Notification, lang booking.Lang) (Message, error) {
	if n.BookingID == 0 {
		return Message{}, booking.Permanent(fmt.Errorf("slack: %s without a booking", n.Kind))
	}
	b, err := a.bookings.BookingByID(ctx, n.BookingID)
	if booking.ErrorCode(err) == booking.ENotFound {
		return Message{}, booking.Permanent(err)
	}
	if err != nil {
		return Message{}, fmt.Errorf("slack: alert booking %d: %w", n.BookingID, err)
	}
	pr := locales.For(lang)
	data := a.bookingData(pr, b)
	data["Phone"] = phoneShown(b.Citizen.Phone, a.channelPrivate(b.Department))
	id := "staff_alert_cancelled"
	switch n.Kind {
	case booking.NotifyStaffRescheduled:
		id = "staff_alert_rescheduled"
		data["OldWhen"] = "?"
		if old := n.Payload.OldStart; !old.IsZero() {
			data["OldWhen"] = pr.Date(booking.DateOf(old, a.loc)) + " " + pr.Time(old, a.loc)
		}
	case booking.NotifyStaffToday:
		if b.Status != booking.Active {
			return Message{}, booking.Skip("booking no longer active")
		}
		id = "staff_alert_today"
	}
	text := pr.T(id, data)
	if n.Kind == booking.NotifyStaffToday {
		// Booked for today, perhaps by phone or at the desk: what the
		// counter needs, as on the roster.
		text += "\n" + pr.T("staff_roster_details", data)
	}
	// A citizen whom Telegram does not reach hears of a change only by
	// phone; the channel may be shared, so the number is masked there.
	if reach := a.reachText(pr, b, a.channelPrivate(b.Department)); reach != "" {
		text += "\n" + reach
	}
	return Message{Text: text, Blocks: []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(text), nil, nil)}}, nil
}

// bookingData is the template data every staff line about b uses, for a
// staff member of b's department: the phone in full. What goes to a
// channel masks it where the channel is shared (channelPrivate).
func (a *Adapter) bookingData(pr *locales.Printer, b booking.Booking) map[string]any {
	cat := a.office.Catalog()
	return map[string]any{
		"Ref":        b.Ref,
		"Date":       pr.Date(booking.DateOf(b.Start, a.loc)),
		"Time":       pr.Time(b.Start, a.loc),
		"Desk":       b.Desk,
		"Service":    cat.ServiceName(b.Service).In(pr.Lang()),
		"Department": cat.DepartmentName(b.Department).In(pr.Lang()),
		"Name":       escape(b.Citizen.Name),
		"Phone":      phoneShown(b.Citizen.Phone, true),
		"Bring":      bringOf(cat, b.Service, pr.Lang()),
		"Via":        viaText(pr, b.Via),
		"Lang":       langText(pr, b.Citizen.Lang),
	}
}

// bringOf is what the citizen must bring for service, in lang.
func bringOf(cat *booking.Catalog, service string, lang booking.Lang) string {
	if s, ok := cat.Service(service); ok && s.Bring.In(lang) != "" {
		return s.Bring.In(lang)
	}
	return "—"
}

// viaText names the channel a booking was made through.
func viaText(pr *locales.Printer, v booking.Via) string {
	switch v {
	case booking.ViaPhone:
		return pr.T("staff_roster_via_phone", nil)
	case booking.ViaDesk:
		return pr.T("staff_roster_via_desk", nil)
	}
	return pr.T("staff_roster_via_telegram", nil)
}

// langText names the citizen's language, the one the bot speaks to them.
func langText(pr *locales.Printer, l booking.Lang) string {
	if l == booking.English {
		return pr.T("staff_roster_lang_en", nil)
	}
	return pr.T("staff_roster_lang_el", nil)
}

// channelPrivate reports whether dept's Slack channel is its own: only
// then do its rosters and alerts show citizens' phone numbers in full. A
// channel that another department of the catalog posts to too is read by
// staff of that department, who must not see the numbers of this one's
// citizens; they get the number masked, and their own staff look it up
// with find, which answers only them.
func (a *Adapter) channelPrivate(dept string) bool {
	d, ok := a.office.Catalog().Department(dept)
	if !ok || d.Slack.Channel == "" {
		return false
	}
	for _, o := range a.office.Catalog().Departments {
		if o.Code != d.Code && o.Slack.Channel == d.Slack.Channel {
			return false
		}
	}
	return true
}
