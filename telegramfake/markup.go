package telegramfake

import (
	"strconv"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// markup is a decoded reply_markup of any of Telegram's four kinds.
type markup struct {
	inline   [][]Button
	keyboard [][]Button
	remove   bool
}

func (mk markup) apply(m *Message) {
	m.Inline = mk.inline
	m.Keyboard = mk.keyboard
	m.RemoveKeyboard = mk.remove
}

type rawMarkup struct {
	InlineKeyboard [][]models.InlineKeyboardButton `json:"inline_keyboard"`
	Keyboard       [][]models.KeyboardButton       `json:"keyboard"`
	RemoveKeyboard bool                            `json:"remove_keyboard"`
	ForceReply     bool                            `json:"force_reply"`
}

// parseMarkup decodes and checks reply_markup the way Telegram does: a
// callback_data of 1–64 bytes, every button with text, within the size
// limits of a keyboard.
func parseMarkup(p *params) (markup, *apiError) {
	var raw rawMarkup
	if err := p.json("reply_markup", &raw); err != nil {
		return markup{}, badRequest(err.Error())
	}
	var mk markup
	total := 0
	for _, row := range raw.InlineKeyboard {
		if len(row) > maxRowButtons {
			return markup{}, badRequest("too many buttons in a row")
		}
		var out []Button
		for _, b := range row {
			total++
			if b.Text == "" {
				return markup{}, badRequest("BUTTON_TEXT_INVALID")
			}
			if b.URL == "" && (b.CallbackData == "" || len(b.CallbackData) > maxCallbackBytes || !utf8.ValidString(b.CallbackData)) {
				return markup{}, badRequest("BUTTON_DATA_INVALID")
			}
			out = append(out, Button{Text: b.Text, Data: b.CallbackData, URL: b.URL})
		}
		mk.inline = append(mk.inline, out)
	}
	if total > maxInlineButtons {
		return markup{}, badRequest("reply markup is too long: " + strconv.Itoa(total) + " buttons")
	}
	for _, row := range raw.Keyboard {
		var out []Button
		for _, b := range row {
			if b.Text == "" {
				return markup{}, badRequest("BUTTON_TEXT_INVALID")
			}
			out = append(out, Button{Text: b.Text, RequestContact: b.RequestContact})
		}
		mk.keyboard = append(mk.keyboard, out)
	}
	mk.remove = raw.RemoveKeyboard
	return mk, nil
}

func sameKeys(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
