package loadtest

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// The updates Telegram sends, reduced to the fields a bot reads. Every
// message has a date: go-telegram/bot takes a message without one, inside a
// callback query, for an inaccessible one.
type (
	wireUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name,omitempty"`
		LanguageCode string `json:"language_code,omitempty"`
	}
	wireChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name,omitempty"`
	}
	wireEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	wireContact struct {
		PhoneNumber string `json:"phone_number"`
		FirstName   string `json:"first_name"`
		LastName    string `json:"last_name,omitempty"`
		UserID      int64  `json:"user_id,omitempty"`
	}
	wireMessage struct {
		MessageID int          `json:"message_id"`
		From      *wireUser    `json:"from,omitempty"`
		Date      int64        `json:"date"`
		Chat      wireChat     `json:"chat"`
		Text      string       `json:"text,omitempty"`
		Entities  []wireEntity `json:"entities,omitempty"`
		Contact   *wireContact `json:"contact,omitempty"`
	}
	wireCallback struct {
		ID           string       `json:"id"`
		From         wireUser     `json:"from"`
		Message      *wireMessage `json:"message,omitempty"`
		ChatInstance string       `json:"chat_instance"`
		Data         string       `json:"data"`
	}
	wireUpdate struct {
		UpdateID      int64         `json:"update_id"`
		Message       *wireMessage  `json:"message,omitempty"`
		CallbackQuery *wireCallback `json:"callback_query,omitempty"`
	}
)

// user is a simulated Telegram account in a private chat (chat ID = user ID).
type user struct {
	ID        int64
	FirstName string
	LastName  string
	Lang      string
}

func (u user) wire() wireUser {
	return wireUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, LanguageCode: u.Lang}
}

func (u user) chat() wireChat { return wireChat{ID: u.ID, Type: "private", FirstName: u.FirstName} }

// textUpdate is the user typing text; a leading "/" carries the
// bot_command entity Telegram's clients add.
func textUpdate(updateID int64, u user, msgID int, text string) []byte {
	from := u.wire()
	m := &wireMessage{MessageID: msgID, From: &from, Date: time.Now().Unix(), Chat: u.chat(), Text: text}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		m.Entities = []wireEntity{{Type: "bot_command", Length: utf8.RuneCountInString(cmd)}}
	}
	return marshalUpdate(wireUpdate{UpdateID: updateID, Message: m})
}

// contactUpdate is the user sharing their own number with the
// request_contact key: contact.user_id is the sender's own ID.
func contactUpdate(updateID int64, u user, msgID int, phone string) []byte {
	from := u.wire()
	m := &wireMessage{MessageID: msgID, From: &from, Date: time.Now().Unix(), Chat: u.chat(),
		Contact: &wireContact{PhoneNumber: phone, FirstName: u.FirstName, LastName: u.LastName, UserID: u.ID}}
	return marshalUpdate(wireUpdate{UpdateID: updateID, Message: m})
}

// pressUpdate is the user tapping an inline button of the bot's message.
func pressUpdate(updateID int64, u user, msgID int, data string) []byte {
	return marshalUpdate(wireUpdate{UpdateID: updateID, CallbackQuery: &wireCallback{
		ID:           CallbackID(u.ID, updateID),
		From:         u.wire(),
		Message:      &wireMessage{MessageID: msgID, Date: time.Now().Unix(), Chat: u.chat()},
		ChatInstance: "ci" + CallbackID(u.ID, 0),
		Data:         data,
	}})
}

func marshalUpdate(u wireUpdate) []byte {
	b, err := json.Marshal(u)
	if err != nil {
		panic("loadtest: marshal update: " + err.Error()) // plain structs always marshal
	}
	return b
}
