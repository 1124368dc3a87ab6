package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// TestParseDay: staff write dates the way they say them, «3/12», as well
// as today, tomorrow and YYYY-MM-DD; the help lists every form.
func TestParseDay(t *testing.T) {
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	// Monday 30 November 2026.
	a := &Adapter{cfg: Config{Now: func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, athens) }}, loc: athens}
	today := booking.Date{Year: 2026, Month: 11, Day: 30}
	for in, want := range map[string]booking.Date{
		"σήμερα": today, "Αύριο": today.AddDays(1), "today": today,
		"2026-12-03": {Year: 2026, Month: 12, Day: 3},
		"3/12":       {Year: 2026, Month: 12, Day: 3}, "3.12": {Year: 2026, Month: 12, Day: 3},
		"30/11": today, "25/3": {Year: 2027, Month: 3, Day: 25}, // the next one
		"3/12/2027": {Year: 2027, Month: 12, Day: 3}, "3/12/27": {Year: 2027, Month: 12, Day: 3},
	} {
		if got, ok := a.parseDay(in); !ok || got != want {
			t.Errorf("parseDay(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"31/4", "3/13", "0/12", "3/12/1999", "3/12/2027/1", "3-12", "x/12", "", "29/2"} {
		if got, ok := a.parseDay(bad); ok {
			t.Errorf("parseDay(%q) = %v; want no day", bad, got)
		}
	}
	for _, l := range []booking.Lang{booking.Greek, booking.English} {
		help := locales.For(l).T("staff_help", map[string]any{"Command": "/rantevou"})
		want := []string{"today|tomorrow", "3/12", "YYYY-MM-DD"}
		if l == booking.Greek {
			want = []string{"σήμερα|αύριο", "3/12", "ΕΕΕΕ-ΜΜ-ΗΗ"}
		}
		for _, w := range want {
			if !strings.Contains(help, w) {
				t.Errorf("%s help lacks %q", l, w)
			}
		}
	}
}
