package bot

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
)

// incoming is one update reduced to what the adapter needs.
type incoming struct {
	input      conversation.Input
	callbackID string // set for a button press: it must be answered
	messageID  int    // the message whose button was pressed, to edit in place
}

// wireUpdate is the part of a Telegram update the adapter reads. The webhook
// decodes deliveries into it directly: a button press carries the whole
// message it was on, keyboard and all, and decoding that into
// models.Update (which reads a message twice to tell an inaccessible one
// apart) was the largest single cost of a step's CPU.
type wireUpdate struct {
	ID            int64          `json:"update_id"`
	Message       *message       `json:"message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type message struct {
	ID      int      `json:"message_id"`
	From    *user    `json:"from"`
	Chat    chat     `json:"chat"`
	Text    string   `json:"text"`
	Caption string   `json:"caption"`
	Contact *contact `json:"contact"`
}

type user struct {
	ID           int64  `json:"id"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64           `json:"id"`
	Type models.ChatType `json:"type"`
}

type contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	UserID      int64  `json:"user_id"`
}

type callbackQuery struct {
	ID      string   `json:"id"`
	From    user     `json:"from"`
	Data    string   `json:"data"`
	Message *message `json:"message"` // accessible or not, it names the chat and message
}

// fromModel reduces an update the poller decoded to the same form.
func fromModel(u *models.Update) wireUpdate {
	out := wireUpdate{ID: u.ID}
	if cq := u.CallbackQuery; cq != nil {
		q := &callbackQuery{ID: cq.ID, From: user{ID: cq.From.ID, LanguageCode: cq.From.LanguageCode}, Data: cq.Data}
		if m := cq.Message.Message; m != nil {
			q.Message = &message{ID: m.ID, Chat: chat{ID: m.Chat.ID, Type: m.Chat.Type}}
		} else if im := cq.Message.InaccessibleMessage; im != nil {
			q.Message = &message{ID: im.MessageID, Chat: chat{ID: im.Chat.ID, Type: im.Chat.Type}}
		}
		out.CallbackQuery = q
	}
	if m := u.Message; m != nil {
		msg := &message{ID: m.ID, Chat: chat{ID: m.Chat.ID, Type: m.Chat.Type}, Text: m.Text, Caption: m.Caption}
		if m.From != nil {
			msg.From = &user{ID: m.From.ID, LanguageCode: m.From.LanguageCode}
		}
		if c := m.Contact; c != nil {
			msg.Contact = &contact{PhoneNumber: c.PhoneNumber, FirstName: c.FirstName, LastName: c.LastName, UserID: c.UserID}
		}
		out.Message = msg
	}
	return out
}

// decode turns an update into a conversation input. It reports false for
// updates the bot ignores: anything but private messages and button presses
// (group chats, channel posts, edits, membership changes).
func decode(u *wireUpdate) (incoming, bool) {
	switch {
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		in := incoming{callbackID: cq.ID}
		chatID := cq.From.ID
		if m := cq.Message; m != nil && m.Chat.ID != 0 {
			chatID, in.messageID = m.Chat.ID, m.ID
		}
		if chatID == 0 {
			return incoming{}, false
		}
		in.input = conversation.Input{
			ChatID:   chatID,
			UserID:   cq.From.ID,
			LangCode: cq.From.LanguageCode,
			Event:    dialog.Event{Kind: dialog.KindButton, Data: cq.Data, LangCode: cq.From.LanguageCode},
		}
		return in, true
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate || m.From == nil || m.Chat.ID == 0 {
			return incoming{}, false
		}
		ev := dialog.Event{LangCode: m.From.LanguageCode}
		switch {
		case m.Contact != nil:
			ev.Kind = dialog.KindContact
			ev.Contact = &dialog.Contact{
				Phone:     m.Contact.PhoneNumber,
				UserID:    m.Contact.UserID,
				FromID:    m.From.ID,
				FirstName: m.Contact.FirstName,
				LastName:  m.Contact.LastName,
			}
		case strings.HasPrefix(m.Text, "/"):
			ev.Kind = dialog.KindCommand
			ev.Text = m.Text
			cmd, _, _ := strings.Cut(m.Text, " ")
			ev.Command = strings.TrimPrefix(cmd, "/")
		default:
			// A photo or sticker arrives as empty text: the dialog answers
			// it like any text it did not expect.
			ev.Kind = dialog.KindText
			ev.Text = m.Text
			if ev.Text == "" {
				ev.Text = m.Caption
			}
		}
		return incoming{input: conversation.Input{
			ChatID:   m.Chat.ID,
			UserID:   m.From.ID,
			LangCode: m.From.LanguageCode,
			Event:    ev,
		}}, true
	}
	return incoming{}, false
}
