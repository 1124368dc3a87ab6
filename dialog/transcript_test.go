package dialog

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// TestTranscript plays a whole conversation in each language and compares
// it with a readable transcript under testdata: a change of wording shows up
// in review as a diff of what citizens will read. Run with -update to accept.
func TestTranscript(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lang  string
		steps []string // "> text", "/command", "[button label]"
	}{
		{"el", "el", []string{"/start", "[Κλείσιμο ραντεβού]", "[Δημοτολόγιο]", "[οικογενειακής]", "[γέννησης]",
			"> κάποτε", "> Παρασκευή 7/12", "> την άλλη Δευτέρα", "> στις 2", "> στις 9 και μισή", "> 12345",
			"> 691 234 5678", "> Μαρία Παπαδοπούλου", "[Επιβεβαίωση]", "[Χάρτης]", "/mybookings", "[Ακύρωση AB12CD]",
			"[Ναι, ακύρωση]", "/help", "/info"}},
		{"en", "en-GB", []string{"/start", "[Book an appointment]", "[Registry Office]", "[Copy of a civil record]",
			"[Next week]", "[Monday 30 November]", "[Back]", "[First available]", "[09:15]", "> 2310 123456",
			"> John Smith", "[Back]", "> Jane Smith", "[Confirm]", "[Add to calendar]", "/lang", "[Ελληνικά]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConvo(t)
			c.w.bookings = []booking.Booking{{Ref: "AB12CD", Service: "family-status",
				Start: today.AddDays(2).At(600, c.w.loc()), Status: booking.Active}}
			var b strings.Builder
			for _, step := range tc.steps {
				b.WriteString("\n### " + step + "\n")
				switch {
				case strings.HasPrefix(step, "/"):
					c.send(Event{Kind: KindCommand, Command: step, LangCode: tc.lang})
				case strings.HasPrefix(step, "> "):
					c.send(Event{Kind: KindText, Text: step[2:], LangCode: tc.lang})
				default:
					c.tap(strings.Trim(step, "[]"))
				}
				for _, e := range c.w.ran {
					b.WriteString("(effect " + string(e.Kind) + ")\n")
				}
				b.WriteString(transcript(c.replies))
			}
			path := filepath.Join("testdata", "conversation."+tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("transcript differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}
