package markup

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/dialog"
)

// TestKeyboardWire: a button goes out as its label and callback data, and
// nothing else (no "copy_text", which would make it a second kind of
// button).
func TestKeyboardWire(t *testing.T) {
	kb := Keyboard([][]dialog.Button{{{Text: "📅 Τρίτη 3/12", Data: "v1:d:2026-12-03"}, {Text: "Πίσω", Data: "v1:back"}}}, nil)
	got, err := json.Marshal(kb)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"inline_keyboard":[[{"text":"📅 Τρίτη 3/12","callback_data":"v1:d:2026-12-03"},{"text":"Πίσω","callback_data":"v1:back"}]]}`
	if string(got) != want {
		t.Fatalf("wire form\n got %s\nwant %s", got, want)
	}
}

// TestKeyboardLimits: within Telegram's limits whatever the dialog asks.
func TestKeyboardLimits(t *testing.T) {
	if kb := Keyboard(nil, nil); kb != nil {
		t.Fatalf("no buttons gave %+v", kb)
	}
	if kb := Keyboard([][]dialog.Button{{{Text: "", Data: "x"}, {Text: "x", Data: ""}, {Text: "x", Data: strings.Repeat("d", dialog.MaxCallbackData+1)}}}, nil); kb != nil {
		t.Fatalf("only unusable buttons gave %+v", kb)
	}
	var long []dialog.Button
	for range dialog.MaxRowButtons + 3 {
		long = append(long, dialog.Button{Text: "b", Data: "d"})
	}
	kb := Keyboard([][]dialog.Button{long}, nil)
	if len(kb.InlineKeyboard) != 2 || len(kb.InlineKeyboard[0]) != dialog.MaxRowButtons || len(kb.InlineKeyboard[1]) != 3 {
		t.Fatalf("a row of %d wrapped as %d rows", len(long), len(kb.InlineKeyboard))
	}
	var many [][]dialog.Button
	for range dialog.MaxButtons + 5 {
		many = append(many, []dialog.Button{{Text: "b", Data: "d"}})
	}
	n := 0
	for _, row := range Keyboard(many, nil).InlineKeyboard {
		n += len(row)
	}
	if n != dialog.MaxButtons {
		t.Fatalf("%d buttons kept of %d, want %d", n, len(many), dialog.MaxButtons)
	}
}
