// Package sandbox owns the token-free way to try rantevou: a phone-sized web
// chat page where a person talks to the real bot as a citizen through the
// in-process fake Telegram server (text, inline buttons, the share-contact
// key, edits in place, Greek or English), and a staff page that shows what
// the bot posted to the local Slack stand-in and sends signed slash commands,
// button presses, global shortcuts and modal interactions (modal.go) through
// the real Slack handler, drawing the modals it opens. Only the transport is
// simulated: every update goes through the same bot, dialog and booking code
// as in production. The pages, styles and scripts are embedded, so the
// sandbox needs no network and no CDN.
package sandbox

import (
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/slackfake"
	"github.com/rantevou/rantevou/telegramfake"
)

// DefaultSlackCommand is the slash command the staff page sends when
// Config.SlackCommand is empty.
const DefaultSlackCommand = "/rantevou"

// Config is what the sandbox needs from the running program.
type Config struct {
	// Telegram is the fake Bot API the bot is connected to. Required.
	Telegram *telegramfake.Server
	// Catalog gives the municipality's name for the header and each
	// department's Slack channel and staff, whom the staff page acts as.
	// Required.
	Catalog *booking.Catalog
	// Slack is the local Slack stand-in the Slack adapter posts to; the
	// staff page shows what it recorded. Nil shows an empty feed.
	Slack *slackfake.Server
	// SlackHandler serves /slack/commands and /slack/interactions (the
	// Slack adapter's Routes). Nil turns the command box and buttons off.
	SlackHandler http.Handler
	// SigningSecret is the Slack signing secret SlackHandler checks; the
	// sandbox signs its requests with it as Slack would.
	SigningSecret string
	// SlackCommand is the slash command's name, DefaultSlackCommand when empty.
	SlackCommand string
	// Done is closed when the program stops: open long polls then answer
	// at once, so a graceful shutdown does not wait for them. Nil: never.
	Done <-chan struct{}
	// Now is the clock for request signatures; time.Now when nil.
	Now func() time.Time
	// Log receives the sandbox's own errors; slog.Default() when nil.
	Log *slog.Logger
}

//go:embed web
var webFiles embed.FS

// handler serves the pages and the JSON API.
type handler struct {
	cfg  Config
	mux  *http.ServeMux
	log  *slog.Logger
	loc  *time.Location
	page fs.FS

	pollWait time.Duration // how long a chat poll waits for a change

	mu        sync.Mutex
	responses []staffResponse // answers to the staff page's commands and presses, newest last
	nextResp  int
	replyTo   map[string]int    // response_url handed to the Slack handler → staffResponse.ID
	triggers  map[string]string // trigger_id handed to the Slack handler → department (modal.go)
}

// New returns the sandbox's HTTP handler, to be mounted at "/": the chat page
// at /, the staff page at /staff, the JSON API under /sandbox/api/.
func New(cfg Config) http.Handler { return newHandler(cfg) }

func newHandler(cfg Config) *handler {
	if cfg.Telegram == nil || cfg.Catalog == nil {
		panic("sandbox: new: Config.Telegram and Config.Catalog are required")
	}
	if cfg.SlackCommand == "" {
		cfg.SlackCommand = DefaultSlackCommand
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{cfg: cfg, mux: http.NewServeMux(), log: cfg.Log, loc: cfg.Catalog.Location, replyTo: map[string]int{}, pollWait: pollWait}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic("sandbox: new: embedded pages: " + err.Error())
	}
	h.page = sub
	h.routes()
	return h
}

func (h *handler) routes() {
	h.mux.HandleFunc("GET /{$}", h.servePage("index.html"))
	h.mux.HandleFunc("GET /staff", h.servePage("staff.html"))
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(h.page)))
	h.mux.HandleFunc("GET /sandbox/api/info", h.serveInfo)

	h.mux.HandleFunc("GET /sandbox/api/chat", h.serveChat)
	h.mux.HandleFunc("POST /sandbox/api/send", h.serveSend)
	h.mux.HandleFunc("POST /sandbox/api/press", h.servePress)
	h.mux.HandleFunc("POST /sandbox/api/contact", h.serveContact)
	h.mux.HandleFunc("POST /sandbox/api/language", h.serveLanguage)
	h.mux.HandleFunc("GET /sandbox/api/document", h.serveDocument)

	h.mux.HandleFunc("GET /sandbox/api/staff", h.serveStaff)
	h.mux.HandleFunc("POST /sandbox/api/staff/command", h.serveStaffCommand)
	h.mux.HandleFunc("POST /sandbox/api/staff/action", h.serveStaffAction)
	h.mux.HandleFunc("GET /sandbox/api/staff/modal", h.serveModal)
	h.mux.HandleFunc("POST /sandbox/api/staff/shortcut", h.serveShortcut)
	h.mux.HandleFunc("POST /sandbox/api/staff/view/action", h.serveViewAction)
	h.mux.HandleFunc("POST /sandbox/api/staff/view/submit", h.serveViewSubmit)
	h.mux.HandleFunc("POST /sandbox/api/staff/view/close", h.serveViewClose)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The pages are a developer tool on localhost; never let a proxy or the
	// browser keep a stale chat.
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

func (h *handler) servePage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := fs.ReadFile(h.page, name)
		if err != nil {
			http.Error(w, "page missing", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(data)
	}
}

// info is what both pages show in their header.
type info struct {
	Office      booking.Text `json:"office"`
	Command     string       `json:"command"`
	SlackActive bool         `json:"slackActive"`
	Departments []deptInfo   `json:"departments"`
}

type deptInfo struct {
	Code    string       `json:"code"`
	Name    booking.Text `json:"name"`
	Channel string       `json:"channel"`
	Staff   string       `json:"staff"` // the staff member the page acts as
}

func (h *handler) serveInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.info())
}

func (h *handler) info() info {
	in := info{Office: h.cfg.Catalog.Office, Command: h.cfg.SlackCommand, SlackActive: h.cfg.SlackHandler != nil && h.cfg.Slack != nil}
	for _, d := range h.cfg.Catalog.Departments {
		di := deptInfo{Code: d.Code, Name: d.Name, Channel: d.Slack.Channel}
		if len(d.Slack.Staff) > 0 {
			di.Staff = d.Slack.Staff[0]
		}
		in.Departments = append(in.Departments, di)
	}
	return in
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// maxRequest bounds the JSON the pages send; they send a line of text.
const maxRequest = 64 << 10

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad request body")
		return false
	}
	return true
}
