package dialog

import (
	stdjson "encoding/json"
	"testing"

	json "github.com/goccy/go-json"
)

// BenchmarkStep measures one update on the time screen: decode the stored
// session, step a tapped time, encode the session again (with the engine's
// JSON library) — the dialog's share of every update.
func BenchmarkStep(b *testing.B) {
	c, raw := timeScreen(b)
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

// BenchmarkSessionCodec decodes and encodes the session of the time screen
// with the engine's JSON library and with encoding/json, which it
// replaced (conversation.Engine.Handle).
func BenchmarkSessionCodec(b *testing.B) {
	_, raw := timeScreen(b)
	for _, codec := range []struct {
		name      string
		marshal   func(any) ([]byte, error)
		unmarshal func([]byte, any) error
	}{
		{"go-json", json.Marshal, json.Unmarshal},
		{"encoding-json", stdjson.Marshal, stdjson.Unmarshal},
	} {
		b.Run(codec.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s State
				if err := codec.unmarshal(raw, &s); err != nil {
					b.Fatal(err)
				}
				if _, err := codec.marshal(s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "session-bytes")
		})
	}
}

// timeScreen is a conversation on the time screen and its session as
// stored.
func timeScreen(b *testing.B) (*convo, []byte) {
	c := newConvo(b)
	c.toTime()
	raw, err := json.Marshal(c.s)
	if err != nil {
		b.Fatal(err)
	}
	return c, raw
}
