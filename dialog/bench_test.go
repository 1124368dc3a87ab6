package dialog

import (
	"encoding/json"
	"testing"
)

// BenchmarkStep measures one update on the time screen: decode the stored
// session, step a tapped time, encode the session again — the dialog's share
// of every update.
func BenchmarkStep(b *testing.B) {
	c := newConvo(b)
	c.toTime()
	raw, err := json.Marshal(c.s)
	if err != nil {
		b.Fatal(err)
	}
	ev := Event{Kind: KindButton, Data: c.button("09:30").Data}
	b.ReportAllocs()
	for b.Loop() {
		var s State
		if err := json.Unmarshal(raw, &s); err != nil {
			b.Fatal(err)
		}
		s, replies, _ := Step(s, ev, c.w.env)
		if len(replies) == 0 {
			b.Fatal("no reply")
		}
		if _, err := json.Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(raw)), "session-bytes")
}
