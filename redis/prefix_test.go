package redis_test

import (
	"testing"

	"github.com/rantevou/rantevou/redis"
)

// TestPrefix: each bot's keys are its own, by the id in its token, and
// every replica of one bot gets the same prefix.
func TestPrefix(t *testing.T) {
	for _, c := range []struct{ token, want string }{
		{"7000000001:loadtest-token-not-a-real-one", "rantevou:7000000001"},
		{"123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "rantevou:123456"},
		{"", "rantevou"},            // the sandbox
		{"not-a-token", "rantevou"}, // no colon
		{":secret", "rantevou"},     // no id
		{"12a4:secret", "rantevou"}, // not a number
	} {
		if got := redis.Prefix(c.token); got != c.want {
			t.Errorf("Prefix(%q) = %q, want %q", c.token, got, c.want)
		}
	}
}
