// Package markup is the inline keyboard as rantevou sends it to the
// Telegram Bot API, for the conversation (bot) and the notifications
// (notify) alike.
//
// Each button is a label and its callback data, nothing else.
// go-telegram/bot's models.InlineKeyboardButton would also write
// "copy_text":{"text":""} on every button (a struct field its omitempty
// cannot leave out), where the Bot API wants exactly one of a button's
// optional fields; this is also cheaper to encode. The library's calls
// take it as it is: models.ReplyMarkup is any.
package markup

import (
	"log/slog"

	"github.com/rantevou/rantevou/dialog"
)

// Inline is the Bot API's InlineKeyboardMarkup.
type Inline struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

// Button is an InlineKeyboardButton with callback data.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// Keyboard converts dialog buttons to an inline keyboard within Telegram's
// limits: rows longer than 8 are wrapped, buttons past 100 and buttons
// with unusable callback data are dropped (and logged, because it is a bug
// in the dialog) rather than making Telegram refuse the whole message. It
// returns nil when no button is left; a nil log logs to slog.Default.
func Keyboard(rows [][]dialog.Button, log *slog.Logger) *Inline {
	var out [][]Button
	total := 0
	for _, row := range rows {
		var cur []Button
		for _, b := range row {
			if b.Text == "" || b.Data == "" || len(b.Data) > dialog.MaxCallbackData {
				logger(log).Error("bot: render: dropped a button with invalid callback data", slog.String("label", b.Text), slog.Int("bytes", len(b.Data)))
				continue
			}
			if total == dialog.MaxButtons {
				logger(log).Error("bot: render: keyboard over 100 buttons truncated")
				break
			}
			if len(cur) == dialog.MaxRowButtons {
				out = append(out, cur)
				cur = nil
			}
			cur = append(cur, Button{Text: b.Text, CallbackData: b.Data})
			total++
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &Inline{InlineKeyboard: out}
}

func logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}
