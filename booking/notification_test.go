package booking

import (
	"encoding/json"
	"testing"
	"time"
)

// TestPayloadStoredForm checks the JSON the outbox keeps: the names rows
// already carry, so that rows written before a deploy are delivered after
// it, and nothing for the fields a kind leaves zero.
func TestPayloadStoredForm(t *testing.T) {
	moved := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		p      Payload
		stored string
	}{
		{"Empty", Payload{}, `{}`},
		{"Reminder", Payload{Before: 2 * time.Hour}, `{"before_minutes":120}`},
		{"Rescheduled", Payload{OldStart: moved}, `{"old_start":"2026-03-02T08:30:00Z"}`},
		{"CancelledByStaff", Payload{Reason: "βλάβη"}, `{"reason":"βλάβη"}`},
		{"Roster", Payload{Day: Date{2026, time.March, 2}}, `{"date":"2026-03-02"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.p)
			if err != nil || string(b) != tc.stored {
				t.Fatalf("stored as %s (%v), want %s", b, err, tc.stored)
			}
			var back Payload
			if err := json.Unmarshal(b, &back); err != nil || back != tc.p {
				t.Fatalf("read back %+v (%v), want %+v", back, err, tc.p)
			}
		})
	}
}

// TestPayloadOfOlderRows reads payloads as earlier versions wrote them,
// with keys that nothing reads any more.
func TestPayloadOfOlderRows(t *testing.T) {
	for _, tc := range []struct {
		name, stored string
		want         Payload
	}{
		{"RescheduledWithOldDesk", `{"old_desk": "A1", "old_start": "2026-03-02T10:30:00+02:00"}`,
			Payload{OldStart: time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)}},
		{"DayClosedWithDate", `{"date": "2026-03-02", "reason": "απεργία"}`,
			Payload{Reason: "απεργία", Day: Date{2026, time.March, 2}}},
		{"Null", `null`, Payload{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Payload
			if err := json.Unmarshal([]byte(tc.stored), &p); err != nil {
				t.Fatal(err)
			}
			if !p.OldStart.Equal(tc.want.OldStart) || p.Reason != tc.want.Reason || p.Day != tc.want.Day || p.Before != tc.want.Before {
				t.Fatalf("read %+v, want %+v", p, tc.want)
			}
		})
	}
	for _, bad := range []string{`{"before_minutes": "soon"}`, `{"date": "2 March"}`, `[]`} {
		var p Payload
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s read as %+v, want an error", bad, p)
		}
	}
}

// FuzzPayload checks that whatever a stored payload holds, reading it
// never panics, and that what reads is written back in a form that reads
// and writes back the same.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"before_minutes":120}`, `{"old_start":"2026-03-02T08:30:00Z","old_desk":"A1"}`,
		`{"reason":"x","date":"2026-03-02"}`, `{"date":"0000-01-01"}`, `{"before_minutes":-5}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stored string) {
		var p Payload
		if json.Unmarshal([]byte(stored), &p) != nil {
			return
		}
		b, err := json.Marshal(p)
		if err != nil {
			return // a time JSON cannot hold; the store never writes one
		}
		var again Payload
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("%s: written back as %s, which does not read: %v", stored, b, err)
		}
		if b2, err := json.Marshal(again); err != nil || string(b2) != string(b) {
			t.Fatalf("%s: written back as %s, then as %s (%v)", stored, b, b2, err)
		}
	})
}
