package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/go-telegram/bot/models"
)

// FuzzDecode feeds arbitrary update JSON to both update decoders, the
// webhook's and the poller's (through go-telegram/bot's models): neither
// may panic, whatever they accept must name a chat, and where both read an
// update they must agree.
func FuzzDecode(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"text":"/start@rantevou_bot x"}}`)
	f.Add(`{"update_id":2,"callback_query":{"id":"c","from":{"id":5},"data":"v1:x","message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":3,"callback_query":{"id":"c","from":{"id":5},"data":"v1:x","message":{"message_id":3,"date":0,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":4,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"contact":{"phone_number":"+30","first_name":"A","user_id":5}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var w wireUpdate
		if json.Unmarshal([]byte(body), &w) != nil {
			return
		}
		in, ok := decode(&w)
		if ok && in.input.ChatID == 0 {
			t.Fatalf("webhook accepted an update without a chat: %s", body)
		}
		var u models.Update
		if json.Unmarshal([]byte(body), &u) != nil {
			return
		}
		polled := fromModel(&u)
		pin, pok := decode(&polled)
		if pok && pin.input.ChatID == 0 {
			t.Fatalf("poller accepted an update without a chat: %s", body)
		}
		if ok && pok && !reflect.DeepEqual(in, pin) {
			t.Fatalf("the decoders disagree on %s:\nwebhook %+v\npoller  %+v", body, in, pin)
		}
	})
}
