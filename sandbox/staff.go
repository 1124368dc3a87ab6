package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/slackfake"
)

// The staff page acts as the first staff member of a department (from the
// catalog) in that department's channel. A slash command or a button press
// becomes the signed request Slack would send, served by the real Slack
// handler in process; its answer is kept here, and what the handler later
// posts to response_url (a URL of the Slack stand-in) is read back from the
// stand-in; the page shows both as Slack shows an ephemeral or in-channel
// reply.

// maxResponses bounds the replies kept for the staff page.
const maxResponses = 50

// staffResponse is one reply to the staff page's command or press.
type staffResponse struct {
	ID        int         `json:"id"`
	Time      string      `json:"time"`
	Dept      string      `json:"dept"`
	Request   string      `json:"request"` // what staff did, e.g. "/rantevou roster"
	Status    int         `json:"status"`  // HTTP status of the handler's answer; 0 for a later reply
	InChannel bool        `json:"inChannel"`
	HTML      string      `json:"html"`
	Blocks    []blockView `json:"blocks"`
}

// staffView is what the staff page draws.
type staffView struct {
	Posts     []postView      `json:"posts"`
	Responses []staffResponse `json:"responses"`
}

type postView struct {
	Channel   string      `json:"channel"`
	TS        string      `json:"ts"`
	Edited    bool        `json:"edited"`
	Ephemeral bool        `json:"ephemeral"`
	HTML      string      `json:"html"`
	Blocks    []blockView `json:"blocks"`
}

// blockView is one Block Kit block, reduced to what the page draws.
type blockView struct {
	Kind    string       `json:"kind"` // header, section, context, actions, divider
	HTML    string       `json:"html,omitempty"`
	Fields  []string     `json:"fields,omitempty"`
	Buttons []buttonView `json:"buttons,omitempty"`
}

type buttonView struct {
	Text     string `json:"text"`
	ActionID string `json:"actionId"`
	BlockID  string `json:"blockId"`
	Value    string `json:"value"`
	Style    string `json:"style,omitempty"`
}

type rawText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type rawElement struct {
	Type     string          `json:"type"`
	Text     json.RawMessage `json:"text"` // a string in context elements, an object in buttons
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Style    string          `json:"style"`
}

type rawBlock struct {
	Type      string       `json:"type"`
	BlockID   string       `json:"block_id"`
	Text      *rawText     `json:"text"`
	Fields    []rawText    `json:"fields"`
	Elements  []rawElement `json:"elements"`
	Accessory *rawElement  `json:"accessory"`
}

func (t rawText) html() string { return slackHTML(t.Text, t.Type == "plain_text") }

// renderBlocks reduces Block Kit JSON to the blocks the page draws; kinds
// it does not know are left out, and so is JSON it cannot read.
func renderBlocks(raw json.RawMessage) []blockView {
	var blocks []rawBlock
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	var out []blockView
	for _, b := range blocks {
		v := blockView{Kind: b.Type}
		switch b.Type {
		case "header", "section":
			if b.Text != nil {
				v.HTML = b.Text.html()
			}
			for _, f := range b.Fields {
				v.Fields = append(v.Fields, f.html())
			}
			if b.Accessory != nil && b.Accessory.Type == "button" {
				v.Buttons = append(v.Buttons, button(b.BlockID, *b.Accessory))
			}
		case "context":
			var parts []string
			for _, e := range b.Elements {
				if e.Type == "mrkdwn" || e.Type == "plain_text" {
					var s string
					if json.Unmarshal(e.Text, &s) == nil {
						parts = append(parts, slackHTML(s, e.Type == "plain_text"))
					}
				}
			}
			v.HTML = strings.Join(parts, " · ")
		case "actions":
			for _, e := range b.Elements {
				if e.Type == "button" {
					v.Buttons = append(v.Buttons, button(b.BlockID, e))
				}
			}
		case "divider":
		default:
			continue
		}
		out = append(out, v)
	}
	return out
}

func button(blockID string, e rawElement) buttonView {
	var t rawText
	_ = json.Unmarshal(e.Text, &t)
	return buttonView{Text: t.Text, ActionID: e.ActionID, BlockID: blockID, Value: e.Value, Style: e.Style}
}

// serveStaff answers GET /sandbox/api/staff: the channels' messages as
// they stand now (updates applied), then the replies to the page's own
// commands and presses, each followed by what the handler later posted to
// its response_url.
func (h *handler) serveStaff(w http.ResponseWriter, r *http.Request) {
	v := staffView{Posts: []postView{}, Responses: []staffResponse{}}
	h.mu.Lock()
	sync := append([]staffResponse{}, h.responses...)
	replyTo := make(map[string]int, len(h.replyTo))
	for u, id := range h.replyTo {
		replyTo[u] = id
	}
	h.mu.Unlock()
	later := map[int][]staffResponse{}
	if h.cfg.Slack != nil {
		at := map[string]int{} // channel and ts → index in v.Posts
		for _, p := range h.cfg.Slack.Posts() {
			switch p.Method {
			case "chat.postMessage", "chat.postEphemeral":
				at[p.Channel+" "+p.TS] = len(v.Posts)
				v.Posts = append(v.Posts, postView{
					Channel: p.Channel, TS: p.TS, Ephemeral: p.Method == "chat.postEphemeral",
					HTML: slackHTML(p.Text, false), Blocks: renderBlocks(p.Blocks),
				})
			case "chat.update":
				if i, ok := at[p.Channel+" "+p.TS]; ok {
					v.Posts[i].HTML, v.Posts[i].Blocks, v.Posts[i].Edited = slackHTML(p.Text, false), renderBlocks(p.Blocks), true
				}
			case "response_url":
				if id, ok := replyTo[p.URL]; ok {
					resp := staffResponse{ID: id, InChannel: p.Response == "in_channel"}
					fillFrom(&resp, p.Text, p.Blocks)
					later[id] = append(later[id], resp)
				}
			}
		}
	}
	for _, resp := range sync {
		// A press answered with an empty 200 shows nothing in Slack either.
		if resp.Status != http.StatusOK || resp.HTML != "" || len(resp.Blocks) > 0 {
			v.Responses = append(v.Responses, resp)
		}
		for _, l := range later[resp.ID] {
			l.Dept, l.Request, l.Time = resp.Dept, resp.Request, resp.Time
			v.Responses = append(v.Responses, l)
		}
	}
	writeJSON(w, http.StatusOK, v)
}

type commandRequest struct {
	asStaff
	Text string `json:"text"`
}

// serveStaffCommand runs the slash command with text as the department's
// staff member, through the real Slack handler.
func (h *handler) serveStaffCommand(w http.ResponseWriter, r *http.Request) {
	var req commandRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	text = strings.TrimSpace(strings.TrimPrefix(text, h.cfg.SlackCommand))
	id, replyURL := h.reserveResponse()
	form := url.Values{
		"token":        {"sandbox"},
		"team_id":      {"T0SANDBOX"},
		"team_domain":  {"sandbox"},
		"channel_id":   {d.Slack.Channel},
		"channel_name": {d.Code},
		"user_id":      {d.Slack.Staff[0]},
		"user_name":    {"staff-" + d.Code},
		"command":      {h.cfg.SlackCommand},
		"text":         {text},
		"api_app_id":   {"A0SANDBOX"},
		"response_url": {replyURL},
		"trigger_id":   {"sandbox." + strconv.Itoa(id)},
	}
	request := strings.TrimSpace(h.cfg.SlackCommand + " " + text)
	resp, err := h.callSlack(r, "/slack/commands", form, id, d.Code, request)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

type actionRequest struct {
	asStaff
	Channel  string `json:"channel"`
	TS       string `json:"ts"`
	BlockID  string `json:"blockId"`
	ActionID string `json:"actionId"`
	Value    string `json:"value"`
	Text     string `json:"text"`
}

// serveStaffAction presses a button of a post as the department's staff
// member: a signed block_actions interaction, as Slack sends it.
func (h *handler) serveStaffAction(w http.ResponseWriter, r *http.Request) {
	var req actionRequest
	d, ok := h.readStaffRequest(w, r, &req)
	if !ok {
		return
	}
	channel := req.Channel
	if channel == "" {
		channel = d.Slack.Channel
	}
	id, replyURL := h.reserveResponse()
	staff := d.Slack.Staff[0]
	payload := map[string]any{
		"type":         "block_actions",
		"token":        "sandbox",
		"api_app_id":   "A0SANDBOX",
		"trigger_id":   "sandbox." + strconv.Itoa(id),
		"team":         map[string]string{"id": "T0SANDBOX", "domain": "sandbox"},
		"user":         map[string]string{"id": staff, "username": "staff-" + d.Code, "name": "staff-" + d.Code, "team_id": "T0SANDBOX"},
		"channel":      map[string]string{"id": channel, "name": d.Code},
		"container":    map[string]any{"type": "message", "message_ts": req.TS, "channel_id": channel, "is_ephemeral": false},
		"message":      map[string]string{"type": "message", "ts": req.TS},
		"response_url": replyURL,
		"actions": []map[string]any{{
			"type":      "button",
			"block_id":  req.BlockID, // slack-go tells block actions by this key
			"action_id": req.ActionID,
			"value":     req.Value,
			"text":      map[string]string{"type": "plain_text", "text": req.Text},
			"action_ts": strconv.FormatInt(h.cfg.Now().Unix(), 10) + ".000000",
		}},
	}
	data, err := json.Marshal(payload)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	resp, err := h.callSlack(r, "/slack/interactions", url.Values{"payload": {string(data)}}, id, d.Code, "["+req.Text+"] "+req.Value)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not build the request")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// asStaff is the part of every staff request that names the department
// whose staff member the page acts as.
type asStaff struct {
	Dept string `json:"dept"`
}

func (a asStaff) department() string { return a.Dept }

// readStaffRequest decodes a staff request into req and returns the
// department it acts for; on a bad request, or with Slack not wired, it has
// answered already and returns false.
func (h *handler) readStaffRequest(w http.ResponseWriter, r *http.Request, req interface{ department() string }) (booking.Department, bool) {
	if !readJSON(w, r, req) {
		return booking.Department{}, false
	}
	d, ok := h.staffDept(req.department())
	if !ok {
		writeError(w, http.StatusBadRequest, "dept: no such department with staff")
		return booking.Department{}, false
	}
	if !h.slackActive() {
		writeError(w, http.StatusServiceUnavailable, "slack is not wired in this run")
		return booking.Department{}, false
	}
	return d, true
}

func (h *handler) slackActive() bool { return h.cfg.SlackHandler != nil && h.cfg.Slack != nil }

// callSlack serves a signed request through the Slack handler, in
// process, and keeps its answer for the page.
func (h *handler) callSlack(r *http.Request, path string, form url.Values, id int, dept, request string) (staffResponse, error) {
	req, err := slackfake.SignedRequest(r.Context(), path, h.cfg.SigningSecret, form, h.cfg.Now())
	if err != nil {
		return staffResponse{}, fmt.Errorf("sandbox: sign %s: %w", path, err)
	}
	rec := httptest.NewRecorder()
	h.cfg.SlackHandler.ServeHTTP(rec, req)
	resp := staffResponse{ID: id, Dept: dept, Request: request, Status: rec.Code}
	if rec.Code == http.StatusOK {
		fillReply(&resp, rec.Body.Bytes())
	} else {
		h.log.Warn("sandbox: slack handler refused the staff page's request", "path", path, "status", rec.Code)
		resp.HTML = slackHTML(strings.TrimSpace(rec.Body.String()), true)
	}
	h.keep(resp)
	return resp, nil
}

// slackReply is the JSON answer to a command or press.
type slackReply struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
}

func fillReply(resp *staffResponse, body []byte) {
	if strings.TrimSpace(string(body)) == "" {
		return
	}
	var reply slackReply
	if json.Unmarshal(body, &reply) != nil {
		// Slack shows a plain-text answer to a command as written.
		resp.HTML = slackHTML(string(body), true)
		return
	}
	resp.InChannel = reply.ResponseType == "in_channel"
	fillFrom(resp, reply.Text, reply.Blocks)
}

func fillFrom(resp *staffResponse, text string, blocks json.RawMessage) {
	resp.HTML = slackHTML(text, false)
	resp.Blocks = renderBlocks(blocks)
}

// reserveResponse numbers a request of the page and gets it a response_url
// from the stand-in, so later replies can be shown under it.
func (h *handler) reserveResponse() (int, string) {
	replyURL := h.cfg.Slack.ResponseURL()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextResp++
	h.replyTo[replyURL] = h.nextResp
	return h.nextResp, replyURL
}

func (h *handler) keep(resp staffResponse) {
	resp.Time = h.cfg.Now().In(h.loc).Format("15:04")
	h.mu.Lock()
	defer h.mu.Unlock()
	h.responses = append(h.responses, resp)
	if len(h.responses) > maxResponses {
		for _, old := range h.responses[:len(h.responses)-maxResponses] {
			for u, id := range h.replyTo {
				if id == old.ID {
					delete(h.replyTo, u)
				}
			}
		}
		h.responses = h.responses[len(h.responses)-maxResponses:]
	}
}

// staffDept returns the department with code when it has a staff member
// the page can act as.
func (h *handler) staffDept(code string) (booking.Department, bool) {
	d, ok := h.cfg.Catalog.Department(code)
	if !ok || len(d.Slack.Staff) == 0 {
		return booking.Department{}, false
	}
	return *d, true
}
