package notify_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
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
		for _, want := range []string{"UID:rantevou-" + b.Ref + "@thessaloniki.gr", "TZID:Europe/Athens",
			"DTSTART;TZID=Europe/Athens:" + b.Start.In(e.cat.Location).Format("20060102T150405"), "SEQUENCE:", "STATUS:CONFIRMED", "BEGIN:VALARM"} {
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
			notify.Config{Lease: lease, Concurrency: 1, Now: e.clock.Now})
		claimed, _ := a.RunOnce(killCtx)
		if claimed < n {
			t.Fatalf("worker A claimed %d rows, want all %d", claimed, n)
		}

		b := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(e.tg), booking.ChannelSlack: staffSink},
			notify.Config{Lease: lease, Now: e.clock.Now})
		if got, err := b.RunOnce(ctx); err != nil || got != 0 {
			t.Fatalf("worker B claimed %d rows (%v) while A's lease holds", got, err)
		}
		// B takes over A's unsent rows (confirmations, and the staff rows
		// of bookings made for today) once A's lease runs out.
		took := 0
		waitFor(t, 10*time.Second, "worker B took over A's unsent rows", func() bool {
			got, err := b.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			took += got
			return took >= n-5
		})
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
				notify.Config{Batch: 4, Poll: 20 * time.Millisecond, Now: e.clock.Now})
			wg.Add(1)
			go func() { defer wg.Done(); _ = w.Run(runCtx) }()
		}
		waitFor(t, 20*time.Second, "every row delivered", func() bool { return e.pendingNow(t) == 0 })
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

	t.Run("FreshClaimIsSentWithoutRenewal", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ids, err := e.outbox.Enqueue(ctx, staffToday())
		if err != nil {
			t.Fatal(err)
		}
		o := &watchedOutbox{Outbox: e.outbox}
		// The defaults: a 2 minute lease, 30 s to send and 10 s to record.
		w := notify.NewWorker(o, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: o.deliverer()}, notify.Config{})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := o.events(); !slices.Equal(got, []string{"send"}) {
			t.Fatalf("events %q; want the fresh claim sent with no renewal", got)
		}
		if r := e.row(t, ids[0]); !r.delivered || r.leased {
			t.Fatalf("row %+v; want it delivered, its lease gone", r)
		}
	})

	// A claim is fresh while the time since it was asked for, plus the
	// time to send and to record, is less than the lease: here half a
	// second. The claims below are held back past that before their rows
	// are handed over.
	leaseOf := notify.Config{Lease: 2 * time.Second, SendTimeout: time.Second, RecordTimeout: 500 * time.Millisecond}

	t.Run("OlderClaimIsConfirmedBeforeTheSend", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ids, err := e.outbox.Enqueue(ctx, staffToday())
		if err != nil {
			t.Fatal(err)
		}
		o := &watchedOutbox{Outbox: e.outbox, afterClaim: func([]booking.Claimed) { time.Sleep(600 * time.Millisecond) }}
		w := notify.NewWorker(o, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: o.deliverer()}, leaseOf)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := o.events(); !slices.Equal(got, []string{"confirm true", "send"}) {
			t.Fatalf("events %q; want the claim renewed, then the send", got)
		}
		if r := e.row(t, ids[0]); !r.delivered || r.leased {
			t.Fatalf("row %+v; want it delivered, its lease gone", r)
		}
	})

	t.Run("ClaimTakenOverWhileItWaitedIsNotSent", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ids, err := e.outbox.Enqueue(ctx, staffToday())
		if err != nil {
			t.Fatal(err)
		}
		// Before the worker hands its row over, the lease runs out and
		// another worker claims the row.
		var other []booking.Claimed
		o := &watchedOutbox{Outbox: e.outbox, afterClaim: func([]booking.Claimed) {
			for deadline := time.Now().Add(10 * time.Second); len(other) == 0 && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				other, _ = e.outbox.Claim(ctx, 10, time.Minute)
			}
		}}
		w := notify.NewWorker(o, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: o.deliverer()}, leaseOf)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if len(other) != 1 || other[0].ID != ids[0] {
			t.Fatalf("the other worker claimed %+v; want row %d once the lease ran out", other, ids[0])
		}
		if got := o.events(); !slices.Equal(got, []string{"confirm false"}) {
			t.Fatalf("events %q; want the lost claim found by the renewal, and no send", got)
		}
		if st := w.Stats(); st.LostLease != 1 || st.Delivered != 0 {
			t.Fatalf("stats %+v; want the row given up as a lost lease", st)
		}
		if r := e.row(t, ids[0]); r.delivered || !r.leased {
			t.Fatalf("row %+v; want it left to the other worker's claim", r)
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
		base := 100 * time.Millisecond
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: failing},
			notify.Config{MaxAttempts: 3, BackoffBase: base, BackoffMax: 2 * base, Now: e.clock.Now})
		for attempt := range int32(3) {
			waitFor(t, 10*time.Second, "the row came due again", func() bool {
				if _, err := w.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				return calls.Load() > attempt
			})
			// Each retry is due at the worker's clock plus a backoff that
			// doubles, drawn from its upper half; the last attempt parks.
			switch r := e.row(t, ids[0]); attempt {
			case 0:
				e.dueWithin(t, r, base/2, base)
			case 1:
				e.dueWithin(t, r, base, 2*base)
			}
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

	t.Run("UnreadablePayloadIsParkedNotSent", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ids, err := e.outbox.Enqueue(ctx, booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: "civil-registry"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `UPDATE outbox SET payload = '{"date": "tomorrow"}' WHERE id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int32
		counting := notify.DelivererFunc(func(context.Context, booking.Notification) error { calls.Add(1); return nil })
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: counting}, notify.Config{})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); calls.Load() != 0 || st.Parked != 1 {
			t.Fatalf("%d sends, stats %+v; want the row parked without a send", calls.Load(), st)
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
		if u, _ := e.store.Unreachable(ctx, 8001); !u {
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
				BookingID: cancelled.ID, Payload: booking.Payload{Before: 2 * time.Hour}},
			booking.Notification{Kind: booking.NotifyReminder, Channel: booking.ChannelTelegram, Recipient: "9002",
				BookingID: moved.ID, DueAt: e.clock.Now().Add(-time.Minute), Payload: booking.Payload{Before: 2 * time.Hour}})
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

	t.Run("ShutdownDrainsTheDeliveriesInFlight", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, throttle.Config{Global: 30 * time.Millisecond, PerChat: time.Millisecond})
		const n = 10
		e.bookMany(t, n, 9101)
		runCtx, stop := context.WithCancel(ctx)
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.tg, booking.ChannelSlack: staffSink}, notify.Config{})
		done := make(chan struct{})
		go func() { _ = w.Run(runCtx); close(done) }()
		waitFor(t, 10*time.Second, "all claimed, the first sent", func() bool {
			return w.Stats().Claimed >= n && e.fake.Stats().Delivered >= 1
		})
		stop() // most still wait on the pace
		<-done
		if got := e.fake.Stats().Delivered; got != n {
			t.Fatalf("delivered %d of %d before stopping", got, n)
		}
		if e.pendingNow(t) != 0 {
			t.Fatalf("%d rows left for the lease", e.pendingNow(t))
		}
	})

	t.Run("SlowChatDoesNotHoldUpTheOthers", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		bk := e.bookMany(t, 1, 9401)[0]
		const slow = 9500
		e.fake.SetDelay(slow, time.Hour) // Telegram never answers for this chat
		chats := []int64{slow}
		for c := int64(slow + 1); c <= slow+50; c++ {
			chats = append(chats, c)
		}
		// The slow chat's row is the oldest: it is in the first claim.
		ids, err := e.outbox.Enqueue(ctx, reminders(bk, chats...)...)
		if err != nil {
			t.Fatal(err)
		}
		// Four places and batches of ten: with a barrier after each batch
		// the other 50 would wait for the slow send.
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(e.tg), booking.ChannelSlack: staffSink},
			notify.Config{Batch: 10, Concurrency: 4, Poll: 20 * time.Millisecond,
				SendTimeout: 5 * time.Second, BackoffBase: 100 * time.Millisecond, BackoffMax: 100 * time.Millisecond})
		stop := run(t, w)

		waitFor(t, 20*time.Second, "the 50 other chats got their reminder", func() bool {
			for _, c := range chats[1:] {
				if len(e.fake.Chat(c)) != 1 {
					return false
				}
			}
			return true
		})
		if got := len(e.fake.Chat(slow)); got != 0 {
			t.Fatalf("the slow chat has %d messages while its send hangs", got)
		}
		if st := w.Stats(); st.Retried != 0 {
			t.Fatalf("stats %+v: the slow send timed out before the others were through, so they waited for it", st)
		}

		// Its send times out, frees its place and is retried at its backoff;
		// once Telegram answers again it goes out, once.
		waitFor(t, 20*time.Second, "the hanging send timed out and was rescheduled", func() bool { return w.Stats().Retried >= 1 })
		e.fake.SetDelay(slow, 0)
		waitFor(t, 20*time.Second, "the slow chat got its reminder", func() bool { return e.counts.snapshot()[ids[0]] == 1 })
		stop()
		if got := len(e.fake.Chat(slow)); got != 1 {
			t.Fatalf("the slow chat has %d messages, want 1", got)
		}
		for _, id := range ids {
			if c := e.counts.snapshot()[id]; c != 1 {
				t.Errorf("row %d delivered %d times", id, c)
			}
		}
	})

	t.Run("ClaimsNoMoreThanItHasRoomFor", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		ns := make([]booking.Notification, 6)
		for i := range ns {
			ns[i] = booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: "civil-registry"}
		}
		if _, err := e.outbox.Enqueue(ctx, ns...); err != nil {
			t.Fatal(err)
		}
		started, release := make(chan struct{}, len(ns)), make(chan struct{})
		held := notify.DelivererFunc(func(ctx context.Context, _ booking.Notification) error {
			started <- struct{}{}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{booking.ChannelSlack: held},
			notify.Config{Batch: 10, Concurrency: 2, Poll: 20 * time.Millisecond})
		run(t, w)
		let := sync.OnceFunc(func() { close(release) })
		t.Cleanup(let) // before the worker stops, should the test fail early
		for range 2 {
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the worker did not start two deliveries")
			}
		}
		// Rows leased but not being sent would only wait, out of reach of
		// other workers; the rest stay claimable.
		var leased int
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE lease_until > now()`).Scan(&leased); err != nil {
			t.Fatal(err)
		}
		if leased != 2 {
			t.Fatalf("%d rows leased with two places, want 2", leased)
		}
		let()
		waitFor(t, 10*time.Second, "all rows delivered", func() bool { return e.pendingNow(t) == 0 })
		if st := w.Stats(); st.Claimed != int64(len(ns)) || st.Delivered != int64(len(ns)) {
			t.Fatalf("stats %+v, want each of the %d rows claimed and delivered once", st, len(ns))
		}
	})

	t.Run("SlowSendIsMarkedOnceAndNotSentAgain", func(t *testing.T) {
		// Scaled down: the send takes four times the time allowed for
		// recording its outcome, as a 40 s send against the 10 s default.
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		const chat = 9601
		e.bookMany(t, 1, chat)
		e.fake.SetDelay(chat, 400*time.Millisecond)
		// The send timeout is generous: a send that ran out of it under a
		// loaded machine would be retried, and a second message is then
		// the at-least-once window, not what this test is about.
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(e.tg), booking.ChannelSlack: staffSink},
			notify.Config{Lease: 8 * time.Second, Poll: 20 * time.Millisecond, SendTimeout: 5 * time.Second, RecordTimeout: 100 * time.Millisecond, Now: e.clock.Now})
		stop := run(t, w)
		waitFor(t, 10*time.Second, "the confirmation reached the chat", func() bool { return len(e.fake.Chat(chat)) > 0 })
		waitFor(t, 10*time.Second, "the slow send's outcome was recorded", func() bool { return e.pendingNow(t) == 0 })
		stop()
		// Had the mark failed, the row would go out again when the lease of
		// its claim ran out; marked delivered, no claim takes it again.
		for id := range e.counts.snapshot() {
			if r := e.row(t, id); !r.delivered || r.leased {
				t.Fatalf("row %d: %+v; want it marked delivered and its lease gone", id, r)
			}
		}
		if got := len(e.fake.Chat(chat)); got != 1 {
			t.Fatalf("chat got %d messages, want 1", got)
		}
		for id, c := range e.counts.snapshot() {
			if c != 1 {
				t.Errorf("row %d delivered %d times", id, c)
			}
		}
	})

	t.Run("FailedSendIsClaimableAtItsBackoffNotAtLeaseExpiry", func(t *testing.T) {
		e := newEnv(t, telegramfake.Limits{}, fastPace)
		const chat = 9701
		// Telegram fails slowly (longer than recording an outcome may take)
		// with a 500 until told otherwise.
		var failing atomic.Bool
		failing.Store(true)
		tg := e.telegramVia(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method := strings.ToLower(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
			if !failing.Load() || (method != "sendmessage" && method != "senddocument") {
				e.fake.ServeHTTP(w, r)
				return
			}
			select {
			case <-time.After(300 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`))
		}))
		e.bookMany(t, 1, chat)
		backoff := 200 * time.Millisecond
		w := notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(tg), booking.ChannelSlack: staffSink},
			notify.Config{Lease: time.Minute, RecordTimeout: 100 * time.Millisecond, BackoffBase: backoff, BackoffMax: backoff, Now: e.clock.Now})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); st.Retried != 1 {
			t.Fatalf("stats %+v, want the failed send rescheduled", st)
		}
		var id int64
		if err := e.pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = $1 AND recipient = $2`,
			string(booking.NotifyConfirmed), strconv.Itoa(chat)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		r := e.row(t, id)
		if r.leased || !strings.Contains(r.lastError, "500") {
			t.Fatalf("after the failure: %+v; want no lease and the 500", r)
		}
		e.dueWithin(t, r, backoff/2, backoff)
		failing.Store(false)
		// Back within seconds, not at the minute the lease would hold it.
		waitFor(t, 10*time.Second, "the row was claimed again and delivered", func() bool {
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			return len(e.fake.Chat(chat)) > 0
		})
		if got := len(e.fake.Chat(chat)); got != 1 {
			t.Fatalf("chat got %d messages, want 1", got)
		}
	})
}

func staffToday() booking.Notification {
	return booking.Notification{Kind: booking.NotifyStaffToday, Channel: booking.ChannelSlack, Recipient: "civil-registry"}
}

// watchedOutbox is an outbox that can hold a claim back before handing
// its rows over, and logs the renewals of claims and the sends of the
// deliverer it gives, in order.
type watchedOutbox struct {
	notify.Outbox
	afterClaim func([]booking.Claimed) // for a claim that got rows

	mu  sync.Mutex
	log []string
}

func (o *watchedOutbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]booking.Claimed, error) {
	rows, err := o.Outbox.Claim(ctx, limit, lease)
	if len(rows) > 0 && o.afterClaim != nil {
		o.afterClaim(rows)
	}
	return rows, err
}

func (o *watchedOutbox) Confirm(ctx context.Context, c booking.Claimed, lease time.Duration) (bool, error) {
	ok, err := o.Outbox.Confirm(ctx, c, lease)
	if err == nil {
		o.note("confirm " + strconv.FormatBool(ok))
	}
	return ok, err
}

// deliverer accepts every notification, logging its send.
func (o *watchedOutbox) deliverer() notify.Deliverer {
	return notify.DelivererFunc(func(context.Context, booking.Notification) error { o.note("send"); return nil })
}

func (o *watchedOutbox) note(ev string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log = append(o.log, ev)
}

func (o *watchedOutbox) events() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.log)
}
