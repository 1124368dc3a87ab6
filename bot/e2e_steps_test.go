package bot

import (
	"context"
	"testing"

	"github.com/rantevou/rantevou/telegramfake"
)

// keyboardMessage returns the newest bot message with an inline keyboard.
func (e *e2e) keyboardMessage(t testing.TB, chat int64) telegramfake.Message {
	t.Helper()
	msgs := e.fake.Chat(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].FromBot && !msgs[i].Deleted && len(msgs[i].Inline) > 0 {
			return msgs[i]
		}
	}
	t.Fatalf("no message with buttons\ntranscript:\n%s", e.transcript(chat))
	return telegramfake.Message{}
}

// pressAt taps the button at row, col of the newest keyboard, whatever the
// language of its label.
func (e *e2e) pressAt(t testing.TB, chat int64, row, col int) int64 {
	t.Helper()
	m := e.keyboardMessage(t, chat)
	if row >= len(m.Inline) || col >= len(m.Inline[row]) {
		t.Fatalf("no button at %d,%d\ntranscript:\n%s", row, col, e.transcript(chat))
	}
	id, err := e.fake.PressButton(chat, m.ID, m.Inline[row][col].Data)
	if err != nil {
		t.Fatal(err)
	}
	e.ok(t)
	return id
}

// share shares a contact as the citizen.
func (e *e2e) share(t testing.TB, chat int64, phone string, owner int64) {
	t.Helper()
	e.fake.ShareContact(chat, phone, owner)
	e.ok(t)
}

// toConfirm walks a new citizen from /start to the confirm screen: the
// first department, the service at svc, the day at day (row of the week
// calendar), the time labelled at, the shared own number and a typed name.
func (e *e2e) toConfirm(t testing.TB, chat int64, svc, day int, at, name string) {
	t.Helper()
	e.say(t, chat, "/start")
	e.pressAt(t, chat, 0, 0) // book
	e.pressAt(t, chat, 0, 0) // first department
	e.pressAt(t, chat, svc, 0)
	e.pressAt(t, chat, day, 0)
	e.press(t, chat, at)
	e.share(t, chat, "+306912345678", chat)
	e.say(t, chat, name)
}

// deleteSession removes the chat's session from Redis, as an expiry or a
// Redis restart would.
func (e *e2e) deleteSession(t testing.TB, chat int64) {
	t.Helper()
	if err := e.sessions.Delete(context.Background(), chat); err != nil {
		t.Fatal(err)
	}
}
