package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/bot/markup"
	"github.com/rantevou/rantevou/throttle"
)

// TelegramAPI is the part of *bot.Bot the Telegram deliverer uses.
type TelegramAPI interface {
	SendMessage(ctx context.Context, params *bot.SendMessageParams) (*models.Message, error)
	SendDocument(ctx context.Context, params *bot.SendDocumentParams) (*models.Message, error)
}

// Bookings looks bookings up; booking.Store implements it.
type Bookings interface {
	BookingByID(ctx context.Context, id int64) (booking.Booking, error)
}

// Reachability remembers citizens who blocked the bot; *postgres.Store
// implements it.
type Reachability interface {
	Unreachable(ctx context.Context, telegramID int64) (bool, error)
	MarkUnreachable(ctx context.Context, telegramID int64) error
}

// Telegram delivers citizen notifications through the throttled sender.
// Most go at the bulk pace, the ≤30/s Telegram allows for sending to many
// chats. The confirmation of a booking or a move the citizen has just made
// is the end of their own conversation turn, not a broadcast: while fresh
// (InReply) it goes in the conversation lane, at once, as the "booked"
// reply before it did. Otherwise, at 09:00 on a Monday, bookings made at
// 100 a second would wait minutes for their confirmations. (The renderer
// skips these rows unless Renderer.SendConfirmations is set: the
// conversation's own message is the confirmation.)
type Telegram struct {
	API      TelegramAPI
	Sender   *throttle.Sender
	Bookings Bookings
	Reach    Reachability
	Renderer *Renderer
	// Now is the clock that tells a fresh confirmation; time.Now when nil.
	Now func() time.Time
}

// InReply is how long after it fell due a citizen's own confirmation still
// counts as the answer to their tap.
const InReply = time.Minute

// inReply reports whether n answers the citizen's own action just now.
func (t *Telegram) inReply(n booking.Notification) bool {
	if n.Kind != booking.NotifyConfirmed && n.Kind != booking.NotifyRescheduled {
		return false
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	return now().Sub(n.DueAt) < InReply
}

// Deliver renders n and sends it to the citizen's chat: the row's
// recipient, or for a row written without one (the booking was made by
// phone or at the desk for a citizen with no Telegram account) the chat
// the booking's citizen has now, so that one who linked their account
// since is told there, and one who has not is skipped (staff phone them).
func (t *Telegram) Deliver(ctx context.Context, n booking.Notification) error {
	if n.BookingID == 0 {
		return booking.Permanent(fmt.Errorf("notify: %s without a booking", n.Kind))
	}
	b, err := t.Bookings.BookingByID(ctx, n.BookingID)
	if booking.ErrorCode(err) == booking.ENotFound {
		return booking.Permanent(err)
	}
	if err != nil {
		return fmt.Errorf("notify: booking %d: %w", n.BookingID, err)
	}
	chatID := b.Citizen.TelegramID
	if n.Recipient != "" {
		if chatID, err = strconv.ParseInt(n.Recipient, 10, 64); err != nil {
			return booking.Permanent(fmt.Errorf("notify: telegram recipient %q: %w", n.Recipient, err))
		}
	}
	if chatID == 0 {
		return booking.Skip("citizen has no Telegram account")
	}
	if blocked, err := t.Reach.Unreachable(ctx, chatID); err != nil {
		return err
	} else if blocked {
		return booking.Skip("citizen blocked the bot")
	}
	msg, err := t.Renderer.Render(n, b)
	if err != nil {
		return err
	}
	send := func(ctx context.Context) error { return t.send(ctx, chatID, msg) }
	if t.inReply(n) {
		err = t.Sender.Reply(ctx, chatID, send)
	} else {
		err = t.Sender.Do(ctx, chatID, throttle.PriorityLow, send)
	}
	if errors.Is(err, throttle.ErrBlocked) {
		// Stop writing to them: a citizen who blocked the bot does not want
		// reminders, and every further 403 only costs rate.
		if merr := t.Reach.MarkUnreachable(context.WithoutCancel(ctx), chatID); merr != nil {
			return merr
		}
		return booking.Permanent(err)
	}
	if errors.Is(err, bot.ErrorBadRequest) {
		return booking.Permanent(err)
	}
	return err
}

func (t *Telegram) send(ctx context.Context, chatID int64, m Message) error {
	// The library takes any reply markup; nil leaves it out.
	var kb models.ReplyMarkup
	if k := markup.Keyboard(m.Buttons, nil); k != nil {
		kb = k
	}
	if m.ICS != nil {
		_, err := t.API.SendDocument(ctx, &bot.SendDocumentParams{
			ChatID:      chatID,
			Document:    &models.InputFileUpload{Filename: m.ICSName, Data: bytes.NewReader(m.ICS)},
			Caption:     m.Text,
			ReplyMarkup: kb,
		})
		return err
	}
	_, err := t.API.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: m.Text, ReplyMarkup: kb})
	return err
}
