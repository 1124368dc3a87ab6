package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
)

// proxiedDatabase returns a fresh database, a pool on it that goes straight
// to PostgreSQL (the test's view), and a proxy through which the program
// reaches it, with DATABASE_URL for the program.
func proxiedDatabase(t *testing.T) (*pgxpool.Pool, *tcpProxy, string) {
	t.Helper()
	pool := pgtest.New(t)
	u, err := url.Parse(pgtest.URLOf(pool))
	if err != nil || u.Host == "" {
		t.Fatalf("this test needs TEST_DATABASE_URL as a URL with a host, to put a proxy in front of it (%v)", err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	if host == "localhost" {
		host = "127.0.0.1" // the proxy dials one address; the server listens on IPv4 here
	}
	proxy := startProxy(t, net.JoinHostPort(host, port))
	u.Host = proxy.Addr()
	return pool, proxy, u.String()
}

// TestFaultPostgresUnreachableDuringConfirm runs the real program with its
// database behind a TCP proxy and breaks the path at the confirm, the one
// step that writes a booking:
//
//   - Unreachable before the commit: every connection dropped and new ones
//     refused. The citizen is told something went wrong and stays on the
//     confirm screen; nothing is written; /readyz names PostgreSQL. When the
//     database is reachable again the program uses it by itself and the
//     same confirm books once.
//   - Answer lost after the commit: the database commits the booking but
//     its answer never comes back, then the connection drops and the
//     database stays unreachable for a while. The citizen is told
//     something went wrong; when they confirm again the program finds the
//     booking it made (its idempotency key) and shows it: one booking, not
//     two, and not an error for a booking that exists.
//   - Connections dropped while the pool is idle (a database restart, a
//     firewall's idle timeout): the next step is served, without the
//     citizen seeing an error.
//
// Each booking is whole (row, audit entry, notifications) and each
// confirmation reaches the citizen once.
func TestFaultPostgresUnreachableDuringConfirm(t *testing.T) {
	ctx := context.Background()
	pool, proxy, dbURL := proxiedDatabase(t)
	api := newBotAPI(t)
	tg := api.fake
	client, prefix := redistest.New(t)
	cfg := replicaConfig(t, dbURL, redistest.URL(), api.URL(), "")
	m := startReplicas(t, 1, cfg, prefix, rosterMorning)[0]
	tg.SetWebhookTargets(webhookTargets([]*running{m})...)
	waitWebhook(t, tg)
	sessions := redis.NewSessions(client, prefix, 0)
	bookingsOf := func(chat int64) []string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT ref FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1) ORDER BY id`, chat)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var refs []string
		for rows.Next() {
			var ref string
			if err := rows.Scan(&ref); err != nil {
				t.Fatal(err)
			}
			refs = append(refs, ref)
		}
		return refs
	}
	// confirm taps the newest confirm button and returns the update and
	// how its delivery was answered.
	confirm := func(c *citizen) (models.Update, int) {
		t.Helper()
		u := c.pressUpdate(btnConfirm)
		tg.Deliver(u)
		st, _ := lastDelivery(t, c, u.ID)
		return u, st
	}
	var citizens []*citizen
	var unreachable time.Duration

	t.Run("UnreachableBeforeTheCommit", func(t *testing.T) {
		maria := &citizen{t: t, tg: tg, sessions: sessions, chat: 7201}
		citizens = append(citizens, maria)
		maria.bookToConfirm()

		proxy.Refuse(true)
		dropped := proxy.DropAll()
		down := time.Now()
		u, st := confirm(maria)
		if st != http.StatusOK {
			t.Fatalf("the confirm with PostgreSQL unreachable was answered %d; the citizen's reply went out, so want 200", st)
		}
		if toast, answered := tg.CallbackAnswer(u.ID); !answered {
			t.Fatalf("the confirm's spinner was not answered (toast %q)", toast)
		}
		if got := lastBotText(maria); !strings.Contains(got, sayInternal) {
			t.Fatalf("with PostgreSQL unreachable the citizen read %q; want to be told something went wrong\nchat:\n%s", got, maria.transcript())
		}
		maria.wantScreen(dialog.ScreenConfirm)
		if refs := bookingsOf(maria.chat); len(refs) != 0 {
			t.Fatalf("bookings %v written while PostgreSQL was unreachable", refs)
		}
		if code, body := get(t, m.URL()+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "postgres") {
			t.Fatalf("/readyz with PostgreSQL unreachable: %d %q; want 503 naming postgres", code, body)
		}

		proxy.Refuse(false)
		unreachable += time.Since(down)
		back := waitReady(t, m.URL(), http.StatusOK, 10*time.Second)
		t.Logf("%d connections dropped, PostgreSQL unreachable for %s; ready %s after it came back",
			dropped, time.Since(down).Round(time.Millisecond), back.Round(time.Millisecond))
		if _, st := confirm(maria); st != http.StatusOK {
			t.Fatalf("the confirm after PostgreSQL came back was answered %d", st)
		}
		maria.wantScreen(dialog.ScreenDone)
		if refs := bookingsOf(maria.chat); len(refs) != 1 {
			t.Fatalf("bookings %v; want one", refs)
		}
	})

	t.Run("AnswerLostAfterTheCommit", func(t *testing.T) {
		nikos := &citizen{t: t, tg: tg, sessions: sessions, chat: 7202}
		citizens = append(citizens, nikos)
		const name = "Νίκος Γεωργίου"
		walkToConfirm(nikos, "10:30", "306987654321", name)

		// The booking's transaction carries the citizen's name: from the
		// bytes that carry it on, the database's answers vanish.
		muted := proxy.MuteAfter(name)
		u := nikos.pressUpdate(btnConfirm)
		delivered := make(chan struct{})
		go func() { tg.Deliver(u); close(delivered) }()
		select {
		case <-muted:
		case <-time.After(10 * time.Second):
			t.Fatal("the booking's transaction never reached the database")
		}
		var committed []string
		for deadline := time.Now().Add(10 * time.Second); len(committed) == 0; time.Sleep(20 * time.Millisecond) {
			if committed = bookingsOf(nikos.chat); len(committed) == 0 && time.Now().After(deadline) {
				t.Fatal("the database did not commit the booking whose answer it lost")
			}
		}
		proxy.Refuse(true)
		proxy.DropAll()
		down := time.Now()
		select {
		case <-delivered:
		case <-time.After(25 * time.Second):
			t.Fatal("the confirm whose answer was lost was not answered within 25 s")
		}
		st, _ := lastDelivery(t, nikos, u.ID)
		t.Logf("the confirm whose commit lost its answer: delivery answered %d; the citizen read %q", st, firstLine(lastBotText(nikos)))
		if st == http.StatusOK && nikos.screen() == dialog.ScreenConfirm && !strings.Contains(lastBotText(nikos), sayInternal) {
			t.Fatalf("the citizen is back on the confirm screen without being told why\nchat:\n%s", nikos.transcript())
		}
		time.Sleep(300 * time.Millisecond) // unreachable for a while, not for an instant
		proxy.Refuse(false)
		unreachable += time.Since(down)
		waitReady(t, m.URL(), http.StatusOK, 10*time.Second)

		if nikos.screen() != dialog.ScreenDone {
			if st != http.StatusOK {
				// The delivery failed: Telegram delivers the tap again.
				tg.Deliver(u)
			} else if _, st := confirm(nikos); st != http.StatusOK {
				t.Fatalf("the second confirm was answered %d", st)
			}
		}
		nikos.wantScreen(dialog.ScreenDone)
		if got := lastBotText(nikos); !strings.Contains(got, committed[0]) {
			t.Fatalf("the citizen was shown %q; want the booking the database had committed, %s", got, committed[0])
		}
		if refs := bookingsOf(nikos.chat); len(refs) != 1 {
			t.Fatalf("bookings %v after a commit whose answer was lost and a second confirm; want the one", refs)
		}
	})

	t.Run("ConnectionsDroppedWhileIdle", func(t *testing.T) {
		maria := &citizen{t: t, tg: tg, sessions: sessions, chat: 7201}
		dropped := proxy.DropAll()
		// The pool checks a connection that has been idle for over a
		// second before handing it out; an idle pool is what a database
		// restart or a firewall's idle timeout meets.
		time.Sleep(1500 * time.Millisecond)
		maria.say("/mybookings")
		if got := lastBotText(maria); strings.Contains(got, sayInternal) || !strings.Contains(got, bookingsOf(maria.chat)[0]) {
			t.Fatalf("after %d idle connections were dropped the next step showed %q; want Maria's booking", dropped, got)
		}
	})

	if t.Failed() {
		return
	}
	wantWholeBookings(t, pool, map[int64]int{7201: 1, 7202: 1})
	rows := waitOutboxDone(t, pool, 1, 15*time.Second)
	wantNotifiedOnce(t, rows, citizens...)
	handled, _, by := handledUpdates(t, []*running{m})
	for id, n := range handled {
		if n > 1 {
			t.Errorf("update %d handled %d times (by %v)", id, n, by[id])
		}
	}
	st := proxy.Stats()
	t.Logf("proxy: %d connections accepted, %d refused, %d dropped; PostgreSQL unreachable %s in all",
		st.Accepted, st.Refused, st.Dropped, unreachable.Round(time.Millisecond))
}
