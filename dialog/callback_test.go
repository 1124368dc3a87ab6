package dialog

import (
	"reflect"
	"strings"
	"testing"
)

func TestCallback(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, c := range []Callback{
			{Version: 0, Epoch: 0, Action: ActMenu},
			{Version: 17, Epoch: 4294967295, Action: ActDate, Args: []string{"20261125"}},
			{Version: 1 << 40, Epoch: 77, Action: ActReschedule, Args: []string{"K7P4QX"}},
			{Version: 3, Epoch: 9, Action: ActLang, Args: []string{""}},
		} {
			data, err := c.Encode()
			if err != nil {
				t.Fatalf("encode %+v: %v", c, err)
			}
			got, err := ParseCallback(data)
			if err != nil || !reflect.DeepEqual(got, c) {
				t.Fatalf("%q decodes to %+v, %v; want %+v", data, got, err, c)
			}
		}
	})
	t.Run("TooLongInBytesNotRunes", func(t *testing.T) {
		// 30 Greek letters are 30 runes but 60 bytes: with the header the
		// data passes 64 bytes and must be refused.
		c := Callback{Version: 1, Epoch: 1, Action: ActAskCancel, Args: []string{strings.Repeat("α", 30)}}
		if data, err := c.Encode(); err == nil {
			t.Fatalf("encoded %d bytes: %q", len(data), data)
		}
	})
	t.Run("SeparatorInArgumentRefused", func(t *testing.T) {
		if _, err := (Callback{Action: ActDept, Args: []string{"a|b"}}).Encode(); err == nil {
			t.Fatal("separator accepted")
		}
	})
	t.Run("NotOurs", func(t *testing.T) {
		for _, s := range []string{"", "x", "1.1", "1.1|", "!.1|m", "-1.1|m", "01.1|m", "1|m", strings.Repeat("1", 65)} {
			if c, err := ParseCallback(s); err == nil {
				t.Fatalf("%q parsed as %+v", s, c)
			}
		}
	})
}

func TestGlobalButton(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, a := range []GlobalAction{GlobalKeep, GlobalCancel, GlobalReschedule, GlobalBookAgain} {
			data := GlobalButton(a, "K7P4QX")
			got, ref, ok := ParseGlobal(data)
			if !ok || got != a || ref != "K7P4QX" {
				t.Fatalf("%q: %q %q %v", data, got, ref, ok)
			}
			if _, err := ParseCallback(data); err == nil {
				t.Fatalf("global %q mistaken for a session button", data)
			}
		}
	})
	t.Run("RefTooLong", func(t *testing.T) {
		if d := GlobalButton(GlobalCancel, strings.Repeat("Ω", MaxGlobalRef)); d != "" {
			t.Fatalf("%d bytes: %q", len(d), d)
		}
		if d := GlobalButton(GlobalCancel, strings.Repeat("A", MaxGlobalRef)); len(d) != MaxCallbackData {
			t.Fatalf("longest ref gives %d bytes", len(d))
		}
	})
	t.Run("UnknownAction", func(t *testing.T) {
		if d := GlobalButton("zz", "K7P4QX"); d != "" {
			t.Fatalf("got %q", d)
		}
		if _, _, ok := ParseGlobal("g|zz|K7P4QX"); ok {
			t.Fatal("unknown action parsed")
		}
	})
}

func FuzzCallbackData(f *testing.F) {
	f.Add(int64(3), uint32(77), "D", "20261125", "")
	f.Add(int64(0), uint32(0), "cx", "K7P4QX", "x")
	f.Add(int64(1<<62), uint32(1<<31), "ΑΒΓ", "αβγδεζηθικλμνξοπρστυφχψω", "|")
	f.Fuzz(func(t *testing.T, version int64, epoch uint32, action, a1, a2 string) {
		c := Callback{Version: version, Epoch: epoch, Action: Action(action), Args: []string{a1, a2}}
		data, err := c.Encode()
		if err == nil {
			if len(data) > MaxCallbackData {
				t.Fatalf("%d bytes", len(data))
			}
			got, err := ParseCallback(data)
			if err != nil || !reflect.DeepEqual(got, c) {
				t.Fatalf("%q decodes to %+v, %v; want %+v", data, got, err, c)
			}
		}
		// Any string, ours or not, parses without panicking, and what
		// parses re-encodes to itself.
		for _, s := range []string{action, a1, a1 + "|" + a2} {
			if c, err := ParseCallback(s); err == nil {
				again, err := c.Encode()
				if err != nil || again != s {
					t.Fatalf("%q re-encodes as %q, %v", s, again, err)
				}
			}
			if a, ref, ok := ParseGlobal(s); ok && GlobalButton(a, ref) != s {
				t.Fatalf("global %q re-encodes as %q", s, GlobalButton(a, ref))
			}
		}
		if d := GlobalButton(GlobalAction(action), a1); d != "" {
			if len(d) > MaxCallbackData {
				t.Fatalf("global %d bytes", len(d))
			}
			if a, ref, ok := ParseGlobal(d); !ok || a != GlobalAction(action) || ref != a1 {
				t.Fatalf("global %q: %q %q %v", d, a, ref, ok)
			}
		}
	})
}
