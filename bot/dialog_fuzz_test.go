package bot

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/bot/markup"
	"github.com/rantevou/rantevou/dialog"
)

// FuzzDecodeIntoDialog feeds arbitrary update JSON, as a webhook delivery
// brings it, through the bot's decoder into a step of the dialog on the
// built-in Thessaloniki catalog, from an arbitrary stored session (what
// Redis holds for the chat, or garbage), with every effect the step asks for
// answered (empty lists, or an internal error). Nothing may panic, every
// update the bot takes on must be answered, and every reply, rendered as the
// bot sends it, must be within Telegram's limits: text at most 4096
// characters of valid UTF-8, a toast at most 200, at most 8 buttons a row and
// 100 in all, each with a label and 1 to 64 bytes of callback data.
func FuzzDecodeIntoDialog(f *testing.F) {
	seeds := []struct{ update, session string }{
		{`{"update_id":1,"message":{"message_id":1,"date":1764662400,"chat":{"id":4242,"type":"private"},"from":{"id":4242,"language_code":"el"},"text":"/start"}}`, ``},
		{`{"update_id":2,"message":{"message_id":2,"date":1764662400,"chat":{"id":4242,"type":"private"},"from":{"id":4242,"language_code":"el"},"text":"Μαρία Παπαδοπούλου"}}`,
			`{"v":7,"e":9,"lang":"el","screen":"name","draft":{"dept":"civil-registry","svc":"birth-certificate","date":"2026-12-03","start":"2026-12-03T08:00:00Z","phone":"+306912345678"}}`},
		{`{"update_id":3,"message":{"message_id":3,"date":1764662400,"chat":{"id":4242,"type":"private"},"from":{"id":4242,"language_code":"el"},"contact":{"phone_number":"306912345678","first_name":"Μαρία","last_name":"Παπαδοπούλου","user_id":4242}}}`,
			`{"v":6,"e":9,"lang":"el","screen":"phone","draft":{"dept":"civil-registry","svc":"birth-certificate","date":"2026-12-03","start":"2026-12-03T08:00:00Z"}}`},
		{`{"update_id":4,"callback_query":{"id":"cb4","from":{"id":4242,"language_code":"el"},"data":"8.9|ok","message":{"message_id":9,"date":1764662400,"chat":{"id":4242,"type":"private"}}}}`,
			`{"v":8,"e":9,"lang":"el","screen":"confirm","draft":{"dept":"civil-registry","svc":"birth-certificate","date":"2026-12-03","start":"2026-12-03T08:00:00Z","phone":"+306912345678","name":"Μαρία Παπαδοπούλου"}}`},
		{`{"update_id":5,"callback_query":{"id":"cb5","from":{"id":4242,"language_code":"el"},"data":"g|c|K7P4QX","message":{"message_id":12,"date":0,"chat":{"id":4242,"type":"private"}}}}`, ``},
		{`{"update_id":6,"message":{"message_id":4,"date":1764662400,"chat":{"id":4242,"type":"private"},"from":{"id":4242,"language_code":"el"},"text":"αύριο"}}`,
			`{"v":4,"e":9,"lang":"el","screen":"date","draft":{"dept":"civil-registry","svc":"birth-certificate","date":"0001-01-01","start":"0001-01-01T00:00:00Z"},"days":["2026-12-01","2026-12-02"]}`},
		{`{"update_id":7,"message":{"message_id":5,"date":1764662400,"chat":{"id":-100,"type":"supergroup"},"from":{"id":4242},"text":"/start"}}`, ``},
		{`{"update_id":8,"callback_query":{"id":"cb8","from":{"id":4242,"language_code":"en"},"data":"4.9|t|0930"}}`,
			`{"v":4,"e":9,"lang":"en","screen":"time","draft":{"dept":"civil-registry","svc":"birth-certificate","date":"2026-12-03","start":"0001-01-01T00:00:00Z"},"times":[570,585]}`},
	}
	for _, s := range seeds {
		f.Add(s.update, []byte(s.session))
	}
	cat := booking.DefaultCatalog()
	today := booking.DateOf(time.Date(2026, 11, 30, 9, 0, 0, 0, cat.Location), cat.Location)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, body string, session []byte) {
		var w wireUpdate
		if json.Unmarshal([]byte(body), &w) != nil {
			return
		}
		in, ok := decode(&w)
		if !ok {
			return
		}
		var s dialog.State
		if json.Unmarshal(session, &s) != nil {
			s = dialog.State{}
		}
		env := dialog.Env{Catalog: cat, Today: today, ChatID: in.input.ChatID, Nonce: 9}
		s, replies, effects := dialog.Step(s, in.input.Event, env)
		for n := 0; len(effects) > 0 && n < 8; n++ {
			ef := effects[0]
			effects = effects[1:]
			res := dialog.Result{Effect: ef.Kind, Err: booking.EInternal}
			switch ef.Kind {
			case dialog.LoadDays, dialog.LoadSlots, dialog.MyBookings:
				res.Err = "" // nothing free, nothing booked
			}
			var more []dialog.Reply
			var next []dialog.Effect
			s, more, next = dialog.Step(s, dialog.Event{Kind: dialog.KindResult, Result: &res}, env)
			replies = append(replies, more...)
			effects = append(effects, next...)
		}
		if len(replies) == 0 {
			t.Fatalf("update taken on and not answered: %s from %s", body, session)
		}
		for _, r := range replies {
			checkSendable(t, r, quiet)
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("the session after %s cannot be stored: %v", body, err)
		}
	})
}

// checkSendable checks one reply as the bot renders it for Telegram.
func checkSendable(t *testing.T, r dialog.Reply, log *slog.Logger) {
	t.Helper()
	text := dialog.Clip(r.Text, dialog.MaxTextChars)
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > 4096 {
		t.Fatalf("text of %d characters (valid UTF-8: %v)", utf8.RuneCountInString(text), utf8.ValidString(text))
	}
	if toast := dialog.Clip(r.Toast, dialog.MaxToastChars); utf8.RuneCountInString(toast) > 200 || !utf8.ValidString(toast) {
		t.Fatalf("toast of %d characters", utf8.RuneCountInString(toast))
	}
	kb := markup.Keyboard(r.Buttons, log)
	if kb == nil {
		return
	}
	n := 0
	for _, row := range kb.InlineKeyboard {
		if len(row) == 0 || len(row) > 8 {
			t.Fatalf("a keyboard row of %d buttons", len(row))
		}
		for _, b := range row {
			n++
			if b.Text == "" {
				t.Fatalf("a button without a label: %+v", b)
			}
			if len(b.CallbackData) == 0 || len(b.CallbackData) > 64 {
				t.Fatalf("button %q carries %d bytes of callback data", b.Text, len(b.CallbackData))
			}
		}
	}
	if n > 100 {
		t.Fatalf("a keyboard of %d buttons", n)
	}
	if text == "" && !r.ContactButton && !r.RemoveKeyboard {
		t.Fatalf("buttons without a text to carry them: %+v", r)
	}
}
