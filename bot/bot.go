// Package bot is the Telegram adapter of rantevou (go-telegram/bot). It
// receives updates by long polling or by webhook, drops the ones already
// handled (update_id, remembered in Redis), runs each through the
// conversation engine one chat at a time, and turns the dialog's replies
// into Telegram messages: inline keyboards, edits in place, answered
// callback queries, the share-contact key and documents. It also sets the
// bot's command menu in Greek and English and keeps the bot token out of
// every log line.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/conversation"
	"github.com/rantevou/rantevou/dialog"
)

// Deduper remembers handled update_ids (package redis implements it).
type Deduper interface {
	// Seen marks an update as in hand; false means it was seen already,
	// and parked is then what Park kept for it, if anything. While another
	// delivery has the update in hand (or had, when its process died) it
	// returns an error whose InHand() reports true.
	Seen(ctx context.Context, updateID int64) (firstTime bool, parked []byte, err error)
	// Forget unmarks an update whose handling failed, so that Telegram's
	// redelivery is handled instead of dropped.
	Forget(ctx context.Context, updateID int64) error
	// Park keeps the replies of a handled update that could not be sent,
	// for its redelivery to send; Settle marks the update done.
	Park(ctx context.Context, updateID int64, replies []byte) error
	Settle(ctx context.Context, updateID int64) error
}

// handler is what the adapter needs of *conversation.Engine.
type handler interface {
	Handle(ctx context.Context, in conversation.Input) ([]dialog.Reply, error)
}

// Bot is the running Telegram adapter.
type Bot struct {
	cfg    Config
	api    *tgbot.Bot
	json   *jsonAPI // the calls of a conversation turn
	h      handler
	dedupe Deduper
	log    *slog.Logger
	queues *chatQueues
	// presses are the button presses each chat has in hand here, queued or
	// running (the webhook's): a second press of the same button meanwhile
	// is answered at once instead of queueing behind the first.
	presses presses
	hooks   Hooks
}

// New builds the adapter. It does not contact Telegram; Run does.
func New(cfg Config, engine *conversation.Engine, dedupe Deduper, logger *slog.Logger) (*Bot, error) {
	if engine == nil {
		return nil, errors.New("bot: new: nil engine")
	}
	return newBot(cfg, engine, dedupe, logger)
}

func newBot(cfg Config, h handler, dedupe Deduper, logger *slog.Logger) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if dedupe == nil {
		return nil, errors.New("bot: new: nil deduper")
	}
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = time.Minute
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 20 * time.Second
	}
	if cfg.Transport == nil {
		cfg.Transport = NewTransport()
	}
	b := &Bot{cfg: cfg, h: h, dedupe: dedupe, log: logger.With(slog.String("component", "telegram")), queues: newChatQueues()}
	// One client for the library's calls and the conversation turn's.
	client := &http.Client{Timeout: cfg.PollTimeout + 10*time.Second, Transport: cfg.Transport}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.apiURL()),
		tgbot.WithSkipGetMe(),
		// The poller hands updates over one by one, in order; chatQueues
		// then runs each chat's updates in order and chats in parallel.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithDefaultHandler(b.onPolledUpdate),
		tgbot.WithErrorsHandler(func(err error) {
			b.log.Error("bot: telegram client", slog.String("err", scrub(err.Error(), cfg.Token)))
		}),
		tgbot.WithHTTPClient(cfg.PollTimeout, client),
		tgbot.WithAllowedUpdates(tgbot.AllowedUpdates{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery}),
	)
	if err != nil {
		return nil, fmt.Errorf("bot: new: %s", scrub(err.Error(), cfg.Token))
	}
	b.api = api
	// The conversation's own calls run on their own client over the same
	// transport (the same connections), without the client's Timeout:
	// with one, net/http starts a goroutine and a timer per request to
	// enforce it, a cost every reply paid while its context already
	// carries the update's deadline (jsonAPI.call bounds a call whose
	// context has none).
	b.json = newJSONAPI(cfg, &http.Client{Transport: cfg.Transport}, client.Timeout)
	return b, nil
}

// API returns the underlying client, e.g. for the notification sender.
func (b *Bot) API() *tgbot.Bot { return b.api }

// Run checks the token, sets the command menu and then, until ctx ends,
// either long-polls (no webhook URL configured) or registers the webhook
// and leaves the updates to WebhookHandler. It returns after the updates in
// hand are handled.
func (b *Bot) Run(ctx context.Context) error {
	me, err := b.api.GetMe(ctx)
	if err != nil {
		return b.wrap("run: get me", err)
	}
	b.log.Info("bot: started", slog.String("username", me.Username), slog.String("config", b.cfg.String()))
	if err := b.SetCommands(ctx); err != nil {
		// A missing menu is cosmetic; the bot works without it.
		b.log.Warn("bot: set commands", slog.String("err", err.Error()))
	}
	if b.cfg.WebhookURL != "" {
		_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            b.cfg.WebhookURL,
			SecretToken:    b.cfg.WebhookSecret,
			MaxConnections: b.cfg.WebhookMaxConnections,
			AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery},
		})
		if err != nil {
			return b.wrap("run: set webhook", err)
		}
		<-ctx.Done()
		b.queues.Wait()
		return nil
	}
	// A webhook left over from an earlier run makes getUpdates fail with 409.
	if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return b.wrap("run: delete webhook", err)
	}
	b.api.Start(ctx)
	b.queues.Wait()
	return nil
}

// onPolledUpdate is called by the poller for every update, in order. It
// only queues the update on its chat's queue.
func (b *Bot) onPolledUpdate(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
	wire := fromModel(u)
	in, ok := decode(&wire)
	if !ok {
		return
	}
	id := u.ID
	// Detached so that shutdown lets an update already started finish.
	jobCtx := context.WithoutCancel(ctx)
	queued := b.queues.Do(in.input.ChatID, func() {
		err := b.process(jobCtx, id, in, nil)
		switch {
		case errors.Is(err, errRepliesParked):
			// Polling has moved past the update and nobody redelivers it:
			// the step is done, so say only that the answer was lost.
			b.log.Error("bot: replies not sent", slog.Int64("update_id", id), slog.Int64("chat_id", in.input.ChatID))
		case errors.Is(err, errInHand):
			// Another poll has it: nothing to say.
		case err != nil:
			// Nothing was done; tell the citizen to try again.
			b.tellTechnicalProblem(jobCtx, in)
		}
	})
	if !queued {
		b.log.Warn("bot: chat queue full, update dropped", slog.Int64("update_id", id), slog.Int64("chat_id", in.input.ChatID))
	}
}

// errRepliesParked reports that an update was handled but not all its
// replies could be sent; they are parked with the update for its
// redelivery (webhook mode answers 503, so Telegram redelivers).
var errRepliesParked = errors.New("bot: replies not sent, parked for redelivery")

// answerFunc writes the webhook's answer to a handled update: the callback
// query's answer with toast, or, when carried is not nil, the step's last
// reply as the sendMessage Telegram is to make. An error means that the
// answer did not reach Telegram, or may not have.
type answerFunc func(toast string, carried *sendMessageBody) error

// process handles one update: dedupe, conversation step, replies. An error
// means the update should be delivered again: either nothing was done, or
// (errRepliesParked) the step was done and its unsent replies wait for the
// redelivery.
//
// With respond (the webhook), the callback query is not answered by a call
// of its own but in the webhook's answer, and the step's last reply may go
// in it too (deliver's carry). respond is called once the replies are
// sent, and only then is the update marked done (settle), so that the
// answer does not wait for the mark's round trip. Until the mark the
// update is in hand. A redelivery to this process meanwhile waits in the
// chat's queue, as process runs as the chat's queue job, and finds it
// done; one to another replica waits a moment for the mark (awaitMark),
// then is told to come back later (errInHand). After a crash between the
// answer and the mark the update stays in hand until the mark runs out,
// and only a redelivery, which Telegram does not send after a 200, would
// handle it again.
func (b *Bot) process(ctx context.Context, updateID int64, in incoming, respond answerFunc) (err error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandleTimeout)
	defer cancel()
	log := b.log.With(slog.Int64("update_id", updateID), slog.Int64("chat_id", in.input.ChatID))
	inline := respond != nil
	answered := false
	defer func() {
		if p := recover(); p != nil {
			log.Error("bot: panic while handling an update", slog.Any("panic", p))
			err = fmt.Errorf("bot: handle update: panic")
			if !answered {
				b.forget(ctx, updateID, log)
				b.answer(ctx, in, technicalProblem(in.input.LangCode))
			}
		}
	}()

	first, parked, err := b.seen(ctx, updateID, &in)
	if inline {
		first, parked, err = b.awaitMark(ctx, updateID, first, parked, err)
	}
	if isInHand(err) {
		// Another delivery of this update is being handled, or was when
		// its process died: it is answered 503, and Telegram's next try
		// finds it done, or free to handle again.
		log.Info("bot: update in hand elsewhere, to be delivered again")
		b.observeUpdate(in.input.Event, true)
		return errInHand
	}
	if err != nil {
		log.Error("bot: dedupe", slog.String("err", err.Error()))
		b.answer(ctx, in, technicalProblem(in.input.LangCode))
		return fmt.Errorf("bot: handle update: %w", err)
	}
	b.observeUpdate(in.input.Event, !first)
	if !first {
		if parked == nil {
			log.Info("bot: duplicate update ignored")
			return nil
		}
		return b.resend(ctx, updateID, in, parked, log)
	}
	start := time.Now()
	replies, err := b.h.Handle(ctx, in.input)
	if err != nil {
		log.Error("bot: conversation", slog.String("err", err.Error()))
		b.forget(ctx, updateID, log)
		b.answer(ctx, in, technicalProblem(in.input.LangCode))
		return fmt.Errorf("bot: handle update: %w", err)
	}
	toast := toastOf(replies)
	if !inline {
		b.answer(ctx, in, toast)
	}
	rest, carried := b.deliver(ctx, in, replies, inline, log)
	if rest != nil {
		b.park(ctx, updateID, in, rest, inline, toast, log)
		return errRepliesParked
	}
	// The step's time is until its replies are out, before the answer.
	b.observeStep(time.Since(start))
	if inline {
		answered = true
		if err := respond(toast, carried); err != nil {
			// The connection broke (or the request was given up) before
			// the answer was written. Telegram did not get a 200 and
			// delivers the update again. A carried reply may not have
			// reached it: it is parked for that redelivery like any
			// unsent reply (sent once more at worst). Without one, only
			// the callback answer is lost, and the redelivery, a
			// duplicate, answers the query again.
			//
			// A write that succeeded is only as far as this side can
			// see: the bytes left for the kernel's buffers. Should the
			// connection break after that, before Telegram read the
			// answer, its redelivery finds the update done and a carried
			// reply is lost; that is the price of carrying it.
			log.Warn("bot: webhook answer not written", slog.String("err", err.Error()), slog.Bool("carried_reply", carried != nil))
			if carried != nil {
				b.park(ctx, updateID, in, replies[len(replies)-1:], false, "", log)
				return errRepliesParked
			}
		}
	}
	// Done: a redelivery is a duplicate from now on. Until this mark the
	// update was only in hand, so that one whose process died is handled
	// again when Telegram delivers it again.
	b.settle(ctx, updateID, log)
	log.Debug("bot: update handled", slog.Duration("took", time.Since(start)), slog.Int("replies", len(replies)), slog.Bool("carried_reply", carried != nil))
	return nil
}

// inHand is what a Deduper's error says when the update is being handled
// by another delivery (package redis: *InHandError).
type inHand interface{ InHand() bool }

func isInHand(err error) bool {
	var busy inHand
	return errors.As(err, &busy) && busy.InHand()
}

// Waiting for another delivery's mark: polls at inHandPoll, doubling, for
// about twice inHandWait in all.
const (
	inHandPoll = 2 * time.Millisecond
	inHandWait = 64 * time.Millisecond
)

// awaitMark is Seen's answer once the update is no longer in hand, or as
// it stands after a short wait. A webhook delivery answers before it marks
// its update done, so another replica given the same update right after
// that 200 (a load balancer's retry) would find it still in hand for a
// round trip of Redis, and be told to come back later for nothing; a step
// in hand elsewhere often ends within the wait too. A redelivery to this
// process never gets here for that: it waits in the chat's queue behind
// the mark. The repeated mark is a plain Seen, without the session (the
// conversation loads it when it takes the update on after all) and
// without counting the chat's step again.
func (b *Bot) awaitMark(ctx context.Context, updateID int64, first bool, parked []byte, err error) (bool, []byte, error) {
	for wait := inHandPoll; isInHand(err) && wait <= inHandWait; wait *= 2 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return first, parked, err
		}
		first, parked, err = b.dedupe.Seen(ctx, updateID)
	}
	return first, parked, err
}

// errInHand reports an update another delivery has in hand.
var errInHand = errors.New("bot: update in hand elsewhere")

// seenLoader is a Deduper that also reads the chat's session in the same
// round trip (package redis, with its sessions bound).
type seenLoader interface {
	SeenAndLoad(ctx context.Context, updateID, chatID int64) (first bool, parked []byte, s *conversation.Snapshot, err error)
}

// seen marks the update as taken on and, when the Deduper can, hands the
// chat's session it read along to the conversation.
func (b *Bot) seen(ctx context.Context, updateID int64, in *incoming) (bool, []byte, error) {
	sl, ok := b.dedupe.(seenLoader)
	if !ok {
		return b.dedupe.Seen(ctx, updateID)
	}
	first, parked, snap, err := sl.SeenAndLoad(ctx, updateID, in.input.ChatID)
	in.input.Session = snap
	return first, parked, err
}

// resend sends the replies parked by an earlier delivery of the update.
// They go through the Bot API, none in the webhook's answer: this is the
// rare path, and what was parked once should not be risked again.
func (b *Bot) resend(ctx context.Context, updateID int64, in incoming, parked []byte, log *slog.Logger) error {
	var replies []dialog.Reply
	if err := json.Unmarshal(parked, &replies); err != nil {
		log.Error("bot: unreadable parked replies", slog.String("err", err.Error()))
		return b.settle(ctx, updateID, log)
	}
	if rest, _ := b.deliver(ctx, in, replies, false, log); rest != nil {
		b.park(ctx, updateID, in, rest, false, "", log)
		return errRepliesParked
	}
	log.Info("bot: parked replies sent", slog.Int("replies", len(replies)))
	return b.settle(ctx, updateID, log)
}

func (b *Bot) settle(ctx context.Context, updateID int64, log *slog.Logger) error {
	if err := b.dedupe.Settle(ctx, updateID); err != nil {
		// The replies went out; at worst a redelivery sends them again.
		log.Warn("bot: settle update", slog.String("err", err.Error()))
	}
	return nil
}

// park keeps the unsent replies with the update. The callback query is
// answered now if it was to be answered inline: a 503's body is not read.
func (b *Bot) park(ctx context.Context, updateID int64, in incoming, rest []dialog.Reply, inline bool, toast string, log *slog.Logger) {
	if inline {
		b.answer(ctx, in, toast)
	}
	data, err := json.Marshal(rest)
	if err == nil {
		err = b.dedupe.Park(context.WithoutCancel(ctx), updateID, data)
	}
	if err != nil {
		log.Error("bot: park replies", slog.String("err", err.Error()))
	}
}

func (b *Bot) forget(ctx context.Context, updateID int64, log *slog.Logger) {
	if err := b.dedupe.Forget(ctx, updateID); err != nil {
		log.Warn("bot: forget update", slog.String("err", err.Error()))
	}
}

func toastOf(replies []dialog.Reply) string {
	for _, r := range replies {
		if r.Toast != "" {
			return r.Toast
		}
	}
	return ""
}

// deliver sends the replies in order and returns those it could not send
// (from the first failure on), nil when all went out. The step is done by
// now (session saved, booking made), so a reply that failed for a reason
// that may pass (the network, a 5xx, a long 429) is kept for another try;
// one that Telegram refused for good (the citizen blocked the bot, a bad
// request) is logged and dropped.
//
// With carry (the webhook), the last reply is not sent when it can travel
// in the webhook's answer (carriable) and every reply before it went out:
// its sendMessage is returned instead, for the answer to carry.
//
// Taking the buttons off a finished screen (DropButtons) is independent
// of the replies after it, which come below it: it is sent alongside them
// (alongside), so that an outcome (booked, cancelled) costs the step one
// Bot API round trip, not two.
func (b *Bot) deliver(ctx context.Context, in incoming, replies []dialog.Reply, carry bool, log *slog.Logger) (rest []dialog.Reply, carried *sendMessageBody) {
	if len(replies) > 1 && replies[0].DropButtons {
		return b.alongside(ctx, in, replies, carry, log)
	}
	fine := true
	for i, r := range replies {
		if carry && fine && i == len(replies)-1 {
			if p, ok := b.carriable(in, r); ok {
				// Through the Reply hook all the same, though Telegram
				// makes the call: it waits while the chat is paused by a
				// 429, and keeps the chat's next notification at its
				// distance from this message.
				if err := b.try(ctx, in.input.ChatID, true, func() error { return nil }); err != nil {
					log.Warn("bot: send reply", slog.String("err", b.wrap("carry message", err).Error()))
					return replies[i:], nil
				}
				return nil, &p
			}
		}
		editID := 0
		if r.Edit && in.callbackID != "" {
			editID = in.messageID
		}
		err := b.send(ctx, in.input.ChatID, editID, r, true)
		switch {
		case err == nil:
		case errors.Is(err, tgbot.ErrorForbidden):
			return nil, nil // the citizen blocked the bot
		case errors.Is(err, tgbot.ErrorBadRequest):
			log.Error("bot: reply refused", slog.String("err", err.Error()))
			fine = false
		default:
			log.Warn("bot: send reply", slog.String("err", err.Error()))
			return replies[i:], nil
		}
	}
	return nil, nil
}

// alongside delivers replies, whose first takes buttons off a message, with
// that first sent at the same time as the rest. When it failed for a
// reason that may pass it is kept, first, with what else was not sent.
func (b *Bot) alongside(ctx context.Context, in incoming, replies []dialog.Reply, carry bool, log *slog.Logger) ([]dialog.Reply, *sendMessageBody) {
	editID := 0
	if replies[0].Edit && in.callbackID != "" {
		editID = in.messageID
	}
	drop := make(chan error, 1)
	go func() { drop <- b.send(ctx, in.input.ChatID, editID, replies[0], true) }()
	rest, carried := b.deliver(ctx, in, replies[1:], carry, log)
	err := <-drop
	switch {
	case err == nil, errors.Is(err, tgbot.ErrorForbidden):
	case errors.Is(err, tgbot.ErrorBadRequest):
		log.Error("bot: reply refused", slog.String("err", err.Error()))
	default:
		log.Warn("bot: send reply", slog.String("err", err.Error()))
		if carried != nil {
			// Parked replies make the answer a 503, which carries
			// nothing: the last reply is parked with the buttons.
			rest = append(rest, replies[len(replies)-1])
		}
		return append([]dialog.Reply{replies[0]}, rest...), nil
	}
	return rest, carried
}

// answer answers the update's callback query, if it has one; the citizen's
// client shows a spinner until it is answered.
func (b *Bot) answer(ctx context.Context, in incoming, toast string) {
	if in.callbackID == "" {
		return
	}
	err := b.json.answerCallbackQuery(ctx, answerCallbackBody{
		CallbackQueryID: in.callbackID,
		Text:            dialog.Clip(toast, dialog.MaxToastChars),
	})
	if err != nil {
		b.log.Warn("bot: answer callback query", slog.String("err", b.wrap("answer", err).Error()))
	}
}

func (b *Bot) tellTechnicalProblem(ctx context.Context, in incoming) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r := dialog.Reply{Text: technicalProblem(in.input.LangCode)}
	if err := b.send(ctx, in.input.ChatID, 0, r, false); err != nil {
		b.log.Warn("bot: tell technical problem", slog.String("err", err.Error()))
	}
}

// technicalProblem is said when Redis or PostgreSQL fail. It lives here, not
// in the dialog's texts, because it must work when nothing else does.
func technicalProblem(langCode string) string {
	if len(langCode) >= 2 && langCode[:2] == "en" {
		return "Sorry, we have a technical problem. Please try again in a minute."
	}
	return "Λυπούμαστε, παρουσιάστηκε τεχνικό πρόβλημα. Δοκιμάστε ξανά σε ένα λεπτό."
}

// wrap prefixes err and removes the token from its text, keeping it
// inspectable with errors.Is and errors.As (*tgbot.TooManyRequestsError).
func (b *Bot) wrap(op string, err error) error {
	return &apiError{op: op, err: err, token: b.cfg.Token}
}

type apiError struct {
	op    string
	err   error
	token string
}

func (e *apiError) Error() string { return "bot: " + e.op + ": " + scrub(e.err.Error(), e.token) }
func (e *apiError) Unwrap() error { return e.err }
