package slack

import (
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestParseClock: staff type a time of day as they hear it, with or
// without the leading zero, with a colon or a dot.
func TestParseClock(t *testing.T) {
	for in, want := range map[string]booking.Clock{
		"09:30": 9*60 + 30, "9:30": 9*60 + 30, "9.30": 9*60 + 30, "00:00": 0, "23:59": 23*60 + 59,
	} {
		if got, ok := parseClock(in); !ok || got != want {
			t.Errorf("parseClock(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "930", "9:3", "9:300", "24:00", "12:60", "+9:30", "-0:30", " 9:30", "9:30 ", "ab:cd", "123:00", "9:-1"} {
		if got, ok := parseClock(bad); ok {
			t.Errorf("parseClock(%q) = %v; want no time", bad, got)
		}
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:30", "9.30", "24:00", "-0:30", "+1:00", "9:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseClock(s)
		if !ok {
			return
		}
		if c < 0 || c >= 24*60 {
			t.Fatalf("parseClock(%q) = %v: no time of day", s, c)
		}
		if again, ok := parseClock(c.String()); !ok || again != c {
			t.Fatalf("parseClock(%q) = %v, but its own %q reads %v, %v", s, c, c.String(), again, ok)
		}
	})
}
