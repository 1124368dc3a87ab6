package bot

import (
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// commandMenu is the command menu per language code; "" is the default
// menu for every other language, in Greek as the office's first language.
var commandMenu = map[string][]models.BotCommand{
	"el": {
		{Command: "book", Description: "Νέο ραντεβού"},
		{Command: "mybookings", Description: "Τα ραντεβού μου"},
		{Command: "start", Description: "Αρχικό μενού"},
		{Command: "cancel", Description: "Διακοπή της τρέχουσας ενέργειας"},
		{Command: "info", Description: "Υπηρεσίες, ωράρια, επικοινωνία"},
		{Command: "lang", Description: "Γλώσσα / Language"},
		{Command: "help", Description: "Βοήθεια"},
	},
	"en": {
		{Command: "book", Description: "Book an appointment"},
		{Command: "mybookings", Description: "My appointments"},
		{Command: "start", Description: "Main menu"},
		{Command: "cancel", Description: "Stop what you are doing"},
		{Command: "info", Description: "Offices, hours, contact details"},
		{Command: "lang", Description: "Γλώσσα / Language"},
		{Command: "help", Description: "Help"},
	},
}

// SetCommands sets the command menu in Greek, English and the default
// (Greek) for other languages.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, lang := range []string{"", "el", "en"} {
		cmds := commandMenu[lang]
		if lang == "" {
			cmds = commandMenu["el"]
		}
		_, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands:     cmds,
			Scope:        &models.BotCommandScopeDefault{},
			LanguageCode: lang,
		})
		if err != nil {
			return b.wrap("set commands", err)
		}
	}
	return nil
}
