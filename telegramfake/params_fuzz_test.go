package telegramfake_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/telegramfake"
)

// FuzzRequest throws arbitrary bodies at the fake: it must always answer in
// the Bot API's shape and never panic.
func FuzzRequest(f *testing.F) {
	f.Add("application/json", `{"chat_id":1,"text":"a"}`)
	f.Add("application/x-www-form-urlencoded", "chat_id=1&text=a&reply_markup=%7B%7D")
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n1\r\n--x--\r\n")
	f.Add("application/json", `{"chat_id":"1","text":"a","reply_markup":"{\"inline_keyboard\":[[{\"text\":\"\"}]]}"}`)
	fake := telegramfake.New(token)
	f.Fuzz(func(t *testing.T, ct, body string) {
		for _, method := range []string{"sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands"} {
			r := httptest.NewRequest(http.MethodPost, "/bot"+token+"/"+method, strings.NewReader(body))
			r.Header.Set("Content-Type", ct)
			w := httptest.NewRecorder()
			fake.ServeHTTP(w, r)
			if !strings.HasPrefix(w.Body.String(), `{"`) || !strings.Contains(w.Body.String(), `"ok":`) {
				t.Fatalf("%s answered %d %q", method, w.Code, w.Body.String())
			}
		}
	})
}
