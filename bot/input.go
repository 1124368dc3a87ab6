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

// decode turns an update into a conversation input. It reports false for
// updates the bot ignores: anything but private messages and button presses
// (group chats, channel posts, edits, membership changes).
func decode(u *models.Update) (incoming, bool) {
	switch {
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		in := incoming{callbackID: cq.ID}
		chatID := cq.From.ID
		if m := cq.Message.Message; m != nil {
			chatID, in.messageID = m.Chat.ID, m.ID
		} else if im := cq.Message.InaccessibleMessage; im != nil && im.Chat.ID != 0 {
			chatID, in.messageID = im.Chat.ID, im.MessageID
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
