package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/telegramfake"
)

// TestPhoneBookingsReachLinkedCitizens: the call centre books for two
// callers; one of them later shares that number in the bot. When staff
// cancel both, the linked citizen is told on Telegram, in the language
// of the booking, and the other cannot be (staff phone them): their
// rows are settled as skipped, nothing sent, nothing retried.
func TestPhoneBookingsReachLinkedCitizens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, telegramfake.Limits{}, fastPace)
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1", Name: "call centre"}
	first, err := e.office.FirstAvailable(ctx, "birth-certificate")
	if err != nil {
		t.Fatal(err)
	}
	book := func(phone string, lang booking.Lang) booking.Booking {
		t.Helper()
		b, err := e.office.BookForCaller(ctx, staff, booking.CallerRequest{Service: "birth-certificate", Start: first.Start,
			Phone: phone, Name: "Maria Papadopoulou", Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	linked, alone := book("6912345678", booking.English), book("6912345679", booking.Greek)
	const chat = 8301
	if n, err := e.office.LinkTelegram(ctx, chat, "+306912345678", booking.English); err != nil || n != 1 {
		t.Fatalf("link: %d %v", n, err)
	}
	for _, b := range []booking.Booking{linked, alone} {
		if _, err := e.office.Cancel(ctx, staff, b.Ref, "illness"); err != nil {
			t.Fatal(err)
		}
	}

	w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
		booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{Now: e.clock.Now})
	waitFor(t, 10*time.Second, "every row settled", func() bool {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return e.pendingNow(t) == 0
	})
	msgs := e.fake.Chat(chat)
	var cancelled bool
	for _, m := range msgs {
		if strings.Contains(m.Text, "cancelled your appointment") && strings.Contains(m.Text, "illness") &&
			m.Document != nil && strings.Contains(string(m.Document.Data), linked.Ref) {
			cancelled = true
		}
	}
	if !cancelled {
		t.Fatalf("the linked citizen was not told of the cancellation, in English: %+v", msgs)
	}
	var parked int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE parked_at IS NOT NULL)
		FROM outbox WHERE booking_id = $1 AND channel = 'telegram'`, alone.ID).Scan(&parked); err != nil {
		t.Fatal(err)
	}
	if parked != 0 {
		t.Fatalf("%d rows of the unlinked caller parked as failures; they are skipped", parked)
	}
	if got := e.fake.Stats().Delivered; got != len(msgs) {
		t.Fatalf("%d messages sent in all, %d of them to the linked chat: some went elsewhere", got, len(msgs))
	}
}
