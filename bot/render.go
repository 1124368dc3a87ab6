package bot

import (
	"log/slog"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/dialog"
)

// Telegram's limits on what one message may carry.
const (
	maxTextChars     = 4096
	maxRowButtons    = 8
	maxInlineButtons = 100
	maxCallbackBytes = 64
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
			if b.Text == "" || b.Data == "" || len(b.Data) > maxCallbackBytes {
				log.Error("bot: render: dropped a button with invalid callback data", slog.String("label", b.Text), slog.Int("bytes", len(b.Data)))
				continue
			}
			if total == maxInlineButtons {
				log.Error("bot: render: keyboard over 100 buttons truncated")
				break
			}
			if len(cur) == maxRowButtons {
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

// contactKeyboard is the one-key reply keyboard that shares the citizen's
// own phone number.
func contactKeyboard(label string) *models.ReplyKeyboardMarkup {
	if label == "" {
		label = "📱"
	}
	return &models.ReplyKeyboardMarkup{
		Keyboard:        [][]models.KeyboardButton{{{Text: label, RequestContact: true}}},
		ResizeKeyboard:  true,
		OneTimeKeyboard: true,
	}
}

// clip shortens text to max characters (not bytes: Greek letters are two).
func clip(text string, max int) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	r := []rune(text)
	return string(r[:max-1]) + "…"
}
