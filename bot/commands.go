package bot

import (
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// menuCommands are the commands of the bot's menu, in the menu's order;
// each one's description is the locale message Command_<name>.
var menuCommands = []string{"book", "mybookings", "start", "cancel", "info", "lang", "help", "privacy", "forget"}

// commandMenu returns the command menu in l.
func commandMenu(l booking.Lang) []models.BotCommand {
	p := locales.For(l)
	out := make([]models.BotCommand, 0, len(menuCommands))
	for _, c := range menuCommands {
		out = append(out, models.BotCommand{Command: c, Description: p.T("Command_"+c, nil)})
	}
	return out
}

// SetCommands sets the command menu in Greek, English and the default
// (Greek, the office's first language) for other languages.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, m := range []struct {
		code string
		lang booking.Lang
	}{{"", booking.Greek}, {"el", booking.Greek}, {"en", booking.English}} {
		_, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands:     commandMenu(m.lang),
			Scope:        &models.BotCommandScopeDefault{},
			LanguageCode: m.code,
		})
		if err != nil {
			return b.wrap("set commands", err)
		}
	}
	return nil
}
