package slack

import (
	"context"
	"errors"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives commands and button presses over Slack's Socket
// Mode (no public URL needed: often the only way out of a municipal
// network) and routes them to the same handlers as the HTTP endpoints.
// Slack authenticates the socket with the app-level token, so requests
// arriving on it carry no signature to check. It returns when ctx ends.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack: socket mode: no app-level token")
	}
	client := socketmode.New(a.api)
	go a.socketEvents(ctx, client)
	err := client.RunContext(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (a *Adapter) socketEvents(ctx context.Context, client *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-client.Events:
			if !ok {
				return
			}
			// Each request is handled on its own, so that one slow
			// command does not hold back the acknowledgements of the
			// others past Slack's 3 seconds.
			go a.socketEvent(ctx, client, ev)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, ev socketmode.Event) {
	if ev.Request == nil {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, quick)
	defer cancel()
	var payload any
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slackapi.SlashCommand)
		if !ok {
			client.Ack(*ev.Request)
			return
		}
		if out := a.handleCommand(qctx, cmd); !out.empty() {
			payload = out
		}
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slackapi.InteractionCallback)
		if !ok {
			client.Ack(*ev.Request)
			return
		}
		payload = a.handleInteraction(qctx, cb)
	default:
		client.Ack(*ev.Request)
		return
	}
	actx, acancel := context.WithTimeout(ctx, 2*time.Second)
	defer acancel()
	if payload == nil {
		_ = client.AckCtx(actx, ev.Request.EnvelopeID, nil)
		return
	}
	if err := client.AckCtx(actx, ev.Request.EnvelopeID, payload); err != nil {
		a.log.Warn("slack socket ack failed", "err", err)
	}
}
