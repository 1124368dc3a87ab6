package slackfake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/slackfake"
)

func modalWith(text string) slackapi.ModalViewRequest {
	return slackapi.ModalViewRequest{Type: slackapi.VTModal, CallbackID: "cb",
		Title:  slackapi.NewTextBlockObject(slackapi.PlainTextType, "Τίτλος", false, false),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, false), nil, nil)}}}
}

// TestViews: views.open gives a view an id and a hash; views.update with
// the current hash replaces it and changes the hash, with a stale one is
// refused as hash_conflict; a submission's answer is applied as Slack's
// client applies it.
func TestViews(t *testing.T) {
	s := slackfake.New()
	t.Cleanup(s.Close)
	api := slackapi.New("xoxb-test", slackapi.OptionAPIURL(s.APIURL()))
	ctx := context.Background()

	opened, err := api.OpenViewContext(ctx, "trigger-1", modalWith("πρώτο"))
	if err != nil {
		t.Fatal(err)
	}
	if opened.View.ID == "" || opened.View.Hash == "" || opened.View.CallbackID != "cb" {
		t.Fatalf("views.open returned %+v", opened.View)
	}
	updated, err := api.UpdateViewContext(ctx, modalWith("δεύτερο"), "", opened.View.Hash, opened.View.ID)
	if err != nil {
		t.Fatal(err)
	}
	if updated.View.Hash == opened.View.Hash {
		t.Fatal("the hash did not change with the update")
	}
	_, err = api.UpdateViewContext(ctx, modalWith("τρίτο"), "", opened.View.Hash, opened.View.ID)
	var se slackapi.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "hash_conflict" {
		t.Fatalf("an update with a stale hash: %v; want hash_conflict", err)
	}
	v, ok := s.ViewByID(opened.View.ID)
	if !ok || !strings.Contains(string(v.View), "δεύτερο") || v.Hash != updated.View.Hash {
		t.Fatalf("view now %+v", v)
	}
	if ups := s.Updates(); len(ups) != 1 || ups[0].ViewID != opened.View.ID || ups[0].Hash != opened.View.Hash {
		t.Fatalf("updates %+v", ups)
	}
	if _, err := api.UpdateViewContext(ctx, modalWith("x"), "", "", "VNONE"); !errors.As(err, &se) || se.Err != "not_found" {
		t.Fatalf("update of an unknown view: %v", err)
	}

	pushed, err := api.PushViewContext(ctx, "trigger-2", modalWith("από πάνω"))
	if err != nil {
		t.Fatal(err)
	}
	if open := s.OpenViews(); len(open) != 2 || open[1].Root != opened.View.ID {
		t.Fatalf("open views after a push: %+v", open)
	}

	errs, err := s.Answer(opened.View.ID, []byte(`{"response_action":"errors","errors":{"reason":"γράψτε λόγο"}}`))
	if err != nil || errs["reason"] != "γράψτε λόγο" || len(s.OpenViews()) != 2 {
		t.Fatalf("errors answer: %v %v; want the errors and the modal kept", errs, err)
	}
	if _, err := s.Answer(pushed.View.ID, []byte(`{"response_action":"update","view":{"type":"modal","title":{"type":"plain_text","text":"Τέλος"},"blocks":[]}}`)); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.ViewByID(pushed.View.ID); !strings.Contains(string(v.View), "Τέλος") || v.Hash == pushed.View.Hash {
		t.Fatalf("after an update answer the view is %+v", v)
	}
	if _, err := s.Answer(pushed.View.ID, nil); err != nil {
		t.Fatal(err)
	}
	if open := s.OpenViews(); len(open) != 1 || open[0].ID != opened.View.ID {
		t.Fatalf("an empty answer closes only the pushed view; open: %+v", open)
	}
	if _, err := s.Answer(opened.View.ID, []byte(`{"response_action":"clear"}`)); err != nil || len(s.OpenViews()) != 0 {
		t.Fatalf("clear: %v, open %+v", err, s.OpenViews())
	}
}
