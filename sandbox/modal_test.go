package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/slack"
)

// modalSpy is a Slack handler that opens a modal on the shortcut, redraws
// it on a change of its dispatching select and answers its submission,
// through slack-go against the stand-in, as the real adapter does; it
// parses every request the way the adapter does, after checking the
// signature.
type modalSpy struct {
	t   *testing.T
	api *slackapi.Client

	mu  sync.Mutex
	got []slackapi.InteractionCallback
}

func spyModal(day string) slackapi.ModalViewRequest {
	opts := []*slackapi.OptionBlockObject{
		slackapi.NewOptionBlockObject("mon", slackapi.NewTextBlockObject("plain_text", "Δευτέρα", false, false), nil),
		slackapi.NewOptionBlockObject("tue", slackapi.NewTextBlockObject("plain_text", "Τρίτη", false, false), nil),
	}
	sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, slackapi.NewTextBlockObject("plain_text", "Επιλέξτε…", false, false), "day", opts...)
	for _, o := range opts {
		if o.Value == day {
			sel.InitialOption = o
		}
	}
	dayBlock := slackapi.NewInputBlock("day."+day, slackapi.NewTextBlockObject("plain_text", "Ημέρα", false, false), nil, sel)
	dayBlock.DispatchAction = true
	name := slackapi.NewPlainTextInputBlockElement(nil, "name")
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: "spy_modal", PrivateMetadata: `{"k":"1"}`,
		Title:  slackapi.NewTextBlockObject("plain_text", "Ραντεβού", false, false),
		Submit: slackapi.NewTextBlockObject("plain_text", "Καταχώριση", false, false),
		Close:  slackapi.NewTextBlockObject("plain_text", "Άκυρο", false, false),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			slackapi.NewContextBlock("ctx", slackapi.NewTextBlockObject("mrkdwn", "Ημέρα: *"+day+"*", false, false)),
			dayBlock,
			slackapi.NewInputBlock("name", slackapi.NewTextBlockObject("plain_text", "Όνομα", false, false), nil, name),
		}},
	}
}

func (s *modalSpy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sv, err := slackapi.NewSecretsVerifier(r.Header, testSigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil || r.URL.Path != "/slack/interactions" {
		s.t.Errorf("request to %s refused: %v", r.URL.Path, err)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_ = r.ParseForm()
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &cb); err != nil {
		s.t.Errorf("payload does not decode as slack-go decodes it: %v", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.got = append(s.got, cb)
	s.mu.Unlock()
	switch cb.Type {
	case slackapi.InteractionTypeShortcut:
		if _, err := s.api.OpenViewContext(r.Context(), cb.TriggerID, spyModal("")); err != nil {
			s.t.Errorf("views.open: %v", err)
		}
	case slackapi.InteractionTypeBlockActions:
		act := cb.ActionCallback.BlockActions[0]
		if _, err := s.api.UpdateViewContext(r.Context(), spyModal(act.SelectedOption.Value), "", cb.View.Hash, cb.View.ID); err != nil {
			s.t.Errorf("views.update: %v", err)
		}
	case slackapi.InteractionTypeViewSubmission:
		name := ""
		for block, acts := range cb.View.State.Values {
			if block == "name" {
				name = acts["name"].Value
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if name == "" {
			_ = json.NewEncoder(w).Encode(map[string]any{"response_action": "errors", "errors": map[string]string{"name": "Γράψτε όνομα"}})
			return
		}
		done := slackapi.ModalViewRequest{Type: slackapi.VTModal, Title: slackapi.NewTextBlockObject("plain_text", "Έγινε", false, false),
			Close:  slackapi.NewTextBlockObject("plain_text", "Εντάξει", false, false),
			Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewSectionBlock(slackapi.NewTextBlockObject("mrkdwn", "Κωδικός *K7P4QX* για "+name, false, false), nil, nil)}}}
		_ = json.NewEncoder(w).Encode(slackapi.NewUpdateViewSubmissionResponse(&done))
		return
	}
	w.WriteHeader(http.StatusOK)
}

type modalAnswer struct {
	Modal *modalView `json:"modal"`
}

// TestStaffModal: the staff page's shortcut, modal, select change,
// submission with an error, submission, as Slack sends them.
func TestStaffModal(t *testing.T) {
	spy := &modalSpy{t: t}
	r := newRig(t, spy)
	spy.api = newSpyClient(r)
	api := r.srv.URL + "/sandbox/api/staff/"
	const dept = "civil-registry"
	modal := func() *modalView {
		t.Helper()
		var m modalAnswer
		if err := getJSON(api+"modal?dept="+dept, &m); err != nil {
			t.Fatal(err)
		}
		return m.Modal
	}
	if m := modal(); m != nil {
		t.Fatalf("a modal before any: %+v", m)
	}
	if status, out := postJSON(t, api+"shortcut", map[string]any{"dept": dept, "callbackId": "nope"}); status != http.StatusBadRequest {
		t.Fatalf("an unknown shortcut: %d %v", status, out)
	}
	if status, out := postJSON(t, api+"shortcut", map[string]any{"dept": dept, "callbackId": slack.ShortcutBook}); status != http.StatusOK {
		t.Fatalf("shortcut: %d %v", status, out)
	}
	m := modal()
	if m == nil || m.Title != "Ραντεβού" || m.Submit != "Καταχώριση" || len(m.Blocks) != 3 {
		t.Fatalf("modal %+v", m)
	}
	if day := m.Blocks[1]; day.Kind != "input" || day.BlockID != "day." || !day.Dispatch || day.Element.Type != "static_select" ||
		len(day.Element.Options) != 2 || day.Element.Options[1].Text != "Τρίτη" || day.Label != "Ημέρα" {
		t.Fatalf("day block %+v", day)
	}
	var other modalAnswer
	if err := getJSON(api+"modal?dept=registry-office", &other); err != nil || other.Modal != nil {
		t.Fatalf("the Registry Office's channel shows %+v (%v); the modal is the Civil Registry's", other.Modal, err)
	}

	if status, out := postJSON(t, api+"view/action", map[string]any{"dept": dept, "viewId": m.ID, "blockId": "day.", "values": map[string]string{"day.": "tue", "name": "Μαρ"}}); status != http.StatusOK {
		t.Fatalf("action: %d %v", status, out)
	}
	m2 := modal()
	if m2 == nil || m2.ID != m.ID || m2.Hash == m.Hash || m2.Blocks[1].BlockID != "day.tue" || m2.Blocks[1].Element.Initial != "tue" ||
		!strings.Contains(m2.Blocks[0].HTML, "<b>tue</b>") {
		t.Fatalf("after choosing Tuesday the modal is %+v", m2)
	}
	spy.mu.Lock()
	act := spy.got[len(spy.got)-1]
	spy.mu.Unlock()
	if act.Type != slackapi.InteractionTypeBlockActions || act.View.ID != m.ID || act.View.Hash != m.Hash || act.View.CallbackID != "spy_modal" ||
		act.View.PrivateMetadata != `{"k":"1"}` || act.View.State.Values["name"]["name"].Value != "Μαρ" || act.User.ID != "U0EXAMPLE1" ||
		act.ActionCallback.BlockActions[0].SelectedOption.Value != "tue" || act.ActionCallback.BlockActions[0].BlockID != "day." {
		t.Fatalf("block_actions as the handler read it: %+v", act)
	}

	var sub struct {
		Errors map[string]string `json:"errors"`
	}
	status, out := postJSON(t, api+"view/submit", map[string]any{"dept": dept, "viewId": m2.ID, "values": map[string]string{"day.tue": "tue"}})
	raw, _ := json.Marshal(out)
	_ = json.Unmarshal(raw, &sub)
	if status != http.StatusOK || sub.Errors["name"] != "Γράψτε όνομα" {
		t.Fatalf("submission without a name: %d %v; want the handler's error under the name", status, out)
	}
	if m3 := modal(); m3 == nil || m3.Hash != m2.Hash {
		t.Fatal("a submission answered with errors closed or changed the modal")
	}
	status, out = postJSON(t, api+"view/submit", map[string]any{"dept": dept, "viewId": m2.ID, "values": map[string]string{"day.tue": "tue", "name": "Μαρία"}})
	if status != http.StatusOK || out["errors"] != nil {
		t.Fatalf("submission: %d %v", status, out)
	}
	done := modal()
	if done == nil || done.Title != "Έγινε" || !strings.Contains(done.Blocks[0].HTML, "K7P4QX") || done.Submit != "" {
		t.Fatalf("after the submission the modal is %+v; want the handler's update", done)
	}
	if status, _ := postJSON(t, api+"view/close", map[string]any{"dept": dept, "viewId": done.ID}); status != http.StatusOK || modal() != nil {
		t.Fatal("the modal is still open after closing it")
	}
	if status, out := postJSON(t, api+"view/submit", map[string]any{"dept": dept, "viewId": done.ID}); status != http.StatusConflict {
		t.Fatalf("submitting a closed modal: %d %v", status, out)
	}
}

// newSpyClient is slack-go pointed at the rig's stand-in.
func newSpyClient(r *rig) *slackapi.Client {
	return slackapi.New("xoxb-sandbox", slackapi.OptionAPIURL(r.slack.APIURL()))
}
