package bot

import (
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"
)

// FuzzDecode feeds arbitrary update JSON to the update decoder: it must
// never panic, and whatever it accepts must name a chat.
func FuzzDecode(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"text":"/start@rantevou_bot x"}}`)
	f.Add(`{"update_id":2,"callback_query":{"id":"c","from":{"id":5},"data":"v1:x","message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":3,"callback_query":{"id":"c","from":{"id":5},"data":"v1:x","message":{"message_id":3,"date":0,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":4,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"contact":{"phone_number":"+30","first_name":"A","user_id":5}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var u models.Update
		if json.Unmarshal([]byte(body), &u) != nil {
			return
		}
		in, ok := decode(&u)
		if ok && in.input.ChatID == 0 {
			t.Fatalf("accepted an update without a chat: %s", body)
		}
	})
}
