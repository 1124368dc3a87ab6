package slack

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
)

// The roster's Move button opens a small modal: the booking, a date picker
// (its day to start with), a time typed as the clerk hears it from the
// caller, and the next free times to read out. Plain Block Kit, no
// redraws: a time that is taken or closed keeps the modal open with the
// error on the time field and the free times of the day chosen.

const (
	// viewMove is the callback id of the move modal.
	viewMove        = "rantevou_move_time"
	blockMoveDay    = "move_day"
	actionMoveDay   = "move_day_input"
	blockMoveTime   = "move_time"
	actionMoveTime  = "move_time_input"
	moveTimesOffers = 8
)

// moveMeta travels in the move modal's private_metadata.
type moveMeta struct {
	Ref         string `json:"ref"`
	ResponseURL string `json:"response_url,omitempty"`
}

// openMove opens the move modal for b.
func (a *Adapter) openMove(ctx context.Context, cb slackapi.InteractionCallback, b booking.Booking) {
	pr := a.userPrinter(cb.User.ID)
	meta, _ := json.Marshal(moveMeta{Ref: b.Ref, ResponseURL: cb.ResponseURL})
	day := slackapi.NewDatePickerBlockElement(actionMoveDay)
	day.InitialDate = booking.DateOf(b.Start, a.loc).String()
	at := slackapi.NewPlainTextInputBlockElement(plain(pr.T("staff_move_time_placeholder", nil)), actionMoveTime)
	at.MaxLength = 5
	d := a.bookingData(pr, b)
	blocks := []slackapi.Block{
		slackapi.NewSectionBlock(mrkdwn(pr.T("staff_find_result", withStatus(d, statusText(pr, b.Status)))), nil, nil),
		slackapi.NewInputBlock(blockMoveDay, plain(pr.T("staff_move_day_label", nil)), nil, day),
		slackapi.NewInputBlock(blockMoveTime, plain(pr.T("staff_move_time_label", nil)), nil, at),
	}
	if svc, ok := a.office.Catalog().Service(b.Service); ok {
		if next := a.nextFreeText(ctx, pr, svc, a.cfg.Now()); next != "" {
			blocks = append(blocks, slackapi.NewContextBlock("move_free", mrkdwn(next)))
		}
	}
	view := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      viewMove,
		PrivateMetadata: string(meta),
		Title:           plain(truncateRunes(pr.T("staff_move_modal_title", nil), 24)),
		Submit:          plain(truncateRunes(pr.T("staff_move_modal_submit", nil), 24)),
		Close:           plain(truncateRunes(pr.T("staff_cancel_modal_close", nil), 24)),
		Blocks:          slackapi.Blocks{BlockSet: blocks},
	}
	if _, err := a.api.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		a.log.Error("slack open move modal", "err", err)
		a.respondLater(cb.ResponseURL, ephemeral(pr.T("staff_error", nil)))
	}
}

// submitMove moves the booking, or keeps the modal open with what is wrong
// under the field it is about.
func (a *Adapter) submitMove(ctx context.Context, cb slackapi.InteractionCallback) any {
	pr := a.userPrinter(cb.User.ID)
	var meta moveMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Ref == "" {
		return viewErrors{"errors", map[string]string{blockMoveTime: pr.T("staff_error", nil)}}
	}
	var dayText, timeText string
	if cb.View.State != nil {
		dayText = cb.View.State.Values[blockMoveDay][actionMoveDay].SelectedDate
		timeText = strings.TrimSpace(cb.View.State.Values[blockMoveTime][actionMoveTime].Value)
	}
	day, err := booking.ParseDate(dayText)
	if err != nil {
		return viewErrors{"errors", map[string]string{blockMoveDay: pr.T("staff_bad_date", map[string]any{"Value": escape(dayText)})}}
	}
	clock, ok := parseClock(timeText)
	if !ok {
		return viewErrors{"errors", map[string]string{blockMoveTime: pr.T("staff_book_bad_time", map[string]any{"Value": timeText})}}
	}
	start := day.At(clock, a.loc)
	actor := staffActor(cb.User.ID, cb.User.Name)
	// The view's id and the time make a doubled submission move once, and
	// a second try at another time a move of its own.
	key := "slack-move:" + cb.View.ID + ":" + strconv.FormatInt(start.Unix(), 10)
	moved, text, ok := a.move(ctx, pr, actor, meta.Ref, start, key, false)
	if !ok {
		// The field error is plain text: no mrkdwn.
		return viewErrors{"errors", map[string]string{blockMoveTime: truncateRunes(unmark(text), 1000)}}
	}
	url := meta.ResponseURL
	if url != "" {
		a.goSlow(func(ctx context.Context) {
			a.respond(ctx, url, response{ResponseType: "in_channel", Text: text})
			// The channel reads the number masked; who moved it, in full.
			if reach := a.reachText(pr, moved, true); reach != "" {
				a.respond(ctx, url, ephemeral(reach))
			}
		})
	}
	return nil
}

// unmark drops the mrkdwn of a staff text for a plain-text field.
func unmark(s string) string {
	return strings.NewReplacer("*", "", "`", "", zeroWidthSpace, "").Replace(s)
}
