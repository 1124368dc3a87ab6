package notify_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/telegramfake"
	"github.com/rantevou/rantevou/throttle"
)

// fastPace is the production pace scaled up, for tests without limits.
var fastPace = throttle.Config{Global: time.Millisecond, PerChat: time.Millisecond}

// staffSink accepts the Slack rows bookings write; this package tests the
// citizen side.
var staffSink = notify.DelivererFunc(func(context.Context, booking.Notification) error { return nil })

func TestWorker(t *testing.T) {
	ctx := context.Background()

	t.Run("ConfirmationReachesCitizenWithCalendarFile", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		b := e.bookMany(t, 1, 5001)[0]
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := e.fake.Chat(5001)
		if len(msgs) != 1 || msgs[0].Document == nil {
			t.Fatalf("chat has %+v; want one document", msgs)
		}
		m := msgs[0]
		if !strings.Contains(m.Text, b.Ref) || !strings.Contains(m.Text, "Αστυνομική ταυτότητα") ||
			!strings.Contains(m.Text, b.Start.In(e.cat.Location).Format("15:04")) {
			t.Fatalf("caption lacks the reference, what to bring or the time:\n%s", m.Text)
		}
		ics := string(m.Document.Data)
		for _, want := range []string{"UID:rantevou-" + b.Ref + "@test.rantevou", "TZID:Europe/Athens",
			"DTSTART;TZID=Europe/Athens:" + b.Start.In(e.cat.Location).Format("20060102T150405"), "SEQUENCE:0", "STATUS:CONFIRMED"} {
			if !strings.Contains(ics, want) {
				t.Errorf(".ics lacks %q", want)
			}
		}
		if e.pendingNow(t) != 0 {
			t.Fatalf("%d rows still due", e.pendingNow(t))
		}
	})

	t.Run("KilledMidBatchLosesNothingAndSendsNothingTwice", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		const n = 12
		e.bookMany(t, n, 6001)
		lease := 1500 * time.Millisecond

		// Worker A dies after its fifth delivery: its context is cancelled
		// with the rest of the batch claimed and unsent.
		killCtx, kill := context.WithCancel(ctx)
		var sent atomic.Int32
		dying := notify.DelivererFunc(func(ctx context.Context, nt booking.Notification) error {
			err := e.tg.Deliver(ctx, nt)
			if err == nil && sent.Add(1) == 5 {
				kill()
			}
			return err
		})
		a := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(dying), booking.ChannelSlack: staffSink},
			notify.Config{Lease: lease, Concurrency: 1})
		claimed, _ := a.RunOnce(killCtx)
		if claimed < n {
			t.Fatalf("worker A claimed %d rows, want all %d", claimed, n)
		}

		b := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(e.tg), booking.ChannelSlack: staffSink},
			notify.Config{Lease: lease})
		if got, err := b.RunOnce(ctx); err != nil || got != 0 {
			t.Fatalf("worker B claimed %d rows (%v) while A's lease holds", got, err)
		}
		time.Sleep(lease + 200*time.Millisecond)
		// B takes over A's unsent rows (confirmations, and the staff rows
		// of bookings made for today).
		if got, err := b.RunOnce(ctx); err != nil || got < n-5 {
			t.Fatalf("worker B took over %d rows (%v), want at least %d", got, err, n-5)
		}
		for id, c := range e.counts.snapshot() {
			if c != 1 {
				t.Errorf("outbox row %d delivered %d times", id, c)
			}
		}
		if got := len(e.counts.snapshot()); got != n {
			t.Fatalf("%d rows delivered, want %d", got, n)
		}
		for chat := int64(6001); chat < 6001+n; chat++ {
			if got := len(e.fake.Chat(chat)); got != 1 {
				t.Errorf("chat %d got %d messages, want 1", chat, got)
			}
		}
		if e.pendingNow(t) != 0 {
			t.Fatalf("%d rows still due", e.pendingNow(t))
		}
	})

	t.Run("RacingWorkersDeliverEachRowOnce", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		const n = 30
		e.bookMany(t, n, 7001)
		runCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
				booking.ChannelTelegram: e.counts.wrap(e.tg), booking.ChannelSlack: staffSink},
				notify.Config{Batch: 4, Poll: 20 * time.Millisecond})
			wg.Add(1)
			go func() { defer wg.Done(); _ = w.Run(runCtx) }()
		}
		deadline := time.Now().Add(20 * time.Second)
		for e.pendingNow(t) > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		wg.Wait()
		counts := e.counts.snapshot()
		if len(counts) != n {
			t.Fatalf("%d rows delivered, want %d", len(counts), n)
		}
		for id, c := range counts {
			if c != 1 {
				t.Errorf("row %d delivered %d times", id, c)
			}
		}
	})

	t.Run("FailuresRetryWithBackoffThenPark", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ids, err := e.outbox.Enqueue(ctx, booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: "civil-registry"})
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int32
		failing := notify.DelivererFunc(func(context.Context, booking.Notification) error {
			calls.Add(1)
			return errors.New("slack: 503")
		})
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: failing},
			notify.Config{MaxAttempts: 3, BackoffBase: 100 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
		for i := 0; i < 30 && calls.Load() < 3; i++ {
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		st := w.Stats()
		if calls.Load() != 3 || st.Retried != 2 || st.Parked != 1 {
			t.Fatalf("%d calls, stats %+v; want 3 calls, 2 retries, 1 parked", calls.Load(), st)
		}
		s, _ := e.outbox.Stats(ctx)
		if s.Parked != 1 || s.Pending != 0 {
			t.Fatalf("outbox stats %+v; row %d should be parked", s, ids[0])
		}
	})

	t.Run("BlockedCitizenIsMarkedAndNotRetried", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		bs := e.bookMany(t, 1, 8001)
		e.fake.Block(8001)
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if u, _ := e.outbox.Unreachable(ctx, 8001); !u {
			t.Fatal("citizen who blocked the bot is not marked unreachable")
		}
		if st := w.Stats(); st.Parked != 1 {
			t.Fatalf("stats %+v; the 403 should park the row at once", st)
		}
		// Anything later for them is skipped without a request.
		if _, err := e.outbox.Enqueue(ctx, booking.Notification{Kind: booking.NotifyConfirmed, Channel: booking.ChannelTelegram,
			Recipient: "8001", BookingID: bs[0].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if st, fs := w.Stats(), e.fake.Stats(); st.Skipped != 1 || fs.Forbidden != 1 {
			t.Fatalf("stats %+v, fake %+v; want the second row skipped with no request", st, fs)
		}
	})

	t.Run("ReminderSkippedWhenCancelledOrMoved", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		bs := e.bookMany(t, 2, 9001)
		cancelled, moved := bs[0], bs[1]
		citizen := booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(cancelled.Citizen.TelegramID, 10)}
		if _, err := e.office.Cancel(ctx, citizen, cancelled.Ref, ""); err != nil {
			t.Fatal(err)
		}
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{})
		if _, err := w.RunOnce(ctx); err != nil { // the confirmations
			t.Fatal(err)
		}
		before := w.Stats().Skipped
		// Rows as a store bug or a race could leave them: a reminder for the
		// cancelled booking, and one set for a time the booking no longer has.
		_, err := e.outbox.Enqueue(ctx,
			booking.Notification{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram, Recipient: "9001",
				BookingID: cancelled.ID, Payload: []byte(`{"before_minutes":120}`)},
			booking.Notification{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram, Recipient: "9002",
				BookingID: moved.ID, DueAt: time.Now().Add(-time.Minute), Payload: []byte(`{"before_minutes":120}`)})
		if err != nil {
			t.Fatal(err)
		}
		sentBefore := len(e.fake.Chat(9001)) + len(e.fake.Chat(9002))
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.Stats().Skipped - before; got != 2 {
			t.Fatalf("skipped %d reminders, want 2", got)
		}
		if after := len(e.fake.Chat(9001)) + len(e.fake.Chat(9002)); after != sentBefore {
			t.Fatalf("%d reminder messages sent; want none", after-sentBefore)
		}
	})

	t.Run("ShutdownDrainsTheBatchInHand", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, throttle.Config{Global: 30 * time.Millisecond, PerChat: time.Millisecond})
		const n = 10
		e.bookMany(t, n, 9101)
		runCtx, stop := context.WithCancel(ctx)
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{})
		done := make(chan struct{})
		go func() { _ = w.Run(runCtx); close(done) }()
		time.Sleep(60 * time.Millisecond) // claimed, some sent, most waiting on the pace
		stop()
		<-done
		if got := e.fake.Stats().Delivered; got != n {
			t.Fatalf("delivered %d of %d before stopping", got, n)
		}
		if e.pendingNow(t) != 0 {
			t.Fatalf("%d rows left for the lease", e.pendingNow(t))
		}
	})
}
