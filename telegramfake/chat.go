package telegramfake

import (
	"context"
	"fmt"
)

// Chat returns every message of the chat in order, the user's and the
// bot's, each in its current state (edits applied, Deleted set on deleted
// ones).
func (s *Server) Chat(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatSnapshotLocked(chatID)
}

func (s *Server) chatSnapshotLocked(chatID int64) []Message {
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	out := make([]Message, len(c.messages))
	for i, m := range c.messages {
		out[i] = m.clone()
	}
	return out
}

// Last returns the newest message the bot sent to the chat that is not
// deleted.
func (s *Server) Last(chatID int64) (Message, bool) {
	msgs := s.Chat(chatID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].FromBot && !msgs[i].Deleted {
			return msgs[i], true
		}
	}
	return Message{}, false
}

// Keyboard returns the reply keyboard the chat currently shows, nil if none.
func (s *Server) Keyboard(chatID int64) [][]Button {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	return cloneKeys(c.keyboard)
}

// Events returns the chat's history: what the user did and what the bot did.
func (s *Server) Events(chatID int64) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	out := make([]Event, len(c.events))
	for i, e := range c.events {
		e.Message = e.Message.clone()
		out[i] = e
	}
	return out
}

// Version is a counter that grows on every change the fake sees; a page
// that polls can redraw when it moves.
func (s *Server) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// WaitFor blocks until cond holds for the chat's messages, and returns them.
func (s *Server) WaitFor(ctx context.Context, chatID int64, cond func([]Message) bool) ([]Message, error) {
	for {
		s.mu.Lock()
		msgs := s.chatSnapshotLocked(chatID)
		changed := s.changed
		s.mu.Unlock()
		if cond(msgs) {
			return msgs, nil
		}
		if err := s.waitChanged(ctx, changed); err != nil {
			return msgs, fmt.Errorf("telegramfake: wait for chat %d: %w", chatID, err)
		}
	}
}

// WaitEvents blocks until cond holds for the chat's history, and returns it.
func (s *Server) WaitEvents(ctx context.Context, chatID int64, cond func([]Event) bool) ([]Event, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		evs := s.Events(chatID)
		if cond(evs) {
			return evs, nil
		}
		if err := s.waitChanged(ctx, changed); err != nil {
			return evs, fmt.Errorf("telegramfake: wait for events of chat %d: %w", chatID, err)
		}
	}
}

// Subscribe returns a channel of the chat's events from now on, and a
// function that ends the subscription. The channel is buffered; a
// subscriber that falls behind misses events (the fake never blocks the bot)
// and should re-read Chat.
func (s *Server) Subscribe(chatID int64) (<-chan Event, func()) {
	ch := make(chan Event, 64)
	s.mu.Lock()
	s.subs[chatID] = append(s.subs[chatID], ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		subs := s.subs[chatID]
		for i, c := range subs {
			if c == ch {
				s.subs[chatID] = append(subs[:i], subs[i+1:]...)
				close(ch)
				return
			}
		}
	}
}
