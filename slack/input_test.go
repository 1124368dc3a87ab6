package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// TestControlCharactersAreInvalidInput: a slash command, a reason typed in
// the cancel modal or a button value carrying a NUL byte or another control
// character is answered "invalid input" in the clerk's language, not with
// the technical-problem answer a database error would give, and nothing
// changes.
func TestControlCharactersAreInvalidInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.workday(t, 0)
	b := e.book(t, "birth-certificate", d, 1700, 0)[0]
	invalid := locales.For(booking.Greek).T("staff_invalid_input", nil)
	if invalid == "staff_invalid_input" {
		t.Fatal("no staff_invalid_input message")
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		var status string
		var closures int
		if err := e.store.Pool().QueryRow(ctx, `SELECT status, (SELECT count(*) FROM closures) FROM bookings WHERE id = $1`,
			b.ID).Scan(&status, &closures); err != nil {
			t.Fatal(err)
		}
		if status != string(booking.Active) || closures != 0 {
			t.Fatalf("booking %s, %d closures: the input changed something", status, closures)
		}
	}

	for _, cmd := range []string{
		"find \x00",
		"find 69\x0012345678",
		"find " + b.Ref + "\x00",
		"cancel " + b.Ref + " ασθένεια\x00",
		"cancel " + b.Ref[:3] + "\x00" + b.Ref[3:] + " ασθένεια",
		"close " + civil + " " + d.String() + " απεργία\x1b[2J",
		"roster \x00",
		"help\x7f",
		"find \xff\xfe",
	} {
		t.Run(strings.ToValidUTF8(strings.NewReplacer("\x00", "NUL").Replace(cmd), "?"), func(t *testing.T) {
			code, out, _ := e.command(t, clerk, cmd)
			e.adapter.Wait()
			if code != http.StatusOK || text(out) != invalid {
				t.Fatalf("answered %d %q; want %q", code, text(out), invalid)
			}
			unchanged(t)
		})
	}

	t.Run("ReasonInTheModal", func(t *testing.T) {
		meta, _ := json.Marshal(map[string]string{"ref": b.Ref})
		_, out, _ := e.interact(t, map[string]any{
			"type": "view_submission", "user": map[string]any{"id": clerk},
			"view": map[string]any{"callback_id": "rantevou_cancel_reason", "private_metadata": string(meta),
				"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason_input": map[string]any{"type": "plain_text_input", "value": "ασθένεια\x00"}}}}},
		})
		errs, _ := out["errors"].(map[string]any)
		if out["response_action"] != "errors" || errs["reason"] != invalid {
			t.Fatalf("answered %v; want the modal kept open saying %q", out, invalid)
		}
		unchanged(t)
	})

	t.Run("ButtonValue", func(t *testing.T) {
		url := e.fake.ResponseURL()
		code, _, _ := e.interact(t, map[string]any{
			"type": "block_actions", "user": map[string]any{"id": clerk, "name": "clerk"},
			"trigger_id": "trig", "response_url": url, "channel": map[string]any{"id": channel},
			"actions": []map[string]any{{"action_id": "rantevou_attended", "block_id": "a_x", "value": b.Ref + "\x00", "type": "button"}},
		})
		e.adapter.Wait()
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		rs := e.fake.Responses(url)
		if len(rs) != 1 || rs[0].Text != invalid {
			t.Fatalf("answered %+v; want %q", rs, invalid)
		}
		unchanged(t)
	})
}
