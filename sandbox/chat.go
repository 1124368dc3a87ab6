package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/telegramfake"
)

// The citizen is one fake Telegram user per browser tab: the page picks a
// random user ID and keeps it in sessionStorage, so two people (or two tabs)
// can try the sandbox at once without seeing each other's chat. In a
// private chat the chat ID is the user's ID.

// maxUserID keeps IDs within what JavaScript numbers hold exactly.
const maxUserID = 1<<53 - 1

// pollWait is how long a chat poll waits for a change before answering
// with the chat as it is; well under the usual proxy and browser timeouts.
const pollWait = 25 * time.Second

func parseUser(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || id > maxUserID {
		return 0, fmt.Errorf("sandbox: user: %q is not a user id", s)
	}
	return id, nil
}

// asUser is the part of every chat request that names the tab's user.
type asUser struct {
	User string `json:"user"`
}

func (a asUser) userID() (int64, error) { return parseUser(a.User) }

// readUserRequest decodes a chat request into req and returns its user; on
// a bad request it has answered already and returns false.
func readUserRequest(w http.ResponseWriter, r *http.Request, req interface{ userID() (int64, error) }) (int64, bool) {
	if !readJSON(w, r, req) {
		return 0, false
	}
	user, err := req.userID()
	if err != nil {
		writeError(w, http.StatusBadRequest, "user: want a positive integer id")
		return 0, false
	}
	return user, true
}

// chatView is the chat as the page draws it.
type chatView struct {
	Version  uint64        `json:"version"`
	Messages []messageView `json:"messages"`
	// Keyboard is the reply keyboard the chat shows, e.g. the share-contact key.
	Keyboard [][]keyView `json:"keyboard"`
	// Toasts are callback answers since the version the page asked after.
	Toasts []string `json:"toasts"`
}

type messageView struct {
	ID       int         `json:"id"`
	FromBot  bool        `json:"fromBot"`
	HTML     string      `json:"html"` // sanitized, see telegramHTML
	Time     string      `json:"time"`
	Edited   bool        `json:"edited"`
	Buttons  [][]keyView `json:"buttons"`
	Document *docView    `json:"document,omitempty"`
	Venue    *venueView  `json:"venue,omitempty"`
	Contact  string      `json:"contact,omitempty"`
}

// venueView is a map pin, with a link to the place on OpenStreetMap (the
// sandbox draws no map of its own).
type venueView struct {
	Title   string `json:"title"`
	Address string `json:"address"`
	URL     string `json:"url"`
}

type keyView struct {
	Text    string `json:"text"`
	Data    string `json:"data,omitempty"`
	URL     string `json:"url,omitempty"`
	Contact bool   `json:"contact,omitempty"`
}

type docView struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// view reads the chat of user from the fake. Its version is the sequence
// number of the chat's newest event, so it moves on every send, edit,
// delete or callback answer in this chat and on nothing else.
func (h *handler) view(user int64, after uint64) chatView {
	tg := h.cfg.Telegram
	v := chatView{Messages: []messageView{}, Keyboard: [][]keyView{}, Toasts: []string{}}
	for _, e := range tg.Events(user) {
		v.Version = e.Seq
		if e.Kind == telegramfake.BotAnswer && e.Text != "" && after > 0 && e.Seq > after {
			v.Toasts = append(v.Toasts, e.Text)
		}
	}
	for _, m := range tg.Chat(user) {
		if m.Deleted {
			continue
		}
		mv := messageView{
			ID:      m.ID,
			FromBot: m.FromBot,
			HTML:    telegramHTML(m.Text),
			Time:    m.Date.In(h.loc).Format("15:04"),
			Edited:  m.Edits > 0,
			Buttons: keys(m.Inline),
		}
		if m.Document != nil {
			mv.Document = &docView{Name: m.Document.FileName, Size: len(m.Document.Data)}
		}
		if m.Contact != nil {
			mv.Contact = m.Contact.Phone
		}
		if v := m.Venue; v != nil {
			mv.Venue = &venueView{Title: v.Title, Address: v.Address,
				URL: fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=18/%.6f/%.6f", v.Lat, v.Lon, v.Lat, v.Lon)}
		}
		v.Messages = append(v.Messages, mv)
	}
	v.Keyboard = keys(tg.Keyboard(user))
	return v
}

func keys(rows [][]telegramfake.Button) [][]keyView {
	out := [][]keyView{}
	for _, row := range rows {
		var r []keyView
		for _, b := range row {
			r = append(r, keyView{Text: b.Text, Data: b.Data, URL: b.URL, Contact: b.RequestContact})
		}
		out = append(out, r)
	}
	return out
}

// serveChat answers GET /sandbox/api/chat?user=ID&after=VERSION: the chat
// as soon as its version is past after, or as it is after pollWait. A page
// long-polls it in a loop.
func (h *handler) serveChat(w http.ResponseWriter, r *http.Request) {
	user, err := parseUser(r.URL.Query().Get("user"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "user: want a positive integer id")
		return
	}
	var after uint64
	if s := r.URL.Query().Get("after"); s != "" {
		if after, err = strconv.ParseUint(s, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "after: want a version number")
			return
		}
	}
	events, stop := h.cfg.Telegram.Subscribe(user)
	defer stop()
	ctx, cancel := context.WithTimeout(r.Context(), h.pollWait)
	defer cancel()
	for {
		v := h.view(user, after)
		if v.Version > after || v.Version < after {
			// A version behind the page's means the program restarted
			// with a fresh fake: send what there is so the page resyncs.
			writeJSON(w, http.StatusOK, v)
			return
		}
		select {
		case <-events:
		case <-h.cfg.Done:
			writeJSON(w, http.StatusOK, v)
			return
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return
			}
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
}

// maxTextChars is Telegram's limit on a message's length.
const maxTextChars = 4096

type sendRequest struct {
	asUser
	Text string `json:"text"`
}

// serveSend types a text (or a /command) as the user.
func (h *handler) serveSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	user, ok := readUserRequest(w, r, &req)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" || utf8.RuneCountInString(text) > maxTextChars || !utf8.ValidString(text) {
		writeError(w, http.StatusBadRequest, "text: want 1 to 4096 characters")
		return
	}
	h.cfg.Telegram.SendText(user, text)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type pressRequest struct {
	asUser
	Message int    `json:"message"`
	Data    string `json:"data"`
}

// servePress taps an inline button of one of the bot's messages. The fake
// refuses a button the message no longer shows, as a real client would.
func (h *handler) servePress(w http.ResponseWriter, r *http.Request) {
	var req pressRequest
	user, ok := readUserRequest(w, r, &req)
	if !ok {
		return
	}
	if _, err := h.cfg.Telegram.PressButton(user, req.Message, req.Data); err != nil {
		writeError(w, http.StatusConflict, "that button is no longer shown")
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type contactRequest struct {
	asUser
}

// serveContact shares the user's own phone number, as the request_contact
// key does. The number is made up from the user ID: the sandbox has no real
// phone, and a stable number lets a person find their booking again.
func (h *handler) serveContact(w http.ResponseWriter, r *http.Request) {
	var req contactRequest
	user, ok := readUserRequest(w, r, &req)
	if !ok {
		return
	}
	h.cfg.Telegram.ShareContact(user, samplePhone(user), user)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// samplePhone is a Greek mobile number (69x…) derived from the user ID.
func samplePhone(user int64) string {
	return fmt.Sprintf("+3069%08d", user%100_000_000)
}

type languageRequest struct {
	asUser
	Lang string `json:"lang"`
}

// serveLanguage switches the language_code the user's client reports and
// sends /start, as a person who changed their app's language and began
// again would.
func (h *handler) serveLanguage(w http.ResponseWriter, r *http.Request) {
	var req languageRequest
	user, ok := readUserRequest(w, r, &req)
	if !ok {
		return
	}
	if req.Lang != "el" && req.Lang != "en" {
		writeError(w, http.StatusBadRequest, "lang: want el or en")
		return
	}
	h.cfg.Telegram.SetLanguage(user, req.Lang)
	h.cfg.Telegram.SendCommand(user, "start")
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// serveDocument downloads a file the bot sent, e.g. the .ics calendar entry:
// GET /sandbox/api/document?user=ID&message=N.
func (h *handler) serveDocument(w http.ResponseWriter, r *http.Request) {
	user, err := parseUser(r.URL.Query().Get("user"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "user: want a positive integer id")
		return
	}
	id, err := strconv.Atoi(r.URL.Query().Get("message"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "message: want a message id")
		return
	}
	for _, m := range h.cfg.Telegram.Chat(user) {
		if m.ID != id || m.Document == nil || m.Deleted {
			continue
		}
		ctype := "application/octet-stream"
		if strings.HasSuffix(strings.ToLower(m.Document.FileName), ".ics") {
			ctype = "text/calendar; charset=utf-8"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(safeFileName(m.Document.FileName)))
		_, _ = w.Write(m.Document.Data)
		return
	}
	writeError(w, http.StatusNotFound, "no such document")
}

// safeFileName keeps a file name to characters that need no escaping in a
// header.
func safeFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "file"
	}
	return b.String()
}
