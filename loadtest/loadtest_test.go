package loadtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary be the floor bot: the generator starts it
// with FLOOR_HTTP_ADDR set, as the command starts itself with "floor".
func TestMain(m *testing.M) {
	if os.Getenv(envFloorAddr) != "" {
		os.Exit(FloorMain(os.Getenv))
	}
	code := m.Run()
	if buildErr == nil && buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// rantevouBinary builds the server once for the package's tests (TestMain
// removes it).
func rantevouBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "loadtest-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "rantevou"), "github.com/rantevou/rantevou/cmd/rantevou").CombinedOutput()
		if err != nil {
			buildErr = err
			buildDir = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build rantevou: %v\n%s", buildErr, buildDir)
	}
	return filepath.Join(buildDir, "rantevou")
}

// testConfig is a short run of the whole tool path: its own Redis
// database, so that a load test run by hand at the same time keeps its
// own. The first call builds the server, which on a cold build cache takes
// longer than a run: take the config before starting a test's deadline.
func testConfig(t *testing.T) Config {
	var progress bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", progress.String())
		}
	})
	return Config{
		Bin:          rantevouBinary(t),
		FloorCommand: []string{os.Args[0]},
		Replicas:     1,
		Citizens:     []int{3},
		Duration:     3 * time.Second,
		Warmup:       time.Second,
		StepTimeout:  10 * time.Second,
		RedisURL:     "redis://localhost:6379/10",
		Mix:          Mix{Cancel: 0.2, Reschedule: 0.2, DoubleTap: 0.3, Redeliver: 0.3, FreeText: 0.3},
		Progress:     &progress,
	}
}

// TestRun runs three citizens for a few seconds against one replica and
// the floor bot, and requires bookings made, every kind of conversation
// played, and the PostgreSQL check passed.
func TestRun(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("report:\n%s", out.String())

	if len(rep.Phases) != 2 || rep.Phases[0].Bot != BotRantevou || rep.Phases[1].Bot != BotFloor {
		t.Fatalf("phases %+v, want rantevou then floor", rep.Phases)
	}
	rv, fl := rep.Phases[0], rep.Phases[1]
	if rv.Steps == 0 || fl.Steps == 0 {
		t.Fatalf("steps: rantevou %d, floor %d", rv.Steps, fl.Steps)
	}
	c := rep.Check
	if c == nil || !c.OK() {
		t.Fatalf("PostgreSQL check: %+v", c)
	}
	if c.Told == 0 || c.Verified != c.Told || c.Bookings < c.Told {
		t.Fatalf("no bookings made and verified: %+v", c)
	}
	for _, kind := range []string{errRedelivered, errUnanswered, errTwice} {
		if rv.Errors[kind] > 0 {
			t.Errorf("%s: %d (%v)", kind, rv.Errors[kind], rv.ErrorExamples[kind])
		}
	}
	if rv.Calls.InReply["answerCallbackQuery"]+rv.Calls.Calls["answerCallbackQuery"] == 0 {
		t.Errorf("no callback answered: %+v", rv.Calls)
	}
	if fl.Calls.Calls["sendMessage"] == 0 {
		t.Errorf("floor bot sent nothing: %+v", fl.Calls)
	}
	if rv.CPUPerStepMs <= 0 || rv.PeakRSSMB <= 0 {
		t.Errorf("server not measured: cpu/step %.3f ms, peak RSS %.1f MB", rv.CPUPerStepMs, rv.PeakRSSMB)
	}

	svg := filepath.Join(t.TempDir(), "load.svg")
	if err := rep.WritePlot(svg); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(svg)
	if !strings.HasPrefix(string(b), "<svg") || !strings.Contains(string(b), "polyline") {
		t.Fatalf("plot:\n%s", b)
	}
	if err := rep.WriteJSON(filepath.Join(t.TempDir(), "load.json")); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryMode opens a few conversations and requires their sessions
// and update keys found in Redis.
func TestMemoryMode(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg.Open = 40
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Memory
	if m == nil || m.Conversations != 40 {
		t.Fatalf("memory result %+v", m)
	}
	if m.SessionKeys < 40 || m.DedupeKeys < 80 || m.SessionBytes <= 0 || m.DedupeBytes <= 0 || m.RSSMB <= 0 {
		t.Fatalf("memory result %+v", m)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("report:\n%s", out.String())
}
