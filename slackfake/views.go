package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Modals, as Slack keeps them: views.open and views.push record a view
// with an id and a hash; views.update replaces it when the hash given is
// the current one (hash_conflict otherwise, as when two changes race); and
// Answer does with a view_submission's answer what Slack's client does:
// close the modal, replace it (response_action update), push a view, or
// keep it open with errors under its fields.

// ViewUpdate is one views.update call that was applied.
type ViewUpdate struct {
	ViewID string
	Hash   string // the hash the caller sent ("" for none)
	View   json.RawMessage
}

// Updates returns the views.update calls applied so far, in order.
func (s *Server) Updates() []ViewUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ViewUpdate(nil), s.updates...)
}

// ViewByID returns the modal with view_id id.
func (s *Server) ViewByID(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.viewLocked(id); i >= 0 {
		return s.views[i], true
	}
	return View{}, false
}

// OpenViews returns the modals not yet closed, oldest first.
func (s *Server) OpenViews() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, v := range s.views {
		if !v.Closed {
			out = append(out, v)
		}
	}
	return out
}

// CloseView closes a modal and the views pushed on it, as the person's
// Cancel or ✕ does.
func (s *Server) CloseView(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(id)
	s.notifyLocked()
}

// Answer applies the body of the answer to a view_submission of view id
// as Slack does, and returns the errors to show under the fields (block
// id → message) when the answer keeps the modal open with errors. An empty
// answer closes the view; "clear" closes the whole stack; "update"
// replaces the view; "push" pushes one.
func (s *Server) Answer(id string, body []byte) (map[string]string, error) {
	var ans struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if strings.TrimSpace(string(body)) != "" {
		if err := json.Unmarshal(body, &ans); err != nil {
			return nil, fmt.Errorf("slackfake: answer to a view submission: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	i := s.viewLocked(id)
	if i < 0 {
		return nil, fmt.Errorf("slackfake: no view %q", id)
	}
	switch ans.ResponseAction {
	case "":
		s.closeLocked(id)
	case "clear":
		s.closeLocked(s.views[i].RootID())
	case "errors":
		if len(ans.Errors) == 0 {
			return nil, fmt.Errorf("slackfake: response_action errors without errors")
		}
		return ans.Errors, nil
	case "update":
		if len(ans.View) == 0 {
			return nil, fmt.Errorf("slackfake: response_action update without a view")
		}
		s.seq++
		s.views[i].View, s.views[i].Hash = ans.View, fmt.Sprintf("h%d", s.seq)
	case "push":
		if len(ans.View) == 0 {
			return nil, fmt.Errorf("slackfake: response_action push without a view")
		}
		s.seq++
		s.views = append(s.views, View{TriggerID: s.views[i].TriggerID, ID: fmt.Sprintf("V%06d", s.seq),
			Hash: fmt.Sprintf("h%d", s.seq), View: ans.View, Root: s.views[i].RootID()})
	default:
		return nil, fmt.Errorf("slackfake: unknown response_action %q", ans.ResponseAction)
	}
	return nil, nil
}

// openView serves views.open and views.push. A pushed view goes on the
// newest open modal: the fake does not know which modal a trigger came
// from.
func (s *Server) openView(method, trigger string, raw json.RawMessage) map[string]any {
	if trigger == "" {
		return map[string]any{"ok": false, "error": "invalid_arguments"}
	}
	if !json.Valid(raw) || len(raw) == 0 || raw[0] != '{' {
		return map[string]any{"ok": false, "error": "invalid_arguments"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	v := View{TriggerID: trigger, ID: fmt.Sprintf("V%06d", s.seq), Hash: fmt.Sprintf("h%d", s.seq), View: raw}
	if method == "views.push" {
		for j := len(s.views) - 1; j >= 0; j-- {
			if !s.views[j].Closed {
				v.Root = s.views[j].RootID()
				break
			}
		}
		if v.Root == "" {
			return map[string]any{"ok": false, "error": "not_found"}
		}
	}
	s.views = append(s.views, v)
	s.notifyLocked()
	return map[string]any{"ok": true, "view": viewObject(v)}
}

// updateView serves views.update.
func (s *Server) updateView(id, externalID, hash string, raw json.RawMessage) map[string]any {
	if id == "" && externalID == "" {
		return map[string]any{"ok": false, "error": "invalid_arguments"}
	}
	if !json.Valid(raw) || len(raw) == 0 || raw[0] != '{' {
		return map[string]any{"ok": false, "error": "invalid_arguments"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.viewLocked(id)
	if id == "" {
		i = s.externalLocked(externalID)
	}
	if i < 0 || s.views[i].Closed {
		return map[string]any{"ok": false, "error": "not_found"}
	}
	if hash != "" && hash != s.views[i].Hash {
		return map[string]any{"ok": false, "error": "hash_conflict"}
	}
	s.seq++
	s.views[i].View, s.views[i].Hash = raw, fmt.Sprintf("h%d", s.seq)
	s.updates = append(s.updates, ViewUpdate{ViewID: s.views[i].ID, Hash: hash, View: raw})
	s.notifyLocked()
	return map[string]any{"ok": true, "view": viewObject(s.views[i])}
}

func (s *Server) viewLocked(id string) int {
	for i := range s.views {
		if s.views[i].ID == id {
			return i
		}
	}
	return -1
}

func (s *Server) externalLocked(externalID string) int {
	for i := range s.views {
		var v struct {
			ExternalID string `json:"external_id"`
		}
		if json.Unmarshal(s.views[i].View, &v) == nil && v.ExternalID == externalID && externalID != "" {
			return i
		}
	}
	return -1
}

// closeLocked closes view id and every view pushed on it.
func (s *Server) closeLocked(id string) {
	for i := range s.views {
		if s.views[i].ID == id || s.views[i].Root == id {
			s.views[i].Closed = true
		}
	}
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// viewObject is the view as Slack returns it: the request's fields with
// its id and hash.
func viewObject(v View) map[string]any {
	out := map[string]any{}
	_ = json.Unmarshal(v.View, &out)
	out["id"], out["hash"], out["root_view_id"] = v.ID, v.Hash, v.RootID()
	return out
}

// RootID is the view_id of the modal at the bottom of v's stack: v's own,
// unless v was pushed on another.
func (v View) RootID() string {
	if v.Root != "" {
		return v.Root
	}
	return v.ID
}
