package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// child is a server process the generator started and measures.
type child struct {
	name string
	url  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	logs *logTail
	done chan struct{}
	err  error
}

// startChild starts argv with env added to (and overriding) this
// process's environment, in a process group of its own so that a Ctrl-C in
// the terminal reaches only the generator, which then stops it; and with
// a parent-death signal, so that it cannot outlive a generator that was
// killed outright.
func startChild(name, url string, argv, env []string) (*child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = mergeEnv(os.Environ(), env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	c := &child{name: name, url: url, cmd: cmd, logs: newLogTail(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start %s: %w", name, err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// mergeEnv returns base with the variables of over set, and with the Slack
// variables removed, so that a server never reaches a real Slack from a
// load test: without a token it uses its in-process stand-in.
func mergeEnv(base, over []string) []string {
	set := map[string]bool{}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if set[k] || strings.HasPrefix(k, "SLACK_") || k == "CATALOG_FILE" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, over...)
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// waitReady polls url+"/readyz" until it answers 200, the child exits or
// timeout passes.
func (c *child) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(c.url + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if c.exited() {
			return fmt.Errorf("loadtest: %s exited before it was ready (%v):\n%s", c.name, c.err, c.logs.tail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("loadtest: %s not ready after %s:\n%s", c.name, timeout, c.logs.tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop asks the child to finish (SIGTERM) and kills it if it has not after
// grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// procSample is a process's CPU time and memory at one moment.
type procSample struct {
	cpu     time.Duration // utime + stime
	rssKB   int64         // VmRSS
	hwmKB   int64         // VmHWM: the peak RSS since start or the last reset
	readErr error
}

func sampleProc(pid int) procSample {
	var s procSample
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		s.readErr = err
		return s
	}
	// The command name may contain spaces; the fields after it do not.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		s.readErr = errors.New("unreadable /proc stat")
		return s
	}
	f := strings.Fields(string(stat[i+1:]))
	// After ")": state is field 3, utime 14 and stime 15 (1-based, man proc).
	if len(f) > 13 {
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		s.cpu = time.Duration(ut+st) * time.Second / clockTicks
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		s.readErr = err
		return s
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.rssKB = n
		case "VmHWM":
			s.hwmKB = n
		}
	}
	return s
}

// resetPeak resets a process's VmHWM to its current RSS ("5" to
// clear_refs, Linux 4.0+), so that each phase reports its own peak. It
// reports whether that worked; otherwise the peak is since start.
func resetPeak(pid int) bool {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil
}

// cpuOf returns the CPU time used so far by every process whose command is
// one of names (e.g. postgres, redis-server): the databases the servers
// share with whatever else runs on the machine.
func cpuOf(names ...string) time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		for _, n := range names {
			if name == n {
				total += sampleProc(pid).cpu
			}
		}
	}
	return total
}

// loadAverage returns the one-minute load average.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// logTail keeps a child's last lines for error messages, and counts its
// JSON log lines of level WARN and ERROR by message: what the server
// complained about under load.
type logTail struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	counts  map[string]int
}

const tailLines = 30

func newLogTail() *logTail { return &logTail{counts: map[string]int{}} }

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 64<<10 {
		l.line(string(l.partial))
		l.partial = nil
	}
	return len(p), nil
}

func (l *logTail) line(s string) {
	l.lines = append(l.lines, s)
	if len(l.lines) > tailLines {
		l.lines = l.lines[len(l.lines)-tailLines:]
	}
	var entry struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Err   string `json:"err"`
	}
	if json.Unmarshal([]byte(s), &entry) != nil {
		if strings.TrimSpace(s) != "" {
			l.counts["(not JSON) "+clipText(s, 80)]++
		}
		return
	}
	if entry.Level == "WARN" || entry.Level == "ERROR" {
		key := entry.Level + " " + entry.Msg
		if entry.Err != "" {
			// The cause is at the end of a wrapped error.
			key += ": " + clipMiddle(stripNumbers(entry.Err), 160)
		}
		l.counts[key]++
	}
}

// stripNumbers replaces runs of digits so that the same complaint about
// different chats counts as one.
func stripNumbers(s string) string {
	var b strings.Builder
	inNum := false
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if !inNum {
				b.WriteByte('N')
			}
			inNum = true
			continue
		}
		inNum = false
		b.WriteRune(r)
	}
	return b.String()
}

func (l *logTail) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// complaints returns the counts of warnings and errors so far.
func (l *logTail) complaints() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.counts))
	for k, v := range l.counts {
		out[k] = v
	}
	return out
}
