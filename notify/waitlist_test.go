package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/notify"
	"github.com/rantevou/rantevou/telegramfake"
)

// TestWaitlistOfferSentOnce: with two replicas (two offices sweeping the
// waiting list and two delivery workers on one database), a freed place
// reaches the first citizen in line as one offer, in their language, with
// its buttons; when it runs out, one message says so and the next citizen
// gets one offer.
func TestWaitlistOfferSentOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, telegramfake.Limits{}, fastPace)
	// The replicas' clock runs an hour behind the database's, which tells
	// whether an outbox row is due: every row they write is due at once,
	// and an offer's ten minutes can pass without waiting for them.
	var mu sync.Mutex
	now := time.Now().Add(-time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	replicas := make([]*booking.Office, 2)
	for i := range replicas {
		replicas[i] = booking.NewOffice(e.cat, e.store, clock)
		replicas[i].UseWaitlist(e.store, booking.WaitlistConfig{Hold: 10 * time.Minute})
	}
	tg := *e.tg
	tg.Renderer = &notify.Renderer{Catalog: e.cat, Now: clock}
	tg.Now = clock
	// "transfer" has one desk: fill a day with half-hour bookings.
	const svc = "transfer"
	first, err := replicas[0].FirstAvailable(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	day := booking.DateOf(first.Start, e.cat.Location)
	slots, err := replicas[0].FreeSlots(ctx, svc, day)
	if err != nil {
		t.Fatal(err)
	}
	var booked []booking.Booking
	for i := 0; i < len(slots.Slots); i += 2 {
		b, err := replicas[0].Book(ctx, booking.Request{Service: svc, Start: slots.Slots[i].Start,
			Citizen: booking.Citizen{TelegramID: int64(9000 + i), Name: "test", Phone: "6900000000", Lang: booking.Greek}})
		if err != nil {
			t.Fatal(err)
		}
		booked = append(booked, b)
	}
	const first1, second = 8801, 8802
	for i, c := range []struct {
		id   int64
		lang booking.Lang
	}{{first1, booking.English}, {second, booking.Greek}} {
		if _, err := replicas[i].JoinWaitlist(ctx, booking.WaitRequest{Service: svc, From: day, To: day,
			Citizen: booking.Citizen{TelegramID: c.id, Lang: c.lang}}); err != nil {
			t.Fatal(err)
		}
	}

	workers := make([]*notify.Worker, 2)
	for i := range workers {
		workers[i] = notify.NewWorker(e.outbox, map[booking.Channel]notify.Deliverer{
			booking.ChannelTelegram: e.counts.wrap(&tg), booking.ChannelSlack: staffSink}, notify.Config{Now: clock})
	}
	// Both replicas sweep and deliver at once, many times over.
	run := func() {
		var wg sync.WaitGroup
		for i := range 2 {
			for range 5 {
				wg.Go(func() {
					if _, _, err := replicas[i].SweepWaitlist(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Go(func() {
				for range 5 {
					if _, err := workers[i].RunOnce(ctx); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		waitFor(t, 10*time.Second, "every row settled", func() bool {
			if _, err := workers[0].RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			return e.pendingNow(t) == 0
		})
	}
	staff := booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}
	if _, err := replicas[1].Cancel(ctx, staff, booked[2].Ref, "ο υπάλληλος είναι άρρωστος"); err != nil {
		t.Fatal(err)
	}
	run()
	offers := func(chat int64, says string) []telegramfake.Message {
		var out []telegramfake.Message
		for _, m := range e.fake.Chat(chat) {
			if strings.Contains(m.Text, says) {
				out = append(out, m)
			}
		}
		return out
	}
	got := offers(first1, "a place has become free for you")
	if len(got) != 1 {
		t.Fatalf("%d offers reached the first in line: %+v", len(got), e.fake.Chat(first1))
	}
	if len(got[0].Inline) != 1 || len(got[0].Inline[0]) != 2 {
		t.Fatalf("offer buttons: %+v", got[0].Inline)
	}
	if a, _, ok := dialog.ParseGlobal(got[0].Inline[0][0].Data); !ok || a != dialog.GlobalTakeOffer {
		t.Fatalf("first button %+v", got[0].Inline[0][0])
	}
	if n := len(e.fake.Chat(second)); n != 0 {
		t.Fatalf("the second in line got %d messages before the first answered", n)
	}

	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()
	run()
	if n := len(offers(first1, "has gone to the next person")); n != 1 {
		t.Fatalf("%d messages that the offer ran out: %+v", n, e.fake.Chat(first1))
	}
	if n := len(offers(second, "ελευθερώθηκε μια θέση για εσάς")); n != 1 {
		t.Fatalf("%d offers reached the second in line: %+v", n, e.fake.Chat(second))
	}
	for id, n := range e.counts.snapshot() {
		if n != 1 {
			t.Fatalf("outbox row %d delivered %d times", id, n)
		}
	}
}
