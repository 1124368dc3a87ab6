package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/telegramfake"
)

// TestRedisCluster runs two replicas on a real Redis Cluster of three
// masters, started for the test, through REDIS_URL=redis+cluster://…, and
// books a whole appointment. Every multi-key command and script of the
// program (the session's compare-and-set, the shared Telegram pace) has to
// keep to one hash slot, or the Cluster refuses it with CROSSSLOT and the
// booking fails. The test then shows where the keys went: the session, the
// handled update_ids and the pace keys live on more than one node, and
// each works there (a redelivered update is dropped by the other replica,
// the notifications go out once through the shared pace).
func TestRedisCluster(t *testing.T) {
	ctx := context.Background()
	const chat = 5151
	prefix := redis.Prefix(replicaToken) // the production prefix: the Cluster is the test's own
	nodes := startRedisCluster(t, 3)
	redisURL := "redis+cluster://" + nodes[0] + "?addr=" + nodes[1] + "&addr=" + nodes[2]
	client, err := redis.Open(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	cluster, ok := client.(*goredis.ClusterClient)
	if !ok {
		t.Fatalf("redis.Open(%q) is a %T, want a Cluster client", redisURL, client)
	}

	api := newBotAPI(t)
	tg := api.fake
	pool := pgtest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redisURL, api.URL(), "")
	rs := startReplicas(t, 2, cfg, prefix, rosterMorning)
	tg.SetWebhookTargets(webhookTargets(rs)...)
	waitWebhook(t, tg)
	for i, r := range rs {
		if code, body := get(t, r.URL()+"/readyz"); code != http.StatusOK {
			t.Fatalf("replica %d on the Cluster: /readyz %d %q", i, code, body)
		}
	}

	c := &citizen{t: t, tg: tg, sessions: redis.NewSessions(client, prefix, 0), chat: chat}
	updates := c.bookToConfirm()
	confirm := c.tap("✅ Επιβεβαίωση")
	updates = append(updates, confirm.ID)
	c.wantScreen(dialog.ScreenDone)
	seen := len(tg.Events(chat))
	tg.Deliver(confirm) // to the other replica, which finds it in the Cluster
	c.wantDelivered(confirm.ID, 2)
	if got := c.botEvents(seen); got[telegramfake.BotAnswer] != 0 || got[telegramfake.BotEdit] != 0 {
		t.Fatalf("a redelivered confirm made the bot act again: %v\nchat:\n%s", got, c.transcript())
	}
	var bookings int
	var ref string
	if err := pool.QueryRow(ctx, `SELECT count(*) OVER (), ref FROM bookings`).Scan(&bookings, &ref); err != nil || bookings != 1 {
		t.Fatalf("%d bookings (%v), want one\nchat:\n%s", bookings, err, c.transcript())
	}

	// While the notifications go out through the shared pace, watch its
	// keys appear (each lives a second or two after a send).
	limiter := redis.NewLimiter(client, prefix, 0, 0)
	pace := map[string]string{limiter.GlobalKey(): "pace (global)", limiter.ChatKey(chat): "pace (chat)"}
	seenPace := map[string]bool{}
	var rows []outboxRow
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		for k := range pace {
			if n, err := client.Exists(ctx, k).Result(); err != nil {
				t.Fatalf("exists %s: %v", k, err)
			} else if n == 1 {
				seenPace[k] = true
			}
		}
		rows = outboxRows(t, pool)
		done := true
		for _, r := range rows {
			done = done && (r.Delivered || r.Parked)
		}
		if done && len(seenPace) == len(pace) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 15 s: outbox %v, pace keys seen %v", rows, seenPace)
		}
	}
	// One confirmation: the booked screen, with the way to the calendar;
	// the outbox's row is done without a second message.
	confirmations, files := 0, 0
	for _, m := range tg.Chat(chat) {
		if !m.FromBot {
			continue
		}
		if m.Document != nil {
			files++
		}
		if _, ok := buttonData(m, dialog.GlobalButton(dialog.GlobalCalendar, ref)); ok && strings.Contains(m.Text, ref) {
			confirmations++
		}
	}
	if confirmations != 1 || files != 0 {
		t.Errorf("%d confirmations and %d files in the chat, want 1 and 0\nchat:\n%s", confirmations, files, c.transcript())
	}
	for _, r := range rows {
		attempts := 1 // the confirmation the conversation showed: written delivered
		if r.Kind == "citizen.confirmed" {
			attempts = 0
		}
		if !r.Delivered || r.Attempts != attempts {
			t.Errorf("outbox %v: want delivered after %d attempts", r, attempts)
		}
	}

	// Where the keys are: each on the master that owns its slot, and
	// together on more than one master.
	keys := map[string]string{redis.NewSessions(client, prefix, 0).Key(chat): "session"}
	dedupe := redis.NewDeduper(client, prefix, 0)
	for _, id := range updates {
		keys[dedupe.Key(id)] = "handled update " + strconv.FormatInt(id, 10)
	}
	byNode := map[string][]string{}
	for k, what := range keys {
		node := masterOf(t, cluster, k)
		if n, err := node.Exists(ctx, k).Result(); err != nil || n != 1 {
			t.Errorf("%s: %s is not on %s, the master of its slot (%d, %v)", what, k, node.Options().Addr, n, err)
		}
		byNode[node.Options().Addr] = append(byNode[node.Options().Addr], what)
	}
	for k, what := range pace {
		node := masterOf(t, cluster, k)
		byNode[node.Options().Addr] = append(byNode[node.Options().Addr], what)
	}
	var placement []string
	for addr, whats := range byNode {
		sort.Strings(whats)
		placement = append(placement, fmt.Sprintf("%s: %s", addr, strings.Join(whats, ", ")))
	}
	sort.Strings(placement)
	t.Logf("keys by master:\n  %s", strings.Join(placement, "\n  "))
	if len(byNode) < 2 {
		t.Errorf("every key landed on one master; the test shows nothing about slots")
	}

	handled, _, by := handledUpdates(t, rs)
	for _, id := range updates {
		if handled[id] != 1 {
			t.Errorf("update %d handled %d times (by replicas %v), want once", id, handled[id], by[id])
		}
	}
	for i, r := range rs {
		if strings.Contains(r.logs.String(), "CROSSSLOT") {
			t.Errorf("replica %d met CROSSSLOT errors:\n%s", i, grepLines(r.logs.String(), "CROSSSLOT"))
		}
	}
	if u := tg.Unanswered(); len(u) != 0 {
		t.Errorf("unanswered callback queries: %v", u)
	}
}

func masterOf(t *testing.T, cluster *goredis.ClusterClient, key string) *goredis.Client {
	t.Helper()
	node, err := cluster.MasterForKey(context.Background(), key)
	if err != nil {
		t.Fatalf("master for %s: %v", key, err)
	}
	return node
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// startRedisCluster starts a Redis Cluster of masters nodes on free local
// ports, from the redis-server and redis-cli on PATH, without persistence,
// in temporary directories; it returns the nodes' addresses once the
// Cluster reports cluster_state:ok on every node. The test's cleanup kills
// the servers.
func startRedisCluster(t *testing.T, masters int) []string {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test starts a Redis Cluster and needs redis-server on PATH (Debian: apt-get install redis-server): %v", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("this test starts a Redis Cluster and needs redis-cli on PATH (Debian: apt-get install redis-tools): %v", err)
	}
	addrs := make([]string, masters)
	for i := range addrs {
		addrs[i] = startRedisNode(t, server)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, addr := range addrs {
		node := goredis.NewClient(&goredis.Options{Addr: addr})
		for {
			info, err := node.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if ctx.Err() != nil {
				node.Close()
				t.Fatalf("Redis Cluster node %s not ok within 30 s: %v\n%s", addr, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
		node.Close()
	}
	return addrs
}

// startRedisNode starts one cluster-enabled redis-server and returns its
// address once it answers PING. A port taken between choosing it and the
// server binding it is tried again with another.
func startRedisNode(t *testing.T, server string) string {
	t.Helper()
	var lastOut string
	for range 5 {
		port := strconv.Itoa(freeClusterPort(t))
		out := &syncBuffer{}
		cmd := exec.Command(server,
			"--port", port, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--dir", t.TempDir(), "--save", "", "--appendonly", "no", "--daemonize", "no")
		cmd.Stdout, cmd.Stderr = out, out
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		addr := "127.0.0.1:" + port
		if err := waitPing(addr, exited, 10*time.Second); err == nil {
			return addr
		}
		lastOut = out.String()
	}
	t.Fatalf("redis-server did not start:\n%s", lastOut)
	return ""
}

// freeClusterPort returns a local port that is free, and whose cluster bus
// port (10000 higher) is free too.
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		l.Close()
		if err != nil {
			continue
		}
		bus.Close()
		return port
	}
	t.Fatal("no free port pair for a Redis Cluster node")
	return 0
}

// waitPing waits until the server at addr answers PING, it exits, or
// within runs out.
func waitPing(addr string, exited <-chan struct{}, within time.Duration) error {
	node := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer node.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := node.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s within %s: %w", addr, within, err)
		}
	}
}
