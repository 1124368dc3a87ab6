package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	json "github.com/goccy/go-json"

	"github.com/rantevou/rantevou/bot/markup"
)

// jsonAPI makes the Bot API calls of a conversation turn (sendMessage,
// editMessageText, editMessageReplyMarkup, answerCallbackQuery) as JSON
// bodies, which the Bot API accepts as well as forms.
//
// Why not through go-telegram/bot: it builds every request as a multipart
// form by reflecting over the parameters, streams it through a pipe and a
// goroutine, and decodes every answer into a whole models.Message; under
// load that was an eighth of the server's CPU, for messages whose answer
// the adapter needs at most the id of. The library still makes every other
// call (documents, venues, the command menu, the webhook, polling) and the
// notifications. Errors are the library's own (tgbot.ErrorBadRequest,
// *tgbot.TooManyRequestsError, …) with the same texts, so callers cannot
// tell which path a call took.
type jsonAPI struct {
	client  *http.Client  // with no Timeout of its own (timeout)
	timeout time.Duration // the bound on a call whose context has no deadline
	base    string        // <server>/bot<token>/
	token   string
}

func newJSONAPI(cfg Config, client *http.Client, timeout time.Duration) *jsonAPI {
	return &jsonAPI{
		client:  client,
		timeout: timeout,
		base:    cfg.apiURL() + "/bot" + cfg.Token + "/",
		token:   cfg.Token,
	}
}

type sendMessageBody struct {
	ChatID      int64              `json:"chat_id"`
	Text        string             `json:"text"`
	ReplyMarkup models.ReplyMarkup `json:"reply_markup,omitempty"`
}

type editMessageTextBody struct {
	ChatID      int64          `json:"chat_id"`
	MessageID   int            `json:"message_id"`
	Text        string         `json:"text"`
	ReplyMarkup *markup.Inline `json:"reply_markup,omitempty"`
}

type editMarkupBody struct {
	ChatID      int64          `json:"chat_id"`
	MessageID   int            `json:"message_id"`
	ReplyMarkup *markup.Inline `json:"reply_markup,omitempty"`
}

type answerCallbackBody struct {
	CallbackQueryID string `json:"callback_query_id"`
	Text            string `json:"text,omitempty"`
}

// sendMessage sends a message and returns its id.
func (a *jsonAPI) sendMessage(ctx context.Context, p sendMessageBody) (int, error) {
	var res messageResult
	err := a.call(ctx, "sendMessage", p, &res)
	return res.MessageID, err
}

func (a *jsonAPI) editMessageText(ctx context.Context, p editMessageTextBody) error {
	return a.call(ctx, "editMessageText", p, nil)
}

func (a *jsonAPI) editMessageReplyMarkup(ctx context.Context, p editMarkupBody) error {
	return a.call(ctx, "editMessageReplyMarkup", p, nil)
}

func (a *jsonAPI) answerCallbackQuery(ctx context.Context, p answerCallbackBody) error {
	return a.call(ctx, "answerCallbackQuery", p, nil)
}

// messageResult is the part of a sent message the adapter reads.
type messageResult struct {
	MessageID int `json:"message_id"`
}

// apiAnswer is the Bot API's answer; Result is decoded only when a caller
// wants it.
type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	Description string          `json:"description"`
	ErrorCode   int             `json:"error_code"`
	Parameters  struct {
		RetryAfter      int `json:"retry_after"`
		MigrateToChatID int `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// maxAnswerBytes bounds an answer read into memory; a message is a few kB.
const maxAnswerBytes = 1 << 20

func (a *jsonAPI) call(ctx context.Context, method string, params any, dest *messageResult) error {
	if _, ok := ctx.Deadline(); !ok && a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("error encode request for method %s, %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("error create request for method %s, %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = strings.ReplaceAll(ue.URL, a.token, "***")
		}
		return fmt.Errorf("error do request for method %s, %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("error read response body for method %s, %w", method, err)
	}
	var ans apiAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		// As go-telegram/bot does: the body says what answered instead of
		// the Bot API (a proxy's error page). b.wrap takes the token out.
		return fmt.Errorf("error decode response body for method %s, %s, %w", method, raw, err)
	}
	if !ans.OK {
		return answerError(method, &ans)
	}
	if dest != nil {
		if err := json.Unmarshal(ans.Result, dest); err != nil {
			return fmt.Errorf("error decode response result for method %s, %w", method, err)
		}
	}
	return nil
}

// answerError maps a refusal to go-telegram/bot's errors, as its client does.
func answerError(method string, ans *apiAnswer) error {
	switch ans.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, ans.Description)
	case http.StatusBadRequest:
		if ans.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{
				Message:         fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, ans.Description),
				MigrateToChatID: ans.Parameters.MigrateToChatID,
			}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, ans.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, ans.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, ans.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, ans.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{
			Message:    fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, ans.Description),
			RetryAfter: ans.Parameters.RetryAfter,
		}
	}
	return fmt.Errorf("error response from telegram for method %s, %d %s", method, ans.ErrorCode, ans.Description)
}
