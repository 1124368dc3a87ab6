package bot

import "github.com/go-telegram/bot/models"

// The inline keyboards are markup.Keyboard's.

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
