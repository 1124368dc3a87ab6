package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/schedule"
	"github.com/rantevou/rantevou/slackfake"
	"github.com/rantevou/rantevou/telegramfake"
)

// TestReplicas runs three replicas of the real program in webhook mode on
// one PostgreSQL database and one Redis, with the fake Telegram delivering
// one citizen's updates to them in turn as a load balancer would. The
// citizen books a whole appointment while some updates are delivered again
// to another replica (as Telegram does after a slow answer), one of them to
// two replicas at the same moment, and the confirm button is tapped twice
// at once on two replicas. It shows that each update has one effect, the
// conversation moves one screen per step, exactly one booking exists,
// every callback query is answered once, every notification of the
// booking is delivered once across the three outbox workers, and the
// day's roster reaches each department's Slack channel once.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	const chat = 4242

	api := newBotAPI(t)
	tg := api.fake
	staff := slackfake.New()
	t.Cleanup(staff.Close)
	pool := pgtest.New(t)
	client, prefix := redistest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redistest.URL(), api.URL(), staff.APIURL())
	start := time.Now()
	rs := startReplicas(t, 3, cfg, prefix, rosterMorning)
	t.Logf("three replicas serving after %s", time.Since(start).Round(time.Millisecond))
	tg.SetWebhookTargets(webhookTargets(rs)...)
	waitWebhook(t, tg)

	c := &citizen{t: t, tg: tg, sessions: redis.NewSessions(client, prefix, 0), chat: chat}
	c.tg.SetLanguage(chat, "el")
	c.say("/start")
	c.wantScreen(dialog.ScreenMenu)

	// Redelivered to the next replica after it was handled: dropped.
	book := c.tap("📅 Κλείσιμο ραντεβού")
	c.wantScreen(dialog.ScreenDept)
	seen := len(tg.Events(chat))
	tg.Deliver(book)
	c.wantDelivered(book.ID, 2)
	if got := c.botEvents(seen); len(got) != 0 {
		t.Fatalf("a redelivered update made the bot act again: %v\nchat:\n%s", got, c.transcript())
	}
	c.wantScreen(dialog.ScreenDept)

	// Delivered to two replicas at the same moment: one takes it on.
	dept := c.pressUpdate("🏛 Δημοτολόγιο")
	seen = len(tg.Events(chat))
	c.atOnce(dept, dept)
	c.wantDeliveredRacing(dept, 2)
	if got := c.botEvents(seen); got[telegramfake.BotAnswer] != 1 || got[telegramfake.BotEdit] != 1 || got[telegramfake.BotSend] != 0 {
		t.Fatalf("one tap delivered twice at once: the bot did %v, want one answer and one edit\nchat:\n%s", got, c.transcript())
	}
	c.wantScreen(dialog.ScreenService)

	c.tap("📄 Πιστοποιητικό γέννησης")
	c.wantScreen(dialog.ScreenDate)
	c.tap("📅 Πέμπτη 4 Δεκεμβρίου")
	c.wantScreen(dialog.ScreenTime)
	slot := c.tap("10:00")
	c.wantScreen(dialog.ScreenPhone)
	seen = len(tg.Events(chat))
	tg.Deliver(slot)
	c.wantDelivered(slot.ID, 2)
	if got := c.botEvents(seen); len(got) != 0 {
		t.Fatalf("a redelivered time tap made the bot act again: %v\nchat:\n%s", got, c.transcript())
	}
	c.share("306912345678") // as Telegram sends it
	c.wantScreen(dialog.ScreenName)
	c.say("Μαρία Παπαδοπούλου")
	c.wantScreen(dialog.ScreenConfirm)

	// The confirm button tapped twice, the taps handled by two replicas at
	// once: two callback queries, one booking.
	first, second := c.pressUpdate("✅ Επιβεβαίωση"), c.pressUpdate("✅ Επιβεβαίωση")
	seen = len(tg.Events(chat))
	c.atOnce(first, second)
	c.wantDelivered(first.ID, 1)
	c.wantDelivered(second.ID, 1)
	c.wantScreen(dialog.ScreenDone)
	if got := c.botEvents(seen); got[telegramfake.BotAnswer] != 2 {
		t.Fatalf("a double tap got %d callback answers, want 2\nchat:\n%s", got[telegramfake.BotAnswer], c.transcript())
	}
	// The tap that lost is told so, in a toast.
	toasts := 0
	for _, u := range []int64{first.ID, second.ID} {
		if toast, answered := tg.CallbackAnswer(u); !answered {
			t.Fatalf("confirm tap %d not answered", u)
		} else if toast != "" {
			toasts++
		}
	}
	if toasts == 0 {
		t.Fatalf("neither confirm tap was answered with a toast; the losing one should say it did nothing\nchat:\n%s", c.transcript())
	}
	// And Telegram redelivers the first tap to a third replica.
	tg.Deliver(first)
	c.wantDelivered(first.ID, 2)

	// Exactly one booking, the one the citizen chose.
	var ref, service, name, phone, status string
	var at time.Time
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) OVER (), ref, service, lower(during), name, phone, status FROM bookings`).
		Scan(&n, &ref, &service, &at, &name, &phone, &status)
	if err != nil || n != 1 {
		t.Fatalf("%d bookings (%v), want exactly one\nchat:\n%s", n, err, c.transcript())
	}
	want := time.Date(2025, 12, 4, 10, 0, 0, 0, rosterMorning().Location())
	if service != "birth-certificate" || !at.Equal(want) || name != "Μαρία Παπαδοπούλου" || phone != "+306912345678" || status != "active" {
		t.Fatalf("booked %s %s at %v for %s %s, want an active birth certificate at %v for Μαρία Παπαδοπούλου", status, service, at, name, phone, want)
	}

	// The outbox: the booking's notifications and the four rosters, each
	// claimed once by one of the three workers and delivered; the
	// confirmation, which the conversation showed, is written delivered
	// and claimed by none.
	rows := waitOutboxDone(t, pool, 1, 15*time.Second)
	kinds := map[string]int{}
	inChat := 0
	for _, r := range rows {
		kinds[r.Kind]++
		attempts := 1
		if r.Kind == string(booking.NotifyConfirmed) {
			attempts, inChat = 0, inChat+1
		}
		if !r.Delivered || r.Attempts != attempts || r.LastError != "" {
			t.Errorf("outbox %v: want delivered after %d attempts", r, attempts)
		}
	}
	if kinds[string(booking.NotifyConfirmed)] != 1 {
		t.Fatalf("outbox kinds %v, want one confirmation", kinds)
	}

	// The chat: one screen per step, one outcome, one message per
	// notification.
	keep := dialog.GlobalButton(dialog.GlobalKeep, ref)
	var doneScreens, confirmations, reminders int
	sent := map[string]int{}
	for _, m := range tg.Chat(chat) {
		if !m.FromBot {
			continue
		}
		_, isReminder := buttonData(m, keep)
		switch {
		case m.Document != nil:
			if m.Document.FileName == "rantevou-"+ref+".ics" {
				confirmations++
			}
		case isReminder:
			reminders++
		default:
			sent[m.Text]++
			if strings.Contains(m.Text, ref) {
				doneScreens++
			}
		}
	}
	// The booked screen is the one confirmation: the outbox's is done
	// without a message (notify.Renderer).
	if doneScreens != 1 || confirmations != 0 || reminders != kinds[string(booking.NotifyReminder)] {
		t.Errorf("the chat shows %d booked screens, %d confirmation files and %d reminders; want 1, 0 and %d\nchat:\n%s",
			doneScreens, confirmations, reminders, kinds[string(booking.NotifyReminder)], c.transcript())
	}
	for text, n := range sent {
		if n > 1 {
			t.Errorf("the bot sent %d messages reading %q", n, text)
		}
	}

	// Every update handled by exactly one replica; every other delivery of
	// it dropped as a duplicate; each replica handled some.
	deliveries := tg.Deliveries()
	count := map[int64]int{}
	for _, d := range deliveries {
		count[d.UpdateID]++
	}
	handled, dropped, by := handledUpdates(t, rs)
	perReplica := make([]int, len(rs))
	for id, n := range count {
		if handled[id] != 1 || dropped[id] != n-1 {
			t.Errorf("update %d: delivered %d times, handled %d times (by replicas %v), dropped %d times; want handled once",
				id, n, handled[id], by[id], dropped[id])
		}
		for _, r := range by[id] {
			perReplica[r]++
		}
	}
	for i, n := range perReplica {
		if n == 0 {
			t.Errorf("replica %d handled no update; the load was not spread", i)
		}
	}
	t.Logf("%d updates in %d deliveries; handled per replica %v", len(count), len(deliveries), perReplica)
	if got := metricSum(t, rs, `rantevou_telegram_updates_total{kind="duplicate"}`); int(got) != len(deliveries)-len(count) {
		t.Errorf("the replicas counted %v duplicate updates, want %d", got, len(deliveries)-len(count))
	}
	// The confirm taps may race on two replicas and both run the booking:
	// the second gets the first's booking back by its idempotency key, and
	// is not counted again.
	if got := metricSum(t, rs, `rantevou_bookings_total{action="created"}`); got != 1 {
		t.Errorf("the replicas counted %v bookings created, want 1", got)
	}

	// Every callback query answered once: the fake, like Telegram, takes
	// one answer per query and refuses any further one with 400. The bot
	// answers in the webhook's response body, and answers a redelivered
	// update's query again, because on Telegram a redelivery means the
	// first answer never arrived (the first delivery failed or timed out);
	// here the first did arrive, so the fake refuses the second, and the
	// citizen sees nothing of it. An update delivered once must never meet
	// a refusal: that would be the bot answering one query twice.
	if u := tg.Unanswered(); len(u) != 0 {
		t.Errorf("unanswered callback queries: %v", u)
	}
	if r := api.refused("answerCallbackQuery"); len(r) != 0 {
		t.Errorf("%d answerCallbackQuery calls refused (answered twice or too late)", len(r))
	}
	reanswered := 0
	for _, d := range deliveries {
		if d.ReplyErr == nil {
			continue
		}
		if count[d.UpdateID] == 1 || !strings.Contains(d.ReplyErr.Error(), "query is too old") {
			t.Errorf("update %d: the call in the webhook's answer failed: %v", d.UpdateID, d.ReplyErr)
		}
		reanswered++
	}
	presses, answers := 0, 0
	for _, e := range tg.Events(chat) {
		switch e.Kind {
		case telegramfake.UserPress:
			presses++
		case telegramfake.BotAnswer:
			answers++
		}
	}
	if answers != presses {
		t.Errorf("%d taps, %d callback answers", presses, answers)
	}
	t.Logf("%d taps, each answered once; %d redeliveries answered again and refused as already answered", presses, reanswered)

	// The roster: each department's channel got today's, once, whichever
	// replica won the day's claim and whichever worker delivered it.
	departments := 0
	for _, d := range booking.DefaultCatalog().Departments {
		if d.Slack.Channel == "" {
			continue
		}
		departments++
		if posts := staff.Channel(d.Slack.Channel); len(posts) != 1 {
			t.Errorf("%s: %d messages in %s, want its roster once", d.Code, len(posts), d.Slack.Channel)
		}
		var claims int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM job_runs WHERE job = $1 AND day = $2`,
			schedule.JobName(d.Code), "2025-12-02").Scan(&claims); err != nil || claims != 1 {
			t.Errorf("%s: %d roster claims for the day (%v), want 1", d.Code, claims, err)
		}
	}
	if kinds["staff.roster"] != departments {
		t.Errorf("%d rosters in the outbox, want %d", kinds["staff.roster"], departments)
	}
	// Delivered or skipped (a reminder no longer wanted): once each, by one
	// of the three.
	if got, want := metricSum(t, rs, `rantevou_notifications_total{outcome="delivered"}`)+
		metricSum(t, rs, `rantevou_notifications_total{outcome="skipped"}`), len(rows)-inChat; int(got) != want {
		t.Errorf("the three workers handled %v notifications, want %d", got, want)
	}

	for i, r := range rs {
		if code, body := get(t, r.URL()+"/readyz"); code != http.StatusOK {
			t.Errorf("replica %d: /readyz %d %q", i, code, body)
		}
	}
}

// buttonData reports whether m has an inline button carrying data.
func buttonData(m telegramfake.Message, data string) (telegramfake.Button, bool) {
	for _, row := range m.Inline {
		for _, b := range row {
			if b.Data == data {
				return b, true
			}
		}
	}
	return telegramfake.Button{}, false
}
