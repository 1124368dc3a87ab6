package telegramfake

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// The simulation API: what a citizen does in their private chat with the
// bot. In a private chat the chat ID is the user's ID. Each call builds the
// update Telegram would send, with a date set (go-telegram/bot treats a
// message without one as inaccessible), and hands it to the bot; it returns
// the update_id.

// SetLanguage sets the language_code the user's client reports.
func (s *Server) SetLanguage(userID int64, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userLocked(userID).lang = code
}

// SendText sends text as the user. A text starting with "/" carries a
// bot_command entity, as Telegram's clients produce.
func (s *Server) SendText(userID int64, text string) int64 {
	s.mu.Lock()
	m := s.userMessageLocked(userID, func(m *Message) { m.Text = text })
	u := s.newUpdateLocked()
	msg := s.userModelLocked(userID, m)
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		msg.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf8.RuneCountInString(cmd)}}
	}
	u.Message = msg
	s.recordLocked(Event{ChatID: userID, Kind: UserText, MessageID: m.ID, Text: text, Message: *m})
	s.mu.Unlock()
	s.dispatch(u)
	return u.ID
}

// SendCommand sends /command (given with or without the slash).
func (s *Server) SendCommand(userID int64, command string) int64 {
	return s.SendText(userID, "/"+strings.TrimPrefix(command, "/"))
}

// ShareContact sends a contact as the user: with contactUserID equal to
// userID it is what a request_contact key sends; another ID is someone
// else's contact card.
func (s *Server) ShareContact(userID int64, phone string, contactUserID int64) int64 {
	s.mu.Lock()
	m := s.userMessageLocked(userID, func(m *Message) {
		m.Contact = &Contact{Phone: phone, UserID: contactUserID}
	})
	u := s.newUpdateLocked()
	u.Message = s.userModelLocked(userID, m)
	s.recordLocked(Event{ChatID: userID, Kind: UserContact, MessageID: m.ID, Text: phone, Message: *m})
	s.mu.Unlock()
	s.dispatch(u)
	return u.ID
}

// PressButton presses the inline button with callback data on a message of
// the bot, as a callback_query carrying that message. Like a real client it
// can only press a button the message shows.
func (s *Server) PressButton(chatID int64, messageID int, data string) (int64, error) {
	s.mu.Lock()
	m := s.messageLocked(chatID, messageID)
	if m == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("telegramfake: press button: no message %d in chat %d", messageID, chatID)
	}
	label, found := "", false
	for _, row := range m.Inline {
		for _, b := range row {
			if b.Data == data && b.URL == "" {
				label, found = b.Text, true
			}
		}
	}
	if !found {
		s.mu.Unlock()
		return 0, fmt.Errorf("telegramfake: press button: message %d has no button %q", messageID, data)
	}
	u := s.pressLocked(chatID, m, label, data)
	s.mu.Unlock()
	s.dispatch(u)
	return u.ID, nil
}

// Press presses the inline button labelled label on the newest bot message
// of the chat that shows one.
func (s *Server) Press(chatID int64, label string) (int64, error) {
	s.mu.Lock()
	c := s.chatLocked(chatID)
	for i := len(c.messages) - 1; i >= 0; i-- {
		m := c.messages[i]
		if m.Deleted || !m.FromBot {
			continue
		}
		if b, ok := m.Button(label); ok && b.URL == "" {
			u := s.pressLocked(chatID, m, label, b.Data)
			s.mu.Unlock()
			s.dispatch(u)
			return u.ID, nil
		}
	}
	s.mu.Unlock()
	return 0, fmt.Errorf("telegramfake: press: no button %q in chat %d", label, chatID)
}

// PressUpdate builds the callback_query update of pressing data on a
// message without delivering it, for tests that deliver it themselves
// (twice, or concurrently).
func (s *Server) PressUpdate(chatID int64, messageID int, data string) (models.Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(chatID, messageID)
	if m == nil {
		return models.Update{}, fmt.Errorf("telegramfake: press update: no message %d in chat %d", messageID, chatID)
	}
	label := data
	for _, row := range m.Inline {
		for _, b := range row {
			if b.Data == data {
				label = b.Text
			}
		}
	}
	return s.pressLocked(chatID, m, label, data), nil
}

func (s *Server) pressLocked(chatID int64, m *Message, label, data string) models.Update {
	u := s.newUpdateLocked()
	id := "cb" + strconv.FormatInt(u.ID, 10)
	usr := s.userLocked(chatID)
	s.callbacks[id] = &callback{chatID: chatID, messageID: m.ID}
	u.CallbackQuery = &models.CallbackQuery{
		ID:           id,
		From:         models.User{ID: chatID, FirstName: usr.firstName, LanguageCode: usr.lang},
		ChatInstance: "ci" + strconv.FormatInt(chatID, 10),
		Data:         data,
		Message: models.MaybeInaccessibleMessage{
			Type:    models.MaybeInaccessibleMessageTypeMessage,
			Message: s.toModel(m),
		},
	}
	s.recordLocked(Event{ChatID: chatID, Kind: UserPress, MessageID: m.ID, Text: label, Data: data})
	return u
}

// Deliver hands an update to the bot again or for the first time: queued
// for getUpdates or POSTed to the webhook. Telegram redelivers an update
// when a webhook fails or answers slowly; this is how a test does so.
func (s *Server) Deliver(u models.Update) { s.dispatch(u) }

// CallbackAnswer reports whether the callback query of update updateID was
// answered, and with which toast.
func (s *Server) CallbackAnswer(updateID int64) (toast string, answered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb, ok := s.callbacks["cb"+strconv.FormatInt(updateID, 10)]
	if !ok {
		return "", false
	}
	return cb.toast, cb.answered
}

// Unanswered returns the IDs of callback queries the bot has not answered.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, cb := range s.callbacks {
		if !cb.answered {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) newUpdateLocked() models.Update {
	s.nextUpdate++
	return models.Update{ID: s.nextUpdate}
}

func (s *Server) userMessageLocked(userID int64, fill func(*Message)) *Message {
	c := s.chatLocked(userID)
	c.nextID++
	m := &Message{ID: c.nextID, ChatID: userID, Date: s.now()}
	fill(m)
	c.messages = append(c.messages, m)
	return m
}

func (s *Server) userModelLocked(userID int64, m *Message) *models.Message {
	usr := s.userLocked(userID)
	from := &models.User{ID: userID, FirstName: usr.firstName, LanguageCode: usr.lang}
	out := &models.Message{
		ID:   m.ID,
		From: from,
		Date: int(m.Date.Unix()),
		Chat: models.Chat{ID: userID, Type: models.ChatTypePrivate, FirstName: usr.firstName},
		Text: m.Text,
	}
	if m.Contact != nil {
		out.Contact = &models.Contact{PhoneNumber: m.Contact.Phone, FirstName: usr.firstName, UserID: m.Contact.UserID}
	}
	return out
}
