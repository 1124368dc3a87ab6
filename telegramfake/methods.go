package telegramfake

import (
	"context"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Telegram's documented limits that the fake enforces on every request.
const (
	maxTextChars     = 4096
	maxCaptionChars  = 1024
	maxCallbackBytes = 64
	maxInlineButtons = 100
	maxRowButtons    = 8
)

type methodFunc func(r *http.Request, p *params) (any, *apiError)

func (s *Server) methods() map[string]methodFunc {
	return map[string]methodFunc{
		"getme":                  s.getMe,
		"getupdates":             s.getUpdates,
		"setwebhook":             s.setWebhook,
		"deletewebhook":          s.deleteWebhook,
		"getwebhookinfo":         s.getWebhookInfo,
		"sendmessage":            s.sendMessage,
		"senddocument":           s.sendDocument,
		"sendvenue":              s.sendVenue,
		"editmessagetext":        s.editMessageText,
		"editmessagereplymarkup": s.editMessageReplyMarkup,
		"deletemessage":          s.deleteMessage,
		"answercallbackquery":    s.answerCallbackQuery,
		"setmycommands":          s.setMyCommands,
		"getmycommands":          s.getMyCommands,
	}
}

func (s *Server) botUser() models.User {
	return models.User{ID: s.botID, IsBot: true, FirstName: "Rantevou", Username: "rantevou_test_bot"}
}

func (s *Server) getMe(*http.Request, *params) (any, *apiError) {
	u := s.botUser()
	return &u, nil
}

func (s *Server) getUpdates(r *http.Request, p *params) (any, *apiError) {
	offset := p.optInt("offset", 0)
	limit := int(p.optInt("limit", 100))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := time.Duration(p.optInt("timeout", 0)) * time.Second
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()

	s.mu.Lock()
	if s.webhook.url != "" {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.polling {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	}
	s.polling = true
	defer func() {
		s.mu.Lock()
		s.polling = false
		s.mu.Unlock()
	}()
	for {
		// An offset confirms every update before it, as on Telegram.
		if offset != 0 {
			kept := s.queue[:0]
			for _, u := range s.queue {
				if u.ID >= offset {
					kept = append(kept, u)
				}
			}
			s.queue = kept
		}
		if len(s.queue) > 0 {
			n := min(limit, len(s.queue))
			out := append([]models.Update(nil), s.queue[:n]...)
			s.mu.Unlock()
			return out, nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return []models.Update{}, nil
		case <-r.Context().Done():
			return []models.Update{}, nil
		case <-s.closed:
			return []models.Update{}, nil
		}
		s.mu.Lock()
	}
}

func (s *Server) sendMessage(r *http.Request, p *params) (any, *apiError) {
	chatID, err := p.int64("chat_id")
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	text := p.str("text")
	if text == "" {
		return nil, badRequest("message text is empty")
	}
	if utf8.RuneCountInString(text) > maxTextChars {
		return nil, badRequest("message is too long")
	}
	mk, apiErr := parseMarkup(p)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.delay(r.Context(), chatID); apiErr != nil {
		return nil, apiErr
	}
	return s.deliver(chatID, func(m *Message) {
		m.Text = text
		mk.apply(m)
	}, BotSend)
}

func (s *Server) sendDocument(r *http.Request, p *params) (any, *apiError) {
	chatID, err := p.int64("chat_id")
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	ref := p.str("document")
	if ref == "" {
		return nil, badRequest("there is no document in the request")
	}
	doc := &Document{FileName: ref}
	for _, f := range p.files {
		if "attach://"+f.name == ref {
			doc = &Document{FileName: f.name, Data: f.data}
		}
	}
	caption := p.str("caption")
	if utf8.RuneCountInString(caption) > maxCaptionChars {
		return nil, badRequest("message caption is too long")
	}
	mk, apiErr := parseMarkup(p)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.delay(r.Context(), chatID); apiErr != nil {
		return nil, apiErr
	}
	return s.deliver(chatID, func(m *Message) {
		m.Text = caption
		m.Document = doc
		mk.apply(m)
	}, BotDocument)
}

func (s *Server) sendVenue(r *http.Request, p *params) (any, *apiError) {
	chatID, err := p.int64("chat_id")
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	lat, err1 := strconv.ParseFloat(p.str("latitude"), 64)
	lon, err2 := strconv.ParseFloat(p.str("longitude"), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, badRequest("wrong latitude or longitude")
	}
	title, address := p.str("title"), p.str("address")
	if title == "" || address == "" {
		return nil, badRequest("venue title and address must be non-empty")
	}
	mk, apiErr := parseMarkup(p)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.delay(r.Context(), chatID); apiErr != nil {
		return nil, apiErr
	}
	return s.deliver(chatID, func(m *Message) {
		m.Venue = &Venue{Lat: lat, Lon: lon, Title: title, Address: address}
		mk.apply(m)
	}, BotVenue)
}

// deliver stores a new bot message after the blocked-chat and rate-limit
// checks that Telegram applies to sending.
func (s *Server) deliver(chatID int64, fill func(*Message), kind EventKind) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		s.stats.Forbidden++
		return nil, &apiError{code: http.StatusForbidden, description: "Forbidden: bot was blocked by the user"}
	}
	if retry := s.rateLocked(chatID); retry > 0 {
		s.stats.TooManyRequests++
		return nil, &apiError{code: http.StatusTooManyRequests, description: "Too Many Requests: retry after " + strconv.Itoa(retry), retryAfter: retry}
	}
	s.stats.Delivered++
	c := s.chatLocked(chatID)
	c.nextID++
	m := &Message{ID: c.nextID, ChatID: chatID, FromBot: true, Date: s.now()}
	fill(m)
	if m.Keyboard != nil {
		c.keyboard = cloneKeys(m.Keyboard)
	}
	if m.RemoveKeyboard {
		c.keyboard = nil
	}
	c.messages = append(c.messages, m)
	s.recordLocked(Event{ChatID: chatID, Kind: kind, MessageID: m.ID, Text: m.Text, Message: *m})
	return s.toModel(m), nil
}

func (s *Server) editMessageText(_ *http.Request, p *params) (any, *apiError) {
	text := p.str("text")
	if text == "" {
		return nil, badRequest("message text is empty")
	}
	if utf8.RuneCountInString(text) > maxTextChars {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	return s.edit(p, true, func(m *Message, mk markup) bool {
		changed := m.Text != text || !sameKeys(m.Inline, mk.inline)
		m.Text = text
		m.Inline = mk.inline
		return changed
	})
}

func (s *Server) editMessageReplyMarkup(_ *http.Request, p *params) (any, *apiError) {
	return s.edit(p, false, func(m *Message, mk markup) bool {
		changed := !sameKeys(m.Inline, mk.inline)
		m.Inline = mk.inline
		return changed
	})
}

// edit applies change to a message; text says the change is to its text,
// which a file or a map pin does not have.
func (s *Server) edit(p *params, text bool, change func(*Message, markup) bool) (any, *apiError) {
	chatID, err := p.int64("chat_id")
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	msgID, err := p.int64("message_id")
	if err != nil {
		return nil, badRequest("message identifier is not specified")
	}
	mk, apiErr := parseMarkup(p)
	if apiErr != nil {
		return nil, apiErr
	}
	if mk.keyboard != nil || mk.remove {
		return nil, badRequest("inline keyboard expected")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		return nil, &apiError{code: http.StatusForbidden, description: "Forbidden: bot was blocked by the user"}
	}
	m := s.messageLocked(chatID, int(msgID))
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if !m.FromBot {
		return nil, badRequest("message can't be edited")
	}
	if text && (m.Document != nil || m.Venue != nil) {
		return nil, badRequest("there is no text in the message to edit")
	}
	if !change(m, mk) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.Edits++
	s.recordLocked(Event{ChatID: chatID, Kind: BotEdit, MessageID: m.ID, Text: m.Text, Message: *m})
	return s.toModel(m), nil
}

func (s *Server) deleteMessage(_ *http.Request, p *params) (any, *apiError) {
	chatID, err := p.int64("chat_id")
	if err != nil {
		return nil, badRequest("chat_id is empty")
	}
	msgID, err := p.int64("message_id")
	if err != nil {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(chatID, int(msgID))
	if m == nil {
		return nil, badRequest("message to delete not found")
	}
	m.Deleted = true
	s.recordLocked(Event{ChatID: chatID, Kind: BotDelete, MessageID: m.ID, Message: *m})
	return true, nil
}

func (s *Server) messageLocked(chatID int64, id int) *Message {
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	for _, m := range c.messages {
		if m.ID == id && !m.Deleted {
			return m
		}
	}
	return nil
}

func (s *Server) answerCallbackQuery(_ *http.Request, p *params) (any, *apiError) {
	id := p.str("callback_query_id")
	text := p.str("text")
	if utf8.RuneCountInString(text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb, ok := s.callbacks[id]
	if !ok || cb.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cb.answered = true
	cb.toast = text
	s.recordLocked(Event{ChatID: cb.chatID, Kind: BotAnswer, MessageID: cb.messageID, Text: text})
	return true, nil
}

func (s *Server) setMyCommands(_ *http.Request, p *params) (any, *apiError) {
	var cmds []models.BotCommand
	if err := p.json("commands", &cmds); err != nil {
		return nil, badRequest(err.Error())
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if c.Command == "" || len(c.Command) > 32 || c.Description == "" || utf8.RuneCountInString(c.Description) > 256 {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[p.str("language_code")] = cmds
	s.notifyLocked()
	return true, nil
}

func (s *Server) getMyCommands(_ *http.Request, p *params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand{}, s.commands[p.str("language_code")]...), nil
}

// Commands returns the command menu set for a language code ("" for the
// default menu).
func (s *Server) Commands(lang string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[lang]...)
}

func (s *Server) toModel(m *Message) *models.Message {
	out := &models.Message{
		ID:   m.ID,
		Date: int(m.Date.Unix()),
		Chat: models.Chat{ID: m.ChatID, Type: models.ChatTypePrivate},
	}
	if m.FromBot {
		u := s.botUser()
		out.From = &u
	} else {
		out.From = &models.User{ID: m.ChatID, FirstName: "User"}
	}
	if m.Edits > 0 {
		out.EditDate = int(s.now().Unix())
	}
	if m.Document != nil {
		out.Caption = m.Text
		out.Document = &models.Document{
			FileID:       "doc-" + strconv.FormatInt(m.ChatID, 10) + "-" + strconv.Itoa(m.ID),
			FileUniqueID: "u" + strconv.Itoa(m.ID),
			FileName:     m.Document.FileName,
			FileSize:     int64(len(m.Document.Data)),
		}
	} else {
		out.Text = m.Text
	}
	if m.Contact != nil {
		out.Contact = &models.Contact{PhoneNumber: m.Contact.Phone, FirstName: "User", UserID: m.Contact.UserID}
	}
	if v := m.Venue; v != nil {
		out.Venue = &models.Venue{Location: models.Location{Latitude: v.Lat, Longitude: v.Lon}, Title: v.Title, Address: v.Address}
	}
	if len(m.Inline) > 0 {
		kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(m.Inline))}
		for i, row := range m.Inline {
			kb.InlineKeyboard[i] = make([]models.InlineKeyboardButton, 0, len(row))
			for _, b := range row {
				kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
			}
		}
		out.ReplyMarkup = kb
	}
	return out
}

// waitChanged blocks until the fake changes or ctx ends.
func (s *Server) waitChanged(ctx context.Context, changed <-chan struct{}) error {
	select {
	case <-changed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
