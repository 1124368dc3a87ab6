package bot

import (
	"context"
	"time"

	"github.com/rantevou/rantevou/dialog"
)

// Hooks let the wiring observe the adapter and pace its calls. Every field
// is optional; set them with SetHooks before Run.
type Hooks struct {
	// Update is called once per update with its kind: text, command,
	// button, contact, or duplicate for a redelivered one.
	Update func(kind string)
	// Step is called with the time one update took, from the conversation
	// step to the last reply sent.
	Step func(time.Duration)
	// Reply, when set, runs every Telegram call of a conversation turn
	// except the callback answer (throttle.Sender.Reply in production): it
	// sends at once, honours a 429 for the chat, and lets the chat's next
	// notification keep its distance. It handles 429s itself.
	Reply func(ctx context.Context, chatID int64, call func(ctx context.Context) error) error
}

// SetHooks installs h. Call it before Run.
func (b *Bot) SetHooks(h Hooks) { b.hooks = h }

func (b *Bot) observeUpdate(ev dialog.Event, duplicate bool) {
	if b.hooks.Update == nil {
		return
	}
	kind := "text"
	switch {
	case duplicate:
		kind = "duplicate"
	case ev.Kind == dialog.KindCommand:
		kind = "command"
	case ev.Kind == dialog.KindButton:
		kind = "button"
	case ev.Kind == dialog.KindContact:
		kind = "contact"
	}
	b.hooks.Update(kind)
}

func (b *Bot) observeStep(d time.Duration) {
	if b.hooks.Step != nil {
		b.hooks.Step(d)
	}
}
