package loadtest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-telegram/bot/models"
	json "github.com/goccy/go-json"
	goredis "github.com/redis/go-redis/v9"
)

// The floor bot's environment: FloorMain reads these.
const (
	envFloorAddr   = "FLOOR_HTTP_ADDR"
	envFloorRedis  = "REDIS_URL"
	envFloorToken  = "TELEGRAM_BOT_TOKEN"
	envFloorAPI    = "TELEGRAM_API_URL"
	envFloorSecret = "TELEGRAM_WEBHOOK_SECRET"
)

// FloorConfig configures the floor bot.
type FloorConfig struct {
	Addr     string // listen address
	RedisURL string
	Token    string
	APIURL   string // the Bot API (the generator's fake)
	Secret   string // webhook secret_token
}

// FloorMain runs the floor bot from its environment until SIGINT or
// SIGTERM, and returns the process's exit code.
func FloorMain(getenv func(string) string) int {
	cfg := FloorConfig{Addr: getenv(envFloorAddr), RedisURL: getenv(envFloorRedis), Token: getenv(envFloorToken),
		APIURL: getenv(envFloorAPI), Secret: getenv(envFloorSecret)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := RunFloor(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// RunFloor serves the floor bot until ctx ends: the cheapest stateful
// webhook bot, the yardstick the real bot is measured against in the same
// run. Per update it checks the secret header, remembers the update_id
// (SET NX), reads the chat's state (GET) and writes it back (SET), and
// sends one message with a one-button inline keyboard (go-telegram/bot's
// types) as a JSON body, as the real bot sends its conversation replies,
// over a transport that keeps a connection per concurrent request. Its
// JSON is the real bot's library (goccy/go-json), so that the yardstick
// gains what the bot gains from it. A
// button press is answered in the webhook's own answer, which costs no
// round trip: any correct bot must answer it somehow.
func RunFloor(ctx context.Context, cfg FloorConfig) error {
	if cfg.Addr == "" || cfg.Token == "" || cfg.APIURL == "" || cfg.Secret == "" {
		return errors.New("loadtest: floor: FLOOR_HTTP_ADDR, TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL and TELEGRAM_WEBHOOK_SECRET are required")
	}
	opts, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		return errors.New("loadtest: floor: invalid REDIS_URL")
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// As the real bot's transport (bot.NewTransport): a connection kept
	// per request in flight, not the default two per host.
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 512
	f := &floorBot{rdb: rdb, client: &http.Client{Timeout: 70 * time.Second, Transport: tr},
		base: strings.TrimRight(cfg.APIURL, "/") + "/bot" + cfg.Token + "/", secret: cfg.Secret}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /telegram/webhook", f.webhook)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := rdb.Ping(r.Context()).Err(); err != nil {
			http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("loadtest: floor: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("loadtest: floor: %w", err)
	}
	return nil
}

type floorBot struct {
	rdb    *goredis.Client
	client *http.Client
	base   string // <api>/bot<token>/
	secret string
}

// floorMessage is sendMessage's parameters, with go-telegram/bot's types.
type floorMessage struct {
	ChatID      int64                        `json:"chat_id"`
	Text        string                       `json:"text"`
	ReplyMarkup *models.InlineKeyboardMarkup `json:"reply_markup"`
}

// send makes a Bot API call with a JSON body, as the real bot makes the
// calls of a conversation turn (bot's jsonAPI), so that the fake does the
// same work for both bots' messages.
func (f *floorBot) send(ctx context.Context, method string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var ans struct {
		OK     bool `json:"ok"`
		Result struct {
			MessageID int `json:"message_id"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return err
	}
	if !ans.OK {
		return fmt.Errorf("floor: %s refused (%d)", method, resp.StatusCode)
	}
	return nil
}

func (f *floorBot) webhook(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(f.secret)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	var u models.Update
	if err := json.Unmarshal(body, &u); err != nil || u.ID == 0 {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	var chatID int64
	switch {
	case u.CallbackQuery != nil && u.CallbackQuery.Message.Message != nil:
		chatID = u.CallbackQuery.Message.Message.Chat.ID
	case u.Message != nil:
		chatID = u.Message.Chat.ID
	}
	if chatID == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	ctx := r.Context()
	first, err := f.rdb.SetNX(ctx, "floor:{update:"+strconv.FormatInt(u.ID, 10)+"}:seen", 1, 24*time.Hour).Result()
	if err != nil {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if !first {
		w.WriteHeader(http.StatusOK)
		return
	}
	key := "floor:{chat:" + strconv.FormatInt(chatID, 10) + "}:state"
	n, err := f.rdb.Get(ctx, key).Int64()
	if err != nil && !errors.Is(err, goredis.Nil) {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	n++
	if err := f.rdb.Set(ctx, key, n, 30*time.Minute).Err(); err != nil {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	next := strconv.FormatInt(n, 10)
	msg, _ := json.Marshal(floorMessage{
		ChatID: chatID,
		Text:   "Step " + next,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Next ▶", CallbackData: "1.1|f|" + next}},
		}},
	})
	if err := f.send(ctx, "sendMessage", msg); err != nil {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if u.CallbackQuery != nil {
		w.Header().Set("Content-Type", "application/json")
		reply, _ := json.Marshal(map[string]string{"method": "answerCallbackQuery", "callback_query_id": u.CallbackQuery.ID})
		w.Write(reply)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// tapForever is a floor citizen: /start, then the one button, again and
// again, until the phase ends.
func (c *citizen) tapForever() {
	defer c.t.note("conversations")
	if !c.say("/start", "/start") {
		return
	}
	restarts := 0
	for !c.stopped() {
		c.think()
		bs := all(c.v, "f")
		if len(bs) == 0 {
			c.t.fail(errMissing, "floor: no button")
			if restarts++; restarts > 3 {
				return
			}
			c.say("/start", "/start")
			continue
		}
		c.tap(bs[0])
	}
}
