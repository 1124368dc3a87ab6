package loadtest

import (
	"math"
	"testing"
)

func TestWholeCPUPerStep(t *testing.T) {
	// 1,000 steps/s while the server used half a core, PostgreSQL a
	// quarter, Redis a tenth and the generator 15%: one step cost 1 ms of
	// the machine.
	p := Phase{StepsPerSec: 1000, ServerCPUPercent: 50, PostgresCPUPercent: 25, RedisCPUPercent: 10, GeneratorCPUPercent: 15}
	if got := p.WholeCPUPerStepMs(); math.Abs(got-1) > 1e-9 {
		t.Fatalf("whole-step CPU %.3f ms, want 1", got)
	}
	if got := (Phase{}).WholeCPUPerStepMs(); got != 0 {
		t.Fatalf("a phase without steps costs %.3f ms a step, want 0", got)
	}
}
