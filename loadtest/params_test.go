package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// editBody is an editMessageText as the bot sends it: a date screen, 5×4
// buttons with Greek texts and callback data.
func editBody() []byte {
	type button struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
	}
	var rows [][]button
	for r := range 5 {
		var row []button
		for c := range 4 {
			row = append(row, button{Text: fmt.Sprintf("Τρίτη %d/%d", 10+r*4+c, 6), CallbackData: fmt.Sprintf("4.k3|d|2025-06-%02d", 10+r*4+c)})
		}
		rows = append(rows, row)
	}
	body, err := json.Marshal(map[string]any{
		"chat_id":      100000042,
		"message_id":   17,
		"text":         "📅 Επιλέξτε ημερομηνία για «Έκδοση πιστοποιητικού γέννησης»\n\n🏛 Ληξιαρχείο Θεσσαλονίκης",
		"reply_markup": map[string]any{"inline_keyboard": rows},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// BenchmarkParseParams is what the fake spends reading one call of the bot:
// its arguments and its markup.
func BenchmarkParseParams(b *testing.B) {
	body := editBody()
	r := httptest.NewRequest(http.MethodPost, "/bot1:x/editMessageText", nil)
	r.Header.Set("Content-Type", "application/json")
	rd := bytes.NewReader(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		p, err := parseParams(r)
		if err != nil {
			b.Fatal(err)
		}
		if mk, err := p.markup(); err != nil || len(mk.Inline) != 5 {
			b.Fatal(mk, err)
		}
	}
}

// BenchmarkReadJSON compares the scanner with encoding/json on the body of
// BenchmarkParseParams.
func BenchmarkReadJSON(b *testing.B) {
	body := editBody()
	for _, bm := range []struct {
		name string
		read func(*params, []byte) error
	}{{"scan", (*params).readJSON}, {"encoding-json", (*params).decodeJSON}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var p params
				if err := bm.read(&p, body); err != nil || p.Markup == nil {
					b.Fatal(p, err)
				}
			}
		})
	}
}

// oldReadJSON is how the fake read a JSON body before it decoded it in one
// pass: each value as a form carries it, reply_markup parsed from its text.
func oldReadJSON(body []byte) (map[string]string, markup, error, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, markup{}, nil, err
	}
	p := map[string]string{}
	for k, raw := range m {
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, markup{}, nil, err
			}
			p[k] = s
			continue
		}
		p[k] = string(raw)
	}
	mk, err := parseMarkup(p["reply_markup"])
	return p, mk, err, nil
}

// TestReadJSON checks the one-pass decoding against the way the fake read
// bodies before: the same arguments, the same markup, the same errors.
func TestReadJSON(t *testing.T) {
	for _, body := range []string{
		string(editBody()),
		`{"chat_id":42,"text":"Τι θέλετε;","reply_markup":{"inline_keyboard":[[{"text":"📅","callback_data":"2.1|bk"},{"text":"ℹ","callback_data":"2.1|i"}],[{"text":"🌐","callback_data":"g|l"}]]}}`,
		`{"chat_id":"42","message_id":"7","text":"x"}`,
		`{"chat_id":-100123,"text":"a\nb \"c\" \u00e9\ud83d\udcc5 \/"}`,
		`{"chat_id":42,"text":"📱","reply_markup":{"keyboard":[[{"text":"📱 Κοινοποίηση","request_contact":true}]],"resize_keyboard":true,"one_time_keyboard":true}}`,
		`{"chat_id":42,"text":"👌","reply_markup":{"remove_keyboard":true}}`,
		`{"method":"answerCallbackQuery","callback_query_id":"77_1","text":"Εντάξει"}`,
		`{"method":"setWebhook","url":"http://127.0.0.1:1/hook","secret_token":"s"}`,
		`{"chat_id":42,"caption":"✅","document":"attach://x.ics","disable_notification":true}`,
		// As a form would carry it: reply_markup as JSON text in a string.
		`{"chat_id":42,"text":"x","reply_markup":"{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":\"1|a\"}]]}"}`,
		// Odd values are kept as their JSON text, as before.
		`{"chat_id":4.2e1,"text":5,"message_id":null}`,
		`{"chat_id":true,"text":null,"caption":{"a":1}}`,
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":5}]]}}`,
		`{"chat_id":42,"text":"x","reply_markup":[]}`,
		`{"chat_id":42,"text":"x","reply_markup":7}`,
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":{}}}`,
		`{}`,
		`null`,
		// Malformed or not an object.
		`{"chat_id":42,"text":"x"`,
		`{"chat_id":42,}`,
		``,
		`[{"chat_id":42}]`,
		`"sendMessage"`,
		`{"chat_id":42} trailing`,
	} {
		want, wantMk, wantMkErr, wantErr := oldReadJSON([]byte(body))
		var p params
		err := p.readJSON([]byte(body))
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: error %v, want %v", body, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := map[string]string{"method": string(p.Method), "chat_id": string(p.ChatID), "message_id": string(p.MessageID),
			"text": string(p.Text), "caption": string(p.Caption), "document": string(p.Document),
			"callback_query_id": string(p.CallbackQueryID), "url": string(p.URL)}
		for k, v := range got {
			if v != want[k] {
				t.Errorf("%s: %s = %q, want %q", body, k, v, want[k])
			}
		}
		mk, mkErr := p.markup()
		if (mkErr != nil) != (wantMkErr != nil) || !mk.equal(wantMk) {
			t.Errorf("%s: markup %+v, %v, want %+v, %v", body, mk, mkErr, wantMk, wantMkErr)
		}
	}
}

func TestReadJSONMarkup(t *testing.T) {
	var p params
	if err := p.readJSON(editBody()); err != nil {
		t.Fatal(err)
	}
	if p.ChatID != "100000042" || p.MessageID != "17" || !strings.HasPrefix(string(p.Text), "📅 Επιλέξτε") {
		t.Fatalf("params %+v", p)
	}
	mk, err := p.markup()
	if err != nil || len(mk.Inline) != 5 || len(mk.Inline[4]) != 4 || mk.Inline[0][1] != (Button{Text: "Τρίτη 11/6", Data: "4.k3|d|2025-06-11"}) {
		t.Fatalf("markup %+v, %v", mk, err)
	}
	chatID, ok := p.ChatID.int64()
	if !ok || chatID != 100000042 {
		t.Fatalf("chat_id %d, %v", chatID, ok)
	}

	p = params{}
	if err := p.readJSON([]byte(`{"chat_id":"42","text":"📱","reply_markup":{"keyboard":[[{"text":"📱","request_contact":true}]]}}`)); err != nil {
		t.Fatal(err)
	}
	if chatID, ok := p.ChatID.int64(); !ok || chatID != 42 {
		t.Fatalf("string chat_id read as %d, %v", chatID, ok)
	}
	if mk, err := p.markup(); err != nil || !mk.Contact || mk.Remove || len(mk.Inline) != 0 {
		t.Fatalf("contact markup %+v, %v", mk, err)
	}

	p = params{}
	if err := p.readJSON([]byte(`{"chat_id":42,"text":"👌","reply_markup":{"remove_keyboard":true}}`)); err != nil {
		t.Fatal(err)
	}
	if mk, err := p.markup(); err != nil || !mk.Remove || mk.Contact {
		t.Fatalf("remove markup %+v, %v", mk, err)
	}
}

// TestFakeJSON serves JSON bodies as the bot's conversation calls send
// them: the answers and the refusals are those of the form bodies.
func TestFakeJSON(t *testing.T) {
	fb := NewFakeBot(testToken, "s3cret")
	f := NewFakeAPI(fb)
	post := func(method, body string) (int, string) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/bot"+testToken+"/"+method, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		f.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	const kb = `{"inline_keyboard":[[{"text":"Α","callback_data":"2.a|d|0"},{"text":"Β","callback_data":"2.a|d|1"}]]}`
	if code, body := post("sendMessage", `{"chat_id":"42","text":"Ποια υπηρεσία;","reply_markup":`+kb+`}`); code != 200 || !strings.Contains(body, `"message_id":1,`) {
		t.Fatalf("sendMessage: %d %s", code, body)
	}
	if v := fb.View(42); v.KeyboardID != 1 || len(v.Buttons[0]) != 2 || v.Buttons[0][1].Data != "2.a|d|1" {
		t.Fatalf("view %+v", v)
	}
	// The same text and markup is not an edit, even with the markup as a
	// form's JSON text in a string.
	code, body := post("editMessageText", `{"chat_id":42,"message_id":1,"text":"Ποια υπηρεσία;","reply_markup":`+kb+`}`)
	if code != 400 || !strings.Contains(body, "message is not modified") {
		t.Fatalf("same edit: %d %s", code, body)
	}
	quoted, _ := json.Marshal(kb)
	if code, body := post("editMessageText", `{"chat_id":42,"message_id":1,"text":"Ποια υπηρεσία;","reply_markup":`+string(quoted)+`}`); code != 400 || !strings.Contains(body, "message is not modified") {
		t.Fatalf("same edit, markup in a string: %d %s", code, body)
	}
	// Another button, or no keyboard at all, is.
	if code, body := post("editMessageText", `{"chat_id":42,"message_id":1,"text":"Ποια υπηρεσία;","reply_markup":{"inline_keyboard":[[{"text":"Α","callback_data":"2.a|d|0"}]]}}`); code != 200 {
		t.Fatalf("edit of the keyboard: %d %s", code, body)
	}
	if code, body := post("editMessageText", `{"chat_id":42,"message_id":1,"text":"Ποια υπηρεσία;"}`); code != 200 {
		t.Fatalf("edit without the keyboard: %d %s", code, body)
	}
	if v := fb.View(42); v.KeyboardID != 0 {
		t.Fatalf("keyboard still shown: %+v", v)
	}
	if code, body := post("sendMessage", `{"chat_id":42,"text":"x","reply_markup":[]}`); code != 400 || !strings.Contains(body, "can't parse reply keyboard markup JSON object") {
		t.Fatalf("bad markup: %d %s", code, body)
	}
	if code, body := post("sendMessage", `{"chat_id":"@nobody","text":"x"}`); code != 400 || !strings.Contains(body, "chat not found") {
		t.Fatalf("bad chat: %d %s", code, body)
	}
	// A malformed body is refused before any method runs, as before.
	for body, want := range map[string]string{
		`{"chat_id":42,"text":"x"`: `{"description":"Bad Request: unexpected end of JSON input","error_code":400,"ok":false}`,
		`[{"chat_id":42}]`:         `{"description":"Bad Request: json: cannot unmarshal array into Go value of type map[string]json.RawMessage","error_code":400,"ok":false}`,
	} {
		if code, got := post("sendMessage", body); code != 400 || got != want {
			t.Errorf("%s: %d %s, want 400 %s", body, code, got, want)
		}
	}
}

// scannedBodies are bodies of the shapes the bot sends: the scanner must
// read them itself, not leave them to encoding/json.
var scannedBodies = []string{
	`{"chat_id":42,"text":"Τι θέλετε;","reply_markup":{"inline_keyboard":[[{"text":"📅","callback_data":"2.1|bk"},{"text":"ℹ","callback_data":"2.1|i"}],[{"text":"🌐","callback_data":"g|l"}]]}}`,
	`{"chat_id":"42","message_id":"7","text":"x","parse_mode":"HTML","link_preview_options":{"is_disabled":true}}`,
	`{"chat_id":-100123,"text":"a\nb \"c\" \u00e9\ud83d\udcc5 \/ \\ \b\f\r\t \ud83d \udcc5x"}`,
	`{"chat_id":42,"text":"📱","reply_markup":{"keyboard":[[{"text":"📱 Κοινοποίηση","request_contact":true}]],"resize_keyboard":true,"one_time_keyboard":true}}`,
	`{"chat_id":42,"text":"👌","reply_markup":{"remove_keyboard":true}}`,
	`{"method":"answerCallbackQuery","callback_query_id":"77_1","text":"Εντάξει","show_alert":false}`,
	`{"method":"setWebhook","url":"http://127.0.0.1:1/hook","secret_token":"s","allowed_updates":["message","callback_query"]}`,
	`{"chat_id":42,"caption":"✅","document":"attach://x.ics","disable_notification":true}`,
	`{"chat_id":4.2e1,"text":5,"message_id":null,"caption":{"a":[1,-0.5E+3,"\u00e9"]}}`,
	`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[],[{"text":"a","callback_data":"1|a","url":"http://x"}]]}}`,
	`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[]},"text":"y","reply_markup":null}`,
	" \r\n\t{ \"chat_id\" : 42 , \"text\" : \"x\" } \n",
	"{\"text\":\"bad \xff UTF-8\"}",
	`{"text":"\ud83d\u0041 \udc00 \ud83d","caption":"\uD83D\uDCC5"}`,
	`{"chat_id":42,"reply_markup":{"inline_keyboard":[[{"text":"a","text":"b"}]],"keyboard":[[{"request_contact":true,"request_contact":false}]],"remove_keyboard":false}}`,
	`{}`,
}

func TestReadJSONScanned(t *testing.T) {
	for _, body := range append(scannedBodies, string(editBody())) {
		var fast, slow params
		if !fast.scanJSON([]byte(body)) {
			t.Errorf("%s: left to encoding/json", body)
			continue
		}
		if err := slow.decodeJSON([]byte(body)); err != nil || !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: scanned %+v, decoded %+v, %v", body, fast, slow, err)
		}
	}
}

// FuzzReadJSON holds the scanner to encoding/json: whatever body it reads,
// encoding/json reads too, to the same params.
func FuzzReadJSON(f *testing.F) {
	f.Add(string(editBody()))
	for _, body := range scannedBodies {
		f.Add(body)
	}
	for _, body := range []string{
		`{"chat_id":42,"text":"x","reply_markup":"{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":\"1|a\"}]]}"}`,
		`{"chat_id":true,"text":null,"caption":{"a":1}}`,
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":5}]]}}`,
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[null]],"keyboard":null}}`,
		`{"chat_id":42,"reply_markup":{"remove_keyboard":true},"reply_markup":{"inline_keyboard":[[{"text":"a"}]]}}`,
		`{"Chat_ID":42,"te\u0078t":"x","reply_markup":{"Inline_Keyboard":[]}}`,
		`{"chat_id":01,"text":"\x"}`,
		`{"chat_id":1.,"text":"\u12"}`,
		`{"chat_id":-,"text":"a` + "\x01" + `"}`,
		`{"chat_id":42,"text":"x"`,
		`{"chat_id":42,}`,
		`[{"chat_id":42}]`,
		`{"chat_id":42} trailing`,
		`null`,
		``,
		`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		// As parseParams leaves them after a query string.
		start := params{ChatID: "q", replyMarkup: `{"remove_keyboard":true}`}
		fast, slow := start, start
		if !fast.scanJSON([]byte(body)) {
			return
		}
		if err := slow.decodeJSON([]byte(body)); err != nil {
			t.Fatalf("%q: scanned, but encoding/json says %v", body, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: scanned %+v (markup %+v), decoded %+v (markup %+v)", body, fast, fast.Markup, slow, slow.Markup)
		}
	})
}
