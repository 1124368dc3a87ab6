package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// cancelMeta travels in the reason modal's private_metadata, so the
// submission knows what to cancel and where to answer.
type cancelMeta struct {
	Ref         string `json:"ref"`
	ResponseURL string `json:"response_url,omitempty"`
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &cb); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), quick)
	defer cancel()
	if out := a.handleInteraction(ctx, cb); out != nil {
		writeJSON(w, out)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// viewErrors keeps a modal open with a message under the reason field.
type viewErrors struct {
	ResponseAction string            `json:"response_action"`
	Errors         map[string]string `json:"errors"`
}

// handleInteraction handles a button press or a modal submission and
// returns the body to answer with (nil: an empty 200). The change itself is
// made before answering, so a press that was answered took effect; what is
// said about it goes to response_url afterwards, so a slow Slack does not
// push the answer past its 3 seconds.
func (a *Adapter) handleInteraction(ctx context.Context, cb slackapi.InteractionCallback) any {
	switch cb.Type {
	case slackapi.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil
		}
		if cb.View.CallbackID == viewBook {
			a.bookAction(ctx, cb, cb.ActionCallback.BlockActions[0])
			return nil
		}
		a.handleButton(ctx, cb, cb.ActionCallback.BlockActions[0])
		return nil
	case slackapi.InteractionTypeShortcut:
		if cb.CallbackID == ShortcutBook {
			a.openBookShortcut(ctx, cb)
		}
	case slackapi.InteractionTypeViewSubmission:
		if cb.View.CallbackID == viewCancel {
			return a.submitCancel(ctx, cb)
		}
		if cb.View.CallbackID == viewMove {
			return a.submitMove(ctx, cb)
		}
		if cb.View.CallbackID == viewBook {
			return a.submitBook(ctx, cb)
		}
	}
	return nil
}

func (a *Adapter) handleButton(ctx context.Context, cb slackapi.InteractionCallback, act *slackapi.BlockAction) {
	if act.ActionID == actionCloseConfirm || act.ActionID == actionCloseKeep {
		a.pressClose(ctx, cb, act) // its value is the order, not a booking
		return
	}
	user := cb.User.ID
	pr := a.userPrinter(user)
	actor := staffActor(user, cb.User.Name)
	ref := act.Value
	b, err := a.office.StaffBooking(ctx, actor, ref)
	if err != nil {
		a.respondLater(cb.ResponseURL, ephemeral(a.refusal(pr, err, ref, b.Department)))
		return
	}
	data := map[string]any{"Ref": b.Ref, "User": user, "Time": pr.Time(b.Start, a.loc)}
	switch act.ActionID {
	case actionCancel:
		a.openCancel(ctx, cb, b)
	case actionMove:
		if b.Status != booking.Active {
			a.respondLater(cb.ResponseURL, ephemeral(pr.T("staff_conflict", data)))
			return
		}
		a.openMove(ctx, cb, b)
	case actionAttended, actionNoShow:
		status, id := booking.Attended, "staff_marked_attended"
		if act.ActionID == actionNoShow {
			status, id = booking.NoShow, "staff_marked_no_show"
		}
		if _, err := a.office.Mark(ctx, actor, ref, status); err != nil {
			// The roster shows the buttons from the morning on.
			a.respondLater(cb.ResponseURL, ephemeral(a.markRefusal(pr, err, "staff_roster_mark_too_early", data, ref, b.Department)))
			return
		}
		// The answer carries the undo, for a wrong button.
		text := pr.T(id, data)
		a.respondLater(cb.ResponseURL, response{ResponseType: "in_channel", Text: text, Blocks: []slackapi.Block{
			slackapi.NewSectionBlock(mrkdwn(text), nil, nil),
			slackapi.NewActionBlock("u_"+b.Ref, undoButton(pr, b.Ref)),
		}})
	case actionUndo:
		if _, err := a.office.Unmark(ctx, actor, ref); err != nil {
			a.respondLater(cb.ResponseURL, ephemeral(a.markRefusal(pr, err, "staff_roster_unmark_too_late", data, ref, b.Department)))
			return
		}
		a.respondLater(cb.ResponseURL, response{ResponseType: "in_channel", Text: pr.T("staff_roster_unmarked", data)})
	}
}

// markRefusal is the answer to a mark or its undo refused: one refused for
// its time (not yet started, or no longer the day) in the words of id, the
// others as any staff action's.
func (a *Adapter) markRefusal(pr *locales.Printer, err error, id string, data map[string]any, ref, dept string) string {
	if booking.ErrorCode(err) == booking.EClosed {
		return pr.T(id, data)
	}
	return a.refusal(pr, err, ref, dept)
}

// openCancel asks for the reason in a modal: the citizen reads it, so
// staff must write one.
func (a *Adapter) openCancel(ctx context.Context, cb slackapi.InteractionCallback, b booking.Booking) {
	pr := a.userPrinter(cb.User.ID)
	meta, _ := json.Marshal(cancelMeta{Ref: b.Ref, ResponseURL: cb.ResponseURL})
	input := slackapi.NewPlainTextInputBlockElement(nil, actionReason)
	input.Multiline = true
	d := a.bookingData(pr, b)
	view := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      viewCancel,
		PrivateMetadata: string(meta),
		Title:           plain(truncateRunes(pr.T("staff_cancel_modal_title", nil), 24)),
		Submit:          plain(truncateRunes(pr.T("staff_cancel_modal_submit", nil), 24)),
		Close:           plain(truncateRunes(pr.T("staff_cancel_modal_close", nil), 24)),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			slackapi.NewSectionBlock(mrkdwn(pr.T("staff_find_result", withStatus(d, statusText(pr, b.Status)))), nil, nil),
			slackapi.NewInputBlock(blockReason, plain(pr.T("staff_cancel_reason_label", nil)), nil, input),
		}},
	}
	if _, err := a.api.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		a.log.Error("slack open cancel modal", "err", err)
		a.respondLater(cb.ResponseURL, ephemeral(pr.T("staff_error", nil)))
	}
}

func withStatus(d map[string]any, s string) map[string]any {
	d["Status"] = s
	return d
}

func (a *Adapter) submitCancel(ctx context.Context, cb slackapi.InteractionCallback) any {
	pr := a.userPrinter(cb.User.ID)
	var meta cancelMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Ref == "" {
		return viewErrors{"errors", map[string]string{blockReason: pr.T("staff_error", nil)}}
	}
	reason := ""
	if cb.View.State != nil {
		reason = strings.TrimSpace(cb.View.State.Values[blockReason][actionReason].Value)
	}
	if reason == "" {
		return viewErrors{"errors", map[string]string{blockReason: pr.T("staff_reason_required", nil)}}
	}
	if !typedText(reason) {
		return viewErrors{"errors", map[string]string{blockReason: pr.T("staff_invalid_input", nil)}}
	}
	actor := staffActor(cb.User.ID, cb.User.Name)
	b, text, ok := a.cancelled(ctx, pr, actor, meta.Ref, reason, false)
	if !ok {
		return viewErrors{"errors", map[string]string{blockReason: text}}
	}
	url := meta.ResponseURL
	if url != "" {
		a.goSlow(func(ctx context.Context) {
			a.respond(ctx, url, response{ResponseType: "in_channel", Text: text})
			// The channel reads the number masked; who cancelled, in full.
			if reach := a.reachText(pr, b, true); reach != "" {
				a.respond(ctx, url, ephemeral(reach))
			}
		})
	}
	return nil
}
