package bot

import (
	"log/slog"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/dialog"
)

// inlineKeyboard converts dialog buttons to an inline keyboard within
// Telegram's limits: rows longer than 8 are wrapped, buttons past 100 and
// buttons with unusable callback data are dropped (and logged, because it is
// a bug in the dialog) rather than making Telegram refuse the whole message.
func inlineKeyboard(rows [][]dialog.Button, log *slog.Logger) *models.InlineKeyboardMarkup {
	var out [][]models.InlineKeyboardButton
	total := 0
	for _, row := range rows {
		var cur []models.InlineKeyboardButton
		for _, b := range row {
			if b.Text == "" || b.Data == "" || len(b.Data) > dialog.MaxCallbackData {
				log.Error("bot: render: dropped a button with invalid callback data", slog.String("label", b.Text), slog.Int("bytes", len(b.Data)))
				continue
			}
			if total == dialog.MaxButtons {
				log.Error("bot: render: keyboard over 100 buttons truncated")
				break
			}
			if len(cur) == dialog.MaxRowButtons {
				out = append(out, cur)
				cur = nil
			}
			cur = append(cur, models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
			total++
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: out}
}

// contactKeyboard is the reply keyboard that shares the citizen's own
// phone number, with the dialog's plain keys (Back, Stop) under it; those
// send their label as text.
func contactKeyboard(label string, keys [][]string) *models.ReplyKeyboardMarkup {
	if label == "" {
		label = "📱"
	}
	rows := [][]models.KeyboardButton{{{Text: label, RequestContact: true}}}
	for _, row := range keys {
		var r []models.KeyboardButton
		for _, k := range row {
			if k != "" {
				r = append(r, models.KeyboardButton{Text: k})
			}
		}
		if len(r) > 0 {
			rows = append(rows, r)
		}
	}
	return &models.ReplyKeyboardMarkup{
		Keyboard:        rows,
		ResizeKeyboard:  true,
		OneTimeKeyboard: true,
	}
}
