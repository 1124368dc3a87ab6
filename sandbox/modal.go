package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/slackfake"
)

// Modals on the staff page. The Slack handler opens and updates them
// through the stand-in (views.open, views.update); the page draws the one
// on top for its department's staff member, and sends what the person
// does in it as Slack would: a signed block_actions interaction when a
// select that dispatches actions changes, a signed view_submission on
// submit, whose answer the stand-in applies (close, update, errors). The
// global shortcuts of the app are sent as signed shortcut interactions.

// shortcuts are the app's global shortcuts, as deploy/slack-app-manifest.yml
// declares them.
var shortcuts = map[string]string{
	"rantevou_book": "Book for a caller",
}

// modalView is the modal on top, reduced to what the page draws.
type modalView struct {
	ID     string           `json:"id"`
	Hash   string           `json:"hash"`
	Title  string           `json:"title"`
	Submit string           `json:"submit,omitempty"`
	Close  string           `json:"close,omitempty"`
	Blocks []modalBlockView `json:"blocks"`
}

// modalBlockView is one block of a modal: an input with its element, or
// a block of text drawn as in messages.
type modalBlockView struct {
	blockView
	BlockID  string        `json:"blockId,omitempty"`
	Label    string        `json:"label,omitempty"`
	Hint     string        `json:"hint,omitempty"`
	Optional bool          `json:"optional,omitempty"`
	Dispatch bool          `json:"dispatch,omitempty"`
	Element  *modalElement `json:"element,omitempty"`
}

type modalElement struct {
	Type        string       `json:"type"` // static_select, radio_buttons, plain_text_input, datepicker
	ActionID    string       `json:"actionId"`
	Placeholder string       `json:"placeholder,omitempty"`
	Options     []optionView `json:"options,omitempty"`
	Initial     string       `json:"initial,omitempty"` // the initial option's value, text or date
	Multiline   bool         `json:"multiline,omitempty"`
	MaxLength   int          `json:"maxLength,omitempty"`
}

type optionView struct {
	Value string `json:"value"`
	Text  string `json:"text"`
}

// rawModal is the part of a view the page and the payloads need.
type rawModal struct {
	Type            string          `json:"type"`
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata"`
	Title           *rawText        `json:"title"`
	Submit          *rawText        `json:"submit"`
	Close           *rawText        `json:"close"`
	Blocks          json.RawMessage `json:"blocks"`
}

type rawInput struct {
	Type           string   `json:"type"`
	BlockID        string   `json:"block_id"`
	Label          *rawText `json:"label"`
	Hint           *rawText `json:"hint"`
	Optional       bool     `json:"optional"`
	DispatchAction bool     `json:"dispatch_action"`
	Element        struct {
		Type        string   `json:"type"`
		ActionID    string   `json:"action_id"`
		Placeholder *rawText `json:"placeholder"`
		Options     []struct {
			Text  rawText `json:"text"`
			Value string  `json:"value"`
		} `json:"options"`
		InitialOption *struct {
			Value string `json:"value"`
		} `json:"initial_option"`
		InitialValue string `json:"initial_value"`
		InitialDate  string `json:"initial_date"`
		Multiline    bool   `json:"multiline"`
		MaxLength    int    `json:"max_length"`
	} `json:"element"`
}

// renderModal reduces a view to what the page draws; false when it does
// not decode.
func renderModal(v slackfake.View) (modalView, bool) {
	var m rawModal
	if json.Unmarshal(v.View, &m) != nil {
		return modalView{}, false
	}
	out := modalView{ID: v.ID, Hash: v.Hash, Blocks: []modalBlockView{}}
	if m.Title != nil {
		out.Title = m.Title.Text
	}
	if m.Submit != nil {
		out.Submit = m.Submit.Text
	}
	if m.Close != nil {
		out.Close = m.Close.Text
	}
	var blocks []json.RawMessage
	_ = json.Unmarshal(m.Blocks, &blocks)
	for _, raw := range blocks {
		var in rawInput
		if json.Unmarshal(raw, &in) != nil {
			continue
		}
		if in.Type != "input" {
			for _, b := range renderBlocks(json.RawMessage("[" + string(raw) + "]")) {
				out.Blocks = append(out.Blocks, modalBlockView{blockView: b, BlockID: in.BlockID})
			}
			continue
		}
		el := &modalElement{Type: in.Element.Type, ActionID: in.Element.ActionID, Multiline: in.Element.Multiline, MaxLength: in.Element.MaxLength}
		if in.Element.Placeholder != nil {
			el.Placeholder = in.Element.Placeholder.Text
		}
		for _, o := range in.Element.Options {
			el.Options = append(el.Options, optionView{Value: o.Value, Text: o.Text.Text})
		}
		switch {
		case in.Element.InitialOption != nil:
			el.Initial = in.Element.InitialOption.Value
		case in.Element.InitialValue != "":
			el.Initial = in.Element.InitialValue
		case in.Element.InitialDate != "":
			el.Initial = in.Element.InitialDate
		}
		b := modalBlockView{blockView: blockView{Kind: "input"}, BlockID: in.BlockID, Optional: in.Optional, Dispatch: in.DispatchAction, Element: el}
		if in.Label != nil {
			b.Label = in.Label.Text
		}
		if in.Hint != nil {
			b.Hint = in.Hint.Text
		}
		out.Blocks = append(out.Blocks, b)
	}
	return out, true
}

// modalTrigger records which department's staff member a trigger_id the
// page handed to the Slack handler belongs to.
func (h *handler) modalTrigger(id int, dept string) string {
	trigger := "sandbox." + strconv.Itoa(id)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.triggers == nil {
		h.triggers = map[string]string{}
	}
	h.triggers[trigger] = dept
	return trigger
}

// triggerDept returns the department of a trigger_id: one the page
// recorded, or the one of the command or press it came with.
func (h *handler) triggerDept(trigger string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := h.triggers[trigger]; ok {
		return d
	}
	id, err := strconv.Atoi(strings.TrimPrefix(trigger, "sandbox."))
	if err != nil {
		return ""
	}
	for _, r := range h.responses {
		if r.ID == id {
			return r.Dept
		}
	}
	return ""
}

// topModal returns the newest open modal of dept's staff member.
func (h *handler) topModal(dept string) (slackfake.View, bool) {
	open := h.cfg.Slack.OpenViews()
	for i := len(open) - 1; i >= 0; i-- {
		if h.triggerDept(open[i].TriggerID) == dept {
			return open[i], true
		}
		if open[i].Root != "" {
			if root, ok := h.cfg.Slack.ViewByID(open[i].Root); ok && h.triggerDept(root.TriggerID) == dept {
				return open[i], true
			}
		}
	}
	return slackfake.View{}, false
}

// serveModal answers GET /sandbox/api/staff/modal?dept=CODE: the modal on
// top for that department's staff member, or null.
func (h *handler) serveModal(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Modal *modalView `json:"modal"`
	}{}
	if h.cfg.Slack != nil {
		if v, ok := h.topModal(r.URL.Query().Get("dept")); ok {
			if m, ok := renderModal(v); ok {
				out.Modal = &m
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type shortcutRequest struct {
	asStaff
	CallbackID string `json:"callbackId"`
}

// serveShortcut runs a global shortcut as the department's staff member:
// a signed shortcut interaction, as Slack sends it.
func (h *handler) serveShortcut(w http.ResponseWriter, r *http.Request) {
	var req shortcutRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	name, ok := shortcuts[req.CallbackID]
	if !ok {
		writeError(w, http.StatusBadRequest, "callbackId: no such shortcut")
		return
	}
	id, _ := h.reserveResponse()
	payload := map[string]any{
		"type":        "shortcut",
		"token":       "sandbox",
		"action_ts":   h.actionTS(),
		"team":        map[string]string{"id": "T0SANDBOX", "domain": "sandbox"},
		"user":        h.staffUser(d),
		"callback_id": req.CallbackID,
		"trigger_id":  h.modalTrigger(id, d.Code),
	}
	h.interact(w, r, payload, id, d.Code, "⚡ "+name)
}

type viewRequest struct {
	asStaff
	ViewID string            `json:"viewId"`
	Values map[string]string `json:"values"` // block id → the value chosen or typed
	// For an action: the input block whose element changed.
	BlockID string `json:"blockId"`
}

// serveViewAction sends a change of a dispatching input of a modal as a
// block_actions interaction carrying the view and its state.
func (h *handler) serveViewAction(w http.ResponseWriter, r *http.Request) {
	var req viewRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	v, view, ok := h.requestView(w, d, req)
	if !ok {
		return
	}
	act, ok := actionOf(view, req.BlockID, req.Values[req.BlockID])
	if !ok {
		writeError(w, http.StatusBadRequest, "blockId: no such input in the modal")
		return
	}
	act["action_ts"] = h.actionTS()
	id, _ := h.reserveResponse()
	payload := map[string]any{
		"type":       "block_actions",
		"token":      "sandbox",
		"api_app_id": "A0SANDBOX",
		"team":       map[string]string{"id": "T0SANDBOX", "domain": "sandbox"},
		"user":       h.staffUser(d),
		"trigger_id": h.modalTrigger(id, d.Code),
		"container":  map[string]any{"type": "view", "view_id": v.ID},
		"view":       view,
		"actions":    []map[string]any{act},
	}
	h.interact(w, r, payload, id, d.Code, "")
}

// serveViewSubmit submits a modal as a view_submission and applies the
// answer as Slack does; it returns the errors to show under the fields.
func (h *handler) serveViewSubmit(w http.ResponseWriter, r *http.Request) {
	var req viewRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	v, view, ok := h.requestView(w, d, req)
	if !ok {
		return
	}
	id, _ := h.reserveResponse()
	payload := map[string]any{
		"type":       "view_submission",
		"token":      "sandbox",
		"api_app_id": "A0SANDBOX",
		"team":       map[string]string{"id": "T0SANDBOX", "domain": "sandbox"},
		"user":       h.staffUser(d),
		"trigger_id": h.modalTrigger(id, d.Code),
		"view":       view,
	}
	data, err := json.Marshal(payload)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	body, status, err := h.callSlackRaw(r, url.Values{"payload": {string(data)}})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	if status != http.StatusOK {
		writeError(w, http.StatusBadGateway, "the Slack handler answered "+strconv.Itoa(status))
		return
	}
	errs, err := h.cfg.Slack.Answer(v.ID, body)
	if err != nil {
		h.log.Warn("sandbox: the Slack handler's answer to a submission", "err", err)
		writeError(w, http.StatusBadGateway, "the Slack handler's answer could not be applied")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"errors": errs})
}

// serveViewClose closes a modal, as its Cancel button does.
func (h *handler) serveViewClose(w http.ResponseWriter, r *http.Request) {
	var req viewRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	if v, ok := h.topModal(d.Code); ok && v.ID == req.ViewID {
		h.cfg.Slack.CloseView(v.ID)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// requestView finds the modal a request names, open for d's staff member,
// and returns it with the view object Slack puts in the payload.
func (h *handler) requestView(w http.ResponseWriter, d booking.Department, req viewRequest) (slackfake.View, map[string]any, bool) {
	v, ok := h.topModal(d.Code)
	if !ok || v.ID != req.ViewID {
		writeError(w, http.StatusConflict, "that modal is no longer open")
		return slackfake.View{}, nil, false
	}
	view := map[string]any{}
	if err := json.Unmarshal(v.View, &view); err != nil {
		writeError(w, http.StatusInternalServerError, "the modal does not decode")
		return slackfake.View{}, nil, false
	}
	view["id"], view["hash"], view["team_id"], view["app_id"] = v.ID, v.Hash, "T0SANDBOX", "A0SANDBOX"
	view["root_view_id"] = v.RootID()
	view["state"] = map[string]any{"values": stateValues(view, req.Values)}
	return v, view, true
}

// inputs returns the view's input blocks, decoded.
func inputs(view map[string]any) []rawInput {
	raw, _ := json.Marshal(view["blocks"])
	var blocks []rawInput
	_ = json.Unmarshal(raw, &blocks)
	var out []rawInput
	for _, b := range blocks {
		if b.Type == "input" {
			out = append(out, b)
		}
	}
	return out
}

// stateValues is view.state.values as Slack sends it: for every input
// block, its element's type and value (nothing for one left empty).
func stateValues(view map[string]any, values map[string]string) map[string]any {
	out := map[string]any{}
	for _, b := range inputs(view) {
		out[b.BlockID] = map[string]any{b.Element.ActionID: elementState(b, values[b.BlockID])}
	}
	return out
}

func elementState(b rawInput, value string) map[string]any {
	st := map[string]any{"type": b.Element.Type}
	switch b.Element.Type {
	case "plain_text_input":
		if value != "" {
			st["value"] = value
		} else {
			st["value"] = nil
		}
	case "datepicker":
		if value != "" {
			st["selected_date"] = value
		} else {
			st["selected_date"] = nil
		}
	default: // static_select, radio_buttons
		st["selected_option"] = nil
		for _, o := range b.Element.Options {
			if o.Value == value {
				st["selected_option"] = map[string]any{"text": map[string]any{"type": "plain_text", "text": o.Text.Text, "emoji": true}, "value": o.Value}
			}
		}
	}
	return st
}

// actionOf is the action a change of input blockID to value sends.
func actionOf(view map[string]any, blockID, value string) (map[string]any, bool) {
	for _, b := range inputs(view) {
		if b.BlockID != blockID {
			continue
		}
		act := elementState(b, value)
		act["block_id"], act["action_id"] = b.BlockID, b.Element.ActionID
		return act, true
	}
	return nil, false
}

func (h *handler) staffUser(d booking.Department) map[string]string {
	return map[string]string{"id": d.Slack.Staff[0], "username": "staff-" + d.Code, "name": "staff-" + d.Code, "team_id": "T0SANDBOX"}
}

func (h *handler) actionTS() string {
	now := h.cfg.Now()
	return strconv.FormatInt(now.Unix(), 10) + "." + strconv.Itoa(now.Nanosecond()/int(time.Microsecond))
}

// interact signs payload as an interaction, serves it through the Slack
// handler and answers with the handler's answer, as serveStaffAction does.
func (h *handler) interact(w http.ResponseWriter, r *http.Request, payload map[string]any, id int, dept, request string) {
	data, err := json.Marshal(payload)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	resp, err := h.callSlack(r, "/slack/interactions", url.Values{"payload": {string(data)}}, id, dept, request)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// callSlackRaw serves a signed interaction through the Slack handler and
// returns its body as is: a submission's answer is for the stand-in to
// apply, not a reply to show.
func (h *handler) callSlackRaw(r *http.Request, form url.Values) ([]byte, int, error) {
	req, err := slackfake.SignedRequest(r.Context(), "/slack/interactions", h.cfg.SigningSecret, form, h.cfg.Now())
	if err != nil {
		return nil, 0, err
	}
	rec := httptest.NewRecorder()
	h.cfg.SlackHandler.ServeHTTP(rec, req)
	return rec.Body.Bytes(), rec.Code, nil
}
