package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	slackapi "github.com/slack-go/slack"
)

// slackSpy is a Slack endpoint that checks requests the way slack-go does
// (signature, then SlashCommandParse or the interaction payload), records
// them, answers, and posts a later reply to response_url, as the real
// adapter does for slow commands.
type slackSpy struct {
	t        *testing.T
	mu       sync.Mutex
	commands []slackapi.SlashCommand
	actions  []slackapi.InteractionCallback
}

func (s *slackSpy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sv, err := slackapi.NewSecretsVerifier(r.Header, testSigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		s.t.Errorf("slack-go refused the sandbox's signature: %v", err)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch r.URL.Path {
	case "/slack/commands":
		cmd, err := slackapi.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		s.mu.Unlock()
		if cmd.Text == "forbidden" {
			http.Error(w, "nope", http.StatusForbidden)
			return
		}
		later, _ := json.Marshal(map[string]any{"response_type": "in_channel", "text": "Roster of *today* posted"})
		resp, err := http.Post(cmd.ResponseURL, "application/json", bytes.NewReader(later))
		if err != nil {
			s.t.Errorf("response_url: %v", err)
		} else {
			resp.Body.Close()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"response_type": "ephemeral", "text": "One moment, _" + cmd.Text + "_…"})
	case "/slack/interactions":
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var cb slackapi.InteractionCallback
		if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &cb); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.actions = append(s.actions, cb)
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

func TestStaff(t *testing.T) {
	spy := &slackSpy{t: t}
	r := newRig(t, spy)
	api := r.srv.URL + "/sandbox/api/"

	// The adapter posts a roster with buttons through slack-go to the stand-in.
	client := slackapi.New("xoxb-sandbox", slackapi.OptionAPIURL(r.slack.APIURL()))
	blocks := slackapi.Blocks{BlockSet: []slackapi.Block{
		slackapi.NewHeaderBlock(slackapi.NewTextBlockObject("plain_text", "Roster <Monday>", false, false)),
		slackapi.NewSectionBlock(slackapi.NewTextBlockObject("mrkdwn", "*09:00* Birth certificate · TH-7K2Q", false, false), nil, nil),
		slackapi.NewActionBlock("b:TH-7K2Q",
			slackapi.NewButtonBlockElement("attended", "TH-7K2Q", slackapi.NewTextBlockObject("plain_text", "Attended", false, false)).WithStyle(slackapi.StylePrimary),
			slackapi.NewButtonBlockElement("no_show", "TH-7K2Q", slackapi.NewTextBlockObject("plain_text", "No-show", false, false)),
		),
		slackapi.NewContextBlock("", slackapi.NewTextBlockObject("mrkdwn", "3 bookings", false, false)),
		slackapi.NewDividerBlock(),
	}}
	ctx := context.Background()
	_, ts, err := client.PostMessageContext(ctx, "C0CIVILREG", slackapi.MsgOptionText("Roster", false), slackapi.MsgOptionBlocks(blocks.BlockSet...))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := client.UpdateMessageContext(ctx, "C0CIVILREG", ts, slackapi.MsgOptionText("Roster", false), slackapi.MsgOptionBlocks(blocks.BlockSet...)); err != nil {
		t.Fatal(err)
	}

	t.Run("FeedShowsBlocksWithUpdatesApplied", func(t *testing.T) {
		var v staffView
		if err := getJSON(api+"staff", &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Posts) != 1 {
			t.Fatalf("posts = %+v, want the one message (its update applied)", v.Posts)
		}
		p := v.Posts[0]
		kinds := []string{}
		for _, b := range p.Blocks {
			kinds = append(kinds, b.Kind)
		}
		if !p.Edited || p.Channel != "C0CIVILREG" || p.TS != ts || strings.Join(kinds, ",") != "header,section,actions,context,divider" {
			t.Fatalf("post = %+v, kinds %v", p, kinds)
		}
		if p.Blocks[0].HTML != "Roster &lt;Monday&gt;" || p.Blocks[1].HTML != "<b>09:00</b> Birth certificate · TH-7K2Q" {
			t.Fatalf("rendered %q and %q", p.Blocks[0].HTML, p.Blocks[1].HTML)
		}
		if b := p.Blocks[2].Buttons; len(b) != 2 || b[0] != (buttonView{Text: "Attended", ActionID: "attended", BlockID: "b:TH-7K2Q", Value: "TH-7K2Q", Style: "primary"}) {
			t.Fatalf("buttons = %+v", b)
		}
	})

	t.Run("CommandIsSignedAndAnswered", func(t *testing.T) {
		code, out := postJSON(t, api+"staff/command", map[string]string{"dept": "civil-registry", "text": "/rantevou roster tomorrow"})
		if code != http.StatusOK {
			t.Fatalf("command: %d %v", code, out)
		}
		spy.mu.Lock()
		cmd := spy.commands[len(spy.commands)-1]
		spy.mu.Unlock()
		if cmd.Command != "/rantevou" || cmd.Text != "roster tomorrow" || cmd.UserID != "U0EXAMPLE1" || cmd.ChannelID != "C0CIVILREG" {
			t.Fatalf("the handler got %+v", cmd)
		}
		var v staffView
		if err := getJSON(api+"staff", &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Responses) != 2 {
			t.Fatalf("responses = %+v, want the answer and the later reply", v.Responses)
		}
		now, later := v.Responses[0], v.Responses[1]
		if now.InChannel || now.HTML != "One moment, <i>roster tomorrow</i>…" || now.Request != "/rantevou roster tomorrow" || now.Dept != "civil-registry" {
			t.Fatalf("answer = %+v", now)
		}
		if !later.InChannel || later.HTML != "Roster of <b>today</b> posted" || later.ID != now.ID || later.Request != now.Request {
			t.Fatalf("later reply = %+v", later)
		}
	})

	t.Run("RefusedCommandShowsStatus", func(t *testing.T) {
		code, out := postJSON(t, api+"staff/command", map[string]string{"dept": "transparency", "text": "forbidden"})
		if code != http.StatusOK || out["status"] != float64(http.StatusForbidden) {
			t.Fatalf("command: %d %v, want the handler's 403 passed on", code, out)
		}
	})

	t.Run("ButtonSendsBlockAction", func(t *testing.T) {
		code, out := postJSON(t, api+"staff/action", map[string]string{
			"dept": "civil-registry", "channel": "C0CIVILREG", "ts": ts,
			"blockId": "b:TH-7K2Q", "actionId": "no_show", "value": "TH-7K2Q", "text": "No-show",
		})
		if code != http.StatusOK {
			t.Fatalf("action: %d %v", code, out)
		}
		spy.mu.Lock()
		defer spy.mu.Unlock()
		if len(spy.actions) != 1 {
			t.Fatalf("the handler got %d interactions, want 1", len(spy.actions))
		}
		cb := spy.actions[0]
		if cb.Type != slackapi.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
			t.Fatalf("interaction = %+v", cb)
		}
		act := cb.ActionCallback.BlockActions[0]
		if act.ActionID != "no_show" || act.Value != "TH-7K2Q" || act.BlockID != "b:TH-7K2Q" ||
			cb.User.ID != "U0EXAMPLE1" || cb.Channel.ID != "C0CIVILREG" || cb.Container.MessageTs != ts || cb.ResponseURL == "" {
			t.Fatalf("interaction = %+v, action %+v", cb, act)
		}
		var v staffView
		if err := getJSON(api+"staff", &v); err != nil {
			t.Fatal(err)
		}
		for _, resp := range v.Responses {
			if strings.Contains(resp.Request, "No-show") {
				t.Fatalf("the empty answer to a press is shown: %+v", resp)
			}
		}
	})

	t.Run("UnknownDepartmentIsRefused", func(t *testing.T) {
		if code, _ := postJSON(t, api+"staff/command", map[string]string{"dept": "nope", "text": "help"}); code != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", code)
		}
	})
}

func TestStaffWithoutSlackHandler(t *testing.T) {
	r := newRig(t, nil)
	code, _ := postJSON(t, r.srv.URL+"/sandbox/api/staff/command", map[string]string{"dept": "civil-registry", "text": "help"})
	if code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 when no Slack handler is wired", code)
	}
}
