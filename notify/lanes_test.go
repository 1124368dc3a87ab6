package notify_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

// TestFreshConfirmationIsAReply: the confirmation of a booking the citizen
// has just made goes out at once, as the end of their conversation turn,
// while the bulk pace holds everything else back; an old one waits its
// turn like any notification.
func TestFreshConfirmationIsAReply(t *testing.T) {
	// One bulk send an hour, the burst of one already spent below.
	e := newEnv(t, telegramfake.Limits{}, throttle.Config{Global: time.Hour})
	bs := e.bookMany(t, 4, 88_000)
	ctx := context.Background()
	for i := range 2 {
		_ = e.sender.Do(ctx, int64(99_000+i), throttle.PriorityLow, func(context.Context) error { return nil })
	}
	note := func(b booking.Booking, kind booking.NotificationKind, due time.Time) booking.Notification {
		return booking.Notification{Kind: kind, Channel: booking.ChannelTelegram,
			Recipient: strconv.FormatInt(b.Citizen.TelegramID, 10), BookingID: b.ID, DueAt: due}
	}
	now := time.Now()
	for _, n := range []booking.Notification{
		note(bs[0], booking.NotifyConfirmed, now),
		note(bs[1], booking.NotifyRescheduled, now.Add(-10*time.Second)),
	} {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := e.tg.Deliver(dctx, n)
		cancel()
		if err != nil {
			t.Fatalf("%s due just now: %v; want it sent at once, past the bulk pace", n.Kind, err)
		}
	}
	for _, n := range []booking.Notification{
		note(bs[2], booking.NotifyConfirmed, now.Add(-time.Hour)),
		note(bs[3], booking.NotifyReminder, now),
	} {
		dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err := e.tg.Deliver(dctx, n)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s due %v ago: %v; want it held by the bulk pace", n.Kind, now.Sub(n.DueAt).Round(time.Second), err)
		}
	}
	if got := e.fake.Stats().Delivered; got != 2 {
		t.Fatalf("the fake got %d messages; want the 2 fresh confirmations", got)
	}
}
