package main

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tcpProxy stands between the program and a server (PostgreSQL, Redis) on a
// local port of its own, so that a test can break the path while traffic
// flows: drop every open connection, refuse new ones for a while, or let the
// server's answers on one connection vanish once the client has sent a given
// string (a commit whose answer never comes back). Closing either side of a
// connection closes the other, so the server sees a client that went away
// as going away.
type tcpProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	pairs   map[*proxyPair]struct{}
	refuse  bool
	trigger []byte        // armed by MuteAfter; nil when not armed
	fired   chan struct{} // closed when the armed trigger fires
	hold    [][]byte      // armed by HoldFrom; nil when not armed
	holdIf  [][]byte
	holds   int
	stats   proxyStats
	wg      sync.WaitGroup
}

// proxyStats counts what the proxy did, for a test's log.
type proxyStats struct {
	Accepted, Refused, Dropped int
}

type proxyPair struct {
	client, server net.Conn
	muted          atomic.Bool
	held           bool // upstream only: the client's bytes go no further
	once           sync.Once
}

func (p *proxyPair) close() {
	p.once.Do(func() {
		p.client.Close()
		p.server.Close()
	})
}

// startProxy forwards a free local port to target until the test ends.
func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, pairs: map[*proxyPair]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port.
func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port, as a string.
func (p *tcpProxy) Port() string {
	_, port, _ := net.SplitHostPort(p.Addr())
	return port
}

func (p *tcpProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		if refuse {
			p.stats.Refused++
		}
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		pair := &proxyPair{client: c, server: s}
		p.mu.Lock()
		p.pairs[pair] = struct{}{}
		p.stats.Accepted++
		p.mu.Unlock()
		p.wg.Add(2)
		go p.upstream(pair)
		go p.downstream(pair)
	}
}

// upstream copies the client's bytes to the server, watching them for the
// armed triggers: the pair is muted before the bytes that contain the
// MuteAfter trigger reach the server, so that none of the server's answers
// to them gets through; it is cut short at the HoldFrom trigger.
func (p *tcpProxy) upstream(pair *proxyPair) {
	defer p.wg.Done()
	defer p.forget(pair)
	buf := make([]byte, 32<<10)
	var tail []byte // the end of the previous read, for a trigger split across reads
	for {
		n, err := pair.client.Read(buf)
		if n > 0 && pair.held {
			continue // the client's bytes from the hold on are thrown away
		}
		if n > 0 {
			chunk := buf[:n]
			joined := append(append([]byte(nil), tail...), chunk...)
			p.mu.Lock()
			if p.trigger != nil && bytes.Contains(joined, p.trigger) {
				pair.muted.Store(true)
				p.trigger = nil
				close(p.fired)
			}
			for _, h := range p.hold {
				from := afterAny(chunk, p.holdIf)
				if from < 0 {
					break
				}
				if i := bytes.Index(chunk[from:], h); i >= 0 {
					chunk, pair.held = chunk[:from+i], true
					p.holds++
					break
				}
			}
			p.mu.Unlock()
			tail = joined[max(0, len(joined)-64):]
			if _, werr := pair.server.Write(chunk); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// downstream copies the server's answers to the client unless the pair is
// muted, in which case they are read and thrown away.
func (p *tcpProxy) downstream(pair *proxyPair) {
	defer p.wg.Done()
	defer p.forget(pair)
	buf := make([]byte, 32<<10)
	for {
		n, err := pair.server.Read(buf)
		if n > 0 && !pair.muted.Load() {
			if _, werr := pair.client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *tcpProxy) forget(pair *proxyPair) {
	pair.close()
	p.mu.Lock()
	delete(p.pairs, pair)
	p.mu.Unlock()
}

// DropAll closes every open connection, both ways, and returns how many
// there were.
func (p *tcpProxy) DropAll() int {
	p.mu.Lock()
	pairs := make([]*proxyPair, 0, len(p.pairs))
	for pair := range p.pairs {
		pairs = append(pairs, pair)
	}
	p.stats.Dropped += len(pairs)
	p.mu.Unlock()
	for _, pair := range pairs {
		pair.close()
	}
	return len(pairs)
}

// Refuse makes the proxy close every new connection at once (on), or
// forward them again (off): to the client the server is unreachable.
func (p *tcpProxy) Refuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// MuteAfter arms the proxy: the first connection whose client sends s gets
// no answer from the server any more, from the bytes containing s on. The
// returned channel is closed when that happens.
func (p *tcpProxy) MuteAfter(s string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trigger = []byte(s)
	p.fired = make(chan struct{})
	return p.fired
}

// HoldFrom arms the proxy: on every connection whose client sends one of
// triggers after one of ifBefore (within one read), the bytes before the
// trigger reach the server and nothing from it on does, ever. For
// PostgreSQL, with the Sync that ends a pipelined transaction as the
// trigger (pgSync), that is a transaction that did all its work and never
// committed: it stays open
// until the connection goes (the client dies), and then the server rolls
// it back. Disarm with HoldFrom(nil); connections already held stay held.
func (p *tcpProxy) HoldFrom(triggers []string, ifBefore ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold, p.holdIf = nil, nil
	for _, s := range triggers {
		p.hold = append(p.hold, []byte(s))
	}
	for _, b := range ifBefore {
		p.holdIf = append(p.holdIf, []byte(b))
	}
}

// pgSync is the Sync message that ends a pipeline, and with it the
// store's pipelined transactions (postgres.pipelinedTx): held there, the
// statements before it have run and hold their locks, and nothing of them
// is committed until the server reads it.
func pgSync() []string { return []string{"S\x00\x00\x00\x04"} }

// Holds counts the connections held by HoldFrom so far.
func (p *tcpProxy) Holds() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.holds
}

// afterAny returns where the first of subs found in b ends: 0 when subs
// is empty, -1 when none is in b.
func afterAny(b []byte, subs [][]byte) int {
	if len(subs) == 0 {
		return 0
	}
	end := -1
	for _, s := range subs {
		if i := bytes.Index(b, s); i >= 0 && (end < 0 || i+len(s) < end) {
			end = i + len(s)
		}
	}
	return end
}

// Stats returns the proxy's counters.
func (p *tcpProxy) Stats() proxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func (p *tcpProxy) close() {
	p.ln.Close()
	p.DropAll()
	p.wg.Wait()
}
