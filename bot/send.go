package bot

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/bot/markup"
	"github.com/rantevou/rantevou/dialog"
)

// send shows one reply: editing message editID in place when it is not 0,
// sending a new message otherwise. With retry it waits out short 429s, as a
// conversation reply is worth a second's delay.
func (b *Bot) send(ctx context.Context, chatID int64, editID int, r dialog.Reply, retry bool) error {
	switch {
	case r.DropButtons:
		return b.dropButtons(ctx, chatID, editID, retry)
	case r.Venue != nil:
		return b.sendVenue(ctx, chatID, *r.Venue, retry)
	case r.Document != nil:
		return b.sendDocument(ctx, chatID, r, retry)
	}
	kb := markup.Keyboard(r.Buttons, b.log)
	text := dialog.Clip(r.Text, dialog.MaxTextChars)
	if text != "" {
		if editID != 0 {
			err := b.edit(ctx, chatID, editID, text, kb, retry)
			if err == nil || !editImpossible(err) {
				return err
			}
			// The message is gone or too old to edit: send a new one.
		}
		return b.sendText(ctx, chatID, text, kb, r, retry)
	}
	return nil
}

func (b *Bot) sendText(ctx context.Context, chatID int64, text string, kb *markup.Inline, r dialog.Reply, retry bool) error {
	p, addInline := textMessage(chatID, text, kb, r)
	var sentID int
	err := b.call(ctx, chatID, retry, "send message", func() error {
		var err error
		sentID, err = b.json.sendMessage(ctx, p)
		return err
	})
	if err != nil || !addInline {
		return err
	}
	return b.call(ctx, chatID, retry, "add keyboard", func() error {
		return b.json.editMessageReplyMarkup(ctx, editMarkupBody{ChatID: chatID, MessageID: sentID, ReplyMarkup: kb})
	})
}

// textMessage is the sendMessage of a text reply. A message carries one
// reply_markup. A reply-keyboard change (show the contact key, remove it)
// goes with the message, and an inline keyboard (kb) is then added by
// editing the message's markup: addInline.
func textMessage(chatID int64, text string, kb *markup.Inline, r dialog.Reply) (p sendMessageBody, addInline bool) {
	p = sendMessageBody{ChatID: chatID, Text: text}
	switch {
	case r.ContactButton:
		p.ReplyMarkup = contactKeyboard(r.ContactLabel, r.Keys)
		addInline = kb != nil
	case r.RemoveKeyboard:
		p.ReplyMarkup = &models.ReplyKeyboardRemove{RemoveKeyboard: true}
		addInline = kb != nil
	case kb != nil:
		p.ReplyMarkup = kb
	}
	return p, addInline
}

// carriable returns the sendMessage that shows r, when r can travel as the
// webhook's answer: a new text message (no document, venue, edit or
// buttons to drop) that is one call, whose result (the message's id) is
// not needed. A reply-keyboard change with inline buttons is not: adding
// the buttons by an edit needs the id of the message sent.
func (b *Bot) carriable(in incoming, r dialog.Reply) (sendMessageBody, bool) {
	// Only a button press's reply edits a message, and a button press is
	// answered with its callback answer.
	if in.callbackID != "" || r.DropButtons || r.Venue != nil || r.Document != nil {
		return sendMessageBody{}, false
	}
	if (r.ContactButton || r.RemoveKeyboard) && len(r.Buttons) > 0 {
		return sendMessageBody{}, false
	}
	text := dialog.Clip(r.Text, dialog.MaxTextChars)
	if text == "" {
		return sendMessageBody{}, false
	}
	p, addInline := textMessage(in.input.ChatID, text, markup.Keyboard(r.Buttons, b.log), r)
	return p, !addInline
}

// sendVenue sends a map pin with the place's name and address.
func (b *Bot) sendVenue(ctx context.Context, chatID int64, v dialog.Venue, retry bool) error {
	return b.call(ctx, chatID, retry, "send venue", func() error {
		_, err := b.api.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: chatID, Latitude: v.Lat, Longitude: v.Lon,
			Title: v.Title, Address: v.Address})
		return err
	})
}

// sendDocument sends a file with the reply's text as its caption and its
// buttons under it; such a message is always new (the dialog never edits
// one).
func (b *Bot) sendDocument(ctx context.Context, chatID int64, r dialog.Reply, retry bool) error {
	p := &tgbot.SendDocumentParams{
		ChatID:   chatID,
		Document: &models.InputFileUpload{Filename: r.Document.Name, Data: bytes.NewReader(r.Document.Data)},
		Caption:  dialog.Clip(r.Text, dialog.MaxCaptionChars),
	}
	if kb := markup.Keyboard(r.Buttons, b.log); kb != nil {
		p.ReplyMarkup = kb
	}
	return b.call(ctx, chatID, retry, "send document", func() error {
		// A retry sends the file again from its start.
		p.Document = &models.InputFileUpload{Filename: r.Document.Name, Data: bytes.NewReader(r.Document.Data)}
		_, err := b.api.SendDocument(ctx, p)
		return err
	})
}

// dropButtons takes the inline buttons off message msgID, leaving its text:
// the dialog's record of a finished screen. Without a message (the tap
// came without one) there is nothing to do; a message already without
// buttons, or gone, is fine too.
func (b *Bot) dropButtons(ctx context.Context, chatID int64, msgID int, retry bool) error {
	if msgID == 0 {
		return nil
	}
	err := b.call(ctx, chatID, retry, "drop buttons", func() error {
		return b.json.editMessageReplyMarkup(ctx, editMarkupBody{ChatID: chatID, MessageID: msgID})
	})
	if notModified(err) || editImpossible(err) {
		return nil
	}
	return err
}

func (b *Bot) edit(ctx context.Context, chatID int64, msgID int, text string, kb *markup.Inline, retry bool) error {
	// Without reply_markup (kb nil) Telegram removes the old buttons,
	// which is what a screen without buttons wants.
	p := editMessageTextBody{ChatID: chatID, MessageID: msgID, Text: text, ReplyMarkup: kb}
	err := b.call(ctx, chatID, retry, "edit message", func() error {
		return b.json.editMessageText(ctx, p)
	})
	if notModified(err) {
		// A doubled tap redraws the same screen: nothing to change is fine.
		return nil
	}
	return err
}

// call runs one API request. A conversation turn (retry) goes through the
// Reply hook when there is one, which waits out 429s itself; otherwise, with
// retry, it waits out up to three 429s of at most 10 s each.
func (b *Bot) call(ctx context.Context, chatID int64, retry bool, op string, do func() error) error {
	err := b.try(ctx, chatID, retry, do)
	if err != nil {
		return b.wrap(op, err)
	}
	return nil
}

func (b *Bot) try(ctx context.Context, chatID int64, retry bool, do func() error) error {
	if retry && b.hooks.Reply != nil {
		return b.hooks.Reply(ctx, chatID, func(context.Context) error { return do() })
	}
	for attempt := 0; ; attempt++ {
		err := do()
		var tooMany *tgbot.TooManyRequestsError
		if err == nil || !retry || attempt >= 3 || !errors.As(err, &tooMany) || tooMany.RetryAfter > 10 {
			return err
		}
		select {
		case <-time.After(time.Duration(max(1, tooMany.RetryAfter)) * time.Second):
		case <-ctx.Done():
			return err
		}
	}
}

func notModified(err error) bool {
	return err != nil && errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

func editImpossible(err error) bool {
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "message to edit not found") || strings.Contains(s, "message can't be edited")
}
