package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func uitoa(v uint64) string { return strconv.FormatUint(v, 10) }

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// postJSON posts body and returns the status and the decoded answer.
func postJSON(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestChat(t *testing.T) {
	r := newRig(t, nil)
	api := r.srv.URL + "/sandbox/api/"
	const user = "4100000001"

	// One conversation, step by step; each subtest builds on the last.
	t.Run("EmptyChatHasVersionZero", func(t *testing.T) {
		var v chatView
		if err := getJSON(api+"chat?user="+user, &v); err != nil {
			t.Fatal(err)
		}
		if v.Version != 0 || len(v.Messages) != 0 {
			t.Fatalf("view of a new chat = %+v, want empty at version 0", v)
		}
	})

	t.Run("LanguageSwitchSetsCodeAndSendsStart", func(t *testing.T) {
		if code, out := postJSON(t, api+"language", map[string]string{"user": user, "lang": "el"}); code != http.StatusOK {
			t.Fatalf("language: %d %v", code, out)
		}
		v := r.waitChat(t, user, func(v chatView) bool { return strings.Contains(lastBot(v).HTML, "Καλώς ήρθατε") })
		if v.Messages[0].FromBot || v.Messages[0].HTML != "/start" {
			t.Fatalf("first message = %+v, want the user's /start", v.Messages[0])
		}
		if code, _ := postJSON(t, api+"language", map[string]string{"user": user, "lang": "en"}); code != http.StatusOK {
			t.Fatalf("language en: %d", code)
		}
		v = r.waitChat(t, user, func(v chatView) bool { return strings.Contains(lastBot(v).HTML, "Welcome to the City") })
		if got := lastBot(v).Buttons; len(got) != 1 || got[0][0].Text != "Book an appointment" || got[0][0].Data != "book" {
			t.Fatalf("buttons = %+v, want one Book button", got)
		}
	})

	t.Run("PressEditsInPlace", func(t *testing.T) {
		before := r.waitChat(t, user, func(chatView) bool { return true })
		msg := lastBot(before)
		if code, out := postJSON(t, api+"press", map[string]any{"user": user, "message": msg.ID, "data": "book"}); code != http.StatusOK {
			t.Fatalf("press: %d %v", code, out)
		}
		v := r.waitChat(t, user, func(v chatView) bool { return strings.Contains(lastBot(v).HTML, "Choose a time") })
		edited := lastBot(v)
		if edited.ID != msg.ID || !edited.Edited || len(v.Messages) != len(before.Messages) {
			t.Fatalf("after press: message %d edited=%v, %d messages; want message %d edited in place, %d messages",
				edited.ID, edited.Edited, len(v.Messages), msg.ID, len(before.Messages))
		}
	})

	t.Run("StaleButtonIsRefused", func(t *testing.T) {
		v := r.waitChat(t, user, func(chatView) bool { return true })
		code, _ := postJSON(t, api+"press", map[string]any{"user": user, "message": lastBot(v).ID, "data": "book"})
		if code != http.StatusConflict {
			t.Fatalf("pressing a button the message no longer shows: status %d, want 409", code)
		}
	})

	t.Run("ToastOfAnsweredPressIsShown", func(t *testing.T) {
		v := r.waitChat(t, user, func(chatView) bool { return true })
		if code, _ := postJSON(t, api+"press", map[string]any{"user": user, "message": lastBot(v).ID, "data": "old"}); code != http.StatusOK {
			t.Fatalf("press: %d", code)
		}
		after := v.Version
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			var next chatView
			if err := getJSON(api+"chat?user="+user+"&after="+uitoa(after), &next); err != nil {
				t.Fatal(err)
			}
			for _, toast := range next.Toasts {
				if toast == "This button is from an older screen" {
					return
				}
			}
			after = next.Version
		}
		t.Fatal("the callback answer's toast never reached the page")
	})

	t.Run("ChoiceShowsShareContactKey", func(t *testing.T) {
		v := r.waitChat(t, user, func(chatView) bool { return true })
		if code, _ := postJSON(t, api+"press", map[string]any{"user": user, "message": lastBot(v).ID, "data": "t0900"}); code != http.StatusOK {
			t.Fatalf("press: %d", code)
		}
		v = r.waitChat(t, user, func(v chatView) bool { return len(v.Keyboard) > 0 })
		if k := v.Keyboard[0][0]; !k.Contact || k.Text != "Share my phone" {
			t.Fatalf("reply keyboard = %+v, want the share-contact key", v.Keyboard)
		}
	})

	t.Run("SharedContactIsTheUsersOwn", func(t *testing.T) {
		if code, _ := postJSON(t, api+"contact", map[string]string{"user": user}); code != http.StatusOK {
			t.Fatalf("contact: %d", code)
		}
		v := r.waitChat(t, user, func(v chatView) bool { return lastBot(v).Document != nil })
		if len(v.Keyboard) != 0 {
			t.Fatalf("keyboard after confirmation = %+v, want it removed", v.Keyboard)
		}
		var contact string
		for _, m := range v.Messages {
			if m.Contact != "" {
				contact = m.Contact
			}
		}
		if contact != samplePhone(4100000001) || !strings.HasPrefix(contact, "+3069") || len(contact) != 13 {
			t.Fatalf("shared contact = %q, want the user's sample number", contact)
		}
		if !hasText(v, "Reference: TH-7K2Q") || !hasText(v, "09:00 &lt;bring your ID&gt;") {
			t.Fatalf("confirmation missing or not escaped: %+v", v.Messages)
		}
	})

	t.Run("DocumentDownloads", func(t *testing.T) {
		v := r.waitChat(t, user, func(v chatView) bool { return lastBot(v).Document != nil })
		doc := lastBot(v)
		resp, err := http.Get(api + "document?user=" + user + "&message=" + strconv.Itoa(doc.ID))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "BEGIN:VCALENDAR") ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
			resp.Header.Get("Content-Disposition") != `attachment; filename="rantevou.ics"` {
			t.Fatalf("document: %s %q %v", resp.Status, body, resp.Header)
		}
	})

	t.Run("TypedTextReachesTheBot", func(t *testing.T) {
		if code, _ := postJSON(t, api+"send", map[string]string{"user": user, "text": "  γεια <σας>  "}); code != http.StatusOK {
			t.Fatalf("send: %d", code)
		}
		r.waitChat(t, user, func(v chatView) bool { return lastBot(v).HTML == "You wrote: γεια &lt;σας&gt;" })
	})

	t.Run("OtherUserSeesOnlyTheirChat", func(t *testing.T) {
		const other = "4100000002"
		if code, _ := postJSON(t, api+"send", map[string]string{"user": other, "text": "hello"}); code != http.StatusOK {
			t.Fatalf("send: %d", code)
		}
		v := r.waitChat(t, other, func(v chatView) bool { return len(v.Messages) == 2 })
		if hasText(v, "TH-7K2Q") {
			t.Fatal("another user's chat shows the first user's booking")
		}
	})
}

func TestChatRefusesBadInput(t *testing.T) {
	r := newRig(t, nil)
	api := r.srv.URL + "/sandbox/api/"
	tests := []struct {
		name, path string
		body       any
		want       int
	}{
		{"NoUser", "send", map[string]string{"text": "hi"}, http.StatusBadRequest},
		{"NegativeUser", "send", map[string]string{"user": "-5", "text": "hi"}, http.StatusBadRequest},
		{"UserBeyondJavaScriptIntegers", "send", map[string]string{"user": "9007199254740993", "text": "hi"}, http.StatusBadRequest},
		{"EmptyText", "send", map[string]string{"user": "42", "text": "   "}, http.StatusBadRequest},
		{"TooLongText", "send", map[string]string{"user": "42", "text": strings.Repeat("α", 4097)}, http.StatusBadRequest},
		{"UnknownLanguage", "language", map[string]string{"user": "42", "lang": "fr"}, http.StatusBadRequest},
		{"PressOnMissingMessage", "press", map[string]any{"user": "42", "message": 99, "data": "x"}, http.StatusConflict},
		{"NotJSON", "contact", "not an object", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := postJSON(t, api+tt.path, tt.body); code != tt.want {
				t.Fatalf("status %d (%v), want %d", code, out, tt.want)
			}
		})
	}
	t.Run("NothingReachedTheBot", func(t *testing.T) {
		if msgs := r.tg.Chat(42); len(msgs) != 0 {
			t.Fatalf("refused requests still produced messages: %+v", msgs)
		}
	})
	t.Run("PollWithBadVersion", func(t *testing.T) {
		resp, err := http.Get(api + "chat?user=42&after=x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
	})
}

func TestChatPollWaitsForAChange(t *testing.T) {
	r := newRig(t, nil)
	r.h.pollWait = 3 * time.Second
	const user = "4100000003"
	r.tg.SendText(4100000003, "one")
	v := r.waitChat(t, user, func(v chatView) bool { return len(v.Messages) == 2 })

	start := time.Now()
	go func() {
		time.Sleep(300 * time.Millisecond)
		r.tg.SendText(4100000003, "two")
	}()
	var next chatView
	if err := getJSON(r.srv.URL+"/sandbox/api/chat?user="+user+"&after="+uitoa(v.Version), &next); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if next.Version <= v.Version || took < 250*time.Millisecond || took > 2500*time.Millisecond {
		t.Fatalf("poll answered after %v with version %d (was %d); want an answer on the change, not before or at the timeout",
			took, next.Version, v.Version)
	}
}

func TestChatPollEndsWhenTheProgramStops(t *testing.T) {
	done := make(chan struct{})
	r := newRig(t, nil, func(c *Config) { c.Done = done })
	r.h.pollWait = 20 * time.Second
	go func() {
		time.Sleep(300 * time.Millisecond)
		close(done)
	}()
	start := time.Now()
	var v chatView
	if err := getJSON(r.srv.URL+"/sandbox/api/chat?user=4100000004", &v); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("an open poll answered %v after the program stopped; a graceful shutdown would wait that long", took)
	}
}

func TestPagesAreServed(t *testing.T) {
	r := newRig(t, nil)
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `src="/static/chat.js"`},
		{"/staff", "text/html", `src="/static/staff.js"`},
		{"/static/app.css", "text/css", ".bubble"},
		{"/static/chat.js", "javascript", "sessionStorage"},
		{"/static/icon.svg", "image/svg+xml", "<svg"},
	} {
		resp, err := http.Get(r.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: %s %q, body has %q: %v", tt.path, resp.Status, resp.Header.Get("Content-Type"), tt.contains, strings.Contains(string(body), tt.contains))
		}
		for _, external := range []string{`src="http`, `href="http`, "url(http", "@import", "fetch(\"http"} {
			if strings.Contains(string(body), external) {
				t.Errorf("GET %s loads from another site (%s); the sandbox must work offline", tt.path, external)
			}
		}
	}
	var in info
	if err := getJSON(r.srv.URL+"/sandbox/api/info", &in); err != nil {
		t.Fatal(err)
	}
	if in.Office.EL != "Δήμος Θεσσαλονίκης" || len(in.Departments) != 4 || in.Departments[0].Channel == "" || in.Departments[0].Staff == "" {
		t.Fatalf("info = %+v", in)
	}
}
