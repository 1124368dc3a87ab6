package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

// fuzzStaff are the Slack users the fuzz targets act as: the Civil
// Registry's clerk, the Registry Office's, and someone who is not staff.
var fuzzStaff = []string{"U0EXAMPLE1", "U0EXAMPLE2", "U0STRANGER"}

// fuzzEnv is the adapter on a real database with the default catalog, a few
// bookings at the Civil Registry, the Slack stand-in for the API, and an
// HTTP client that reaches nothing but the stand-in: a fuzzed response_url
// must not send the adapter anywhere else.
type fuzzEnv struct {
	handler http.Handler
	adapter *slack.Adapter
	store   *postgres.Store
	refs    []string // the Civil Registry's bookings
	fake    *slackfake.Server
}

type onlyHost struct {
	host string
	next http.RoundTripper
}

func (o onlyHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != o.host {
		return nil, errors.New("fuzz: the adapter may reach only the Slack stand-in")
	}
	return o.next.RoundTrip(r)
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	ctx := context.Background()
	pool := pgtest.New(f)
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(ctx, cat); err != nil {
		f.Fatal(err)
	}
	office := booking.NewOffice(cat, store, time.Now)
	fake := slackfake.New()
	f.Cleanup(fake.Close)
	u, _ := url.Parse(fake.APIURL())
	client := &http.Client{Timeout: 5 * time.Second, Transport: onlyHost{host: u.Host, next: http.DefaultTransport}}
	a := slack.New(slack.Config{BotToken: "xoxb-fuzz", SigningSecret: secret, APIURL: fake.APIURL(), HTTPClient: client}, office, store, nil)
	e := &fuzzEnv{handler: a.Routes(), adapter: a, store: store, fake: fake}
	d := booking.DateOf(time.Now(), cat.Location).AddDays(1)
	for len(e.refs) < 3 {
		day, err := office.FreeSlots(ctx, "birth-certificate", d)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range day.Slots {
			if len(e.refs) == 3 {
				break
			}
			b, err := office.Book(ctx, booking.Request{
				Citizen: booking.Citizen{TelegramID: int64(8100 + len(e.refs)), Name: "Ελένη Γεωργίου", Phone: "6900000100", Lang: booking.Greek},
				Service: "birth-certificate", Start: s.Start,
			})
			if err != nil {
				f.Fatal(err)
			}
			e.refs = append(e.refs, b.Ref)
		}
		d = d.AddDays(1)
	}
	return e
}

// serve sends form to path signed as Slack signs it and returns the status
// and body of the answer, once the work it started is over.
func (e *fuzzEnv) serve(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req, err := slackfake.SignedRequest(context.Background(), "http://rantevou.test"+path, secret, form, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	e.adapter.Wait()
	return rec.Code, rec.Body.String()
}

// statuses returns the status of each of the Civil Registry's bookings.
func (e *fuzzEnv) statuses(t *testing.T) []booking.Status {
	t.Helper()
	var out []booking.Status
	for _, ref := range e.refs {
		b, err := e.store.Booking(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Status)
	}
	return out
}

// checkAnswer checks an answer Slack would show: JSON, or empty.
func checkAnswer(t *testing.T, body string) map[string]any {
	t.Helper()
	if strings.TrimSpace(body) == "" {
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("answer is not JSON: %q", body)
	}
	text, _ := out["text"].(string)
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > 40000 {
		t.Fatalf("answer text of %d characters", utf8.RuneCountInString(text))
	}
	if blocks, _ := out["blocks"].([]any); len(blocks) > 50 {
		t.Fatalf("answer of %d blocks; Slack takes 50", len(blocks))
	}
	return out
}

// FuzzSlashCommand sends arbitrary /rantevou text, signed, as one of three
// users, through the adapter's HTTP handler against the real database.
// Nothing may panic; every command is answered 200 with a JSON message that
// Slack can show, or nothing; someone who is not staff, or staff of another
// department, never changes a Civil Registry booking; and only "cancel" or
// "close" ever does.
func FuzzSlashCommand(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range []string{"", "help", "roster", "roster αύριο", "roster σήμερα civil-registry", "roster 2026-12-24",
		"find 6900000100", "find +30 690 000 0100", "find " + e.refs[0], "cancel " + e.refs[1] + " ο πολίτης ζήτησε ακύρωση",
		"close civil-registry 2030-01-07 απεργία", "CLOSE Civil-Registry 31/12/2030 απολύμανση", "ΒΟΗΘΕΙΑ", "cancel",
		"close δημοτολογιο αύριο απεργία", "close Γενικό Πρωτόκολλο 3/12 απεργία",
		"book birth-certificate αύριο 09:30 6912345678 Μαρία Παπαδοπούλου", "book birth-certificate 2026-12-14 9.30 691 234 5678 Μ",
		"walkin family-status 6912345678 Νίκος Αθανασίου", "move " + e.refs[0] + " αύριο 10:00", "move " + e.refs[1] + " 1/1 25:61"} {
		f.Add(s, uint8(0))
	}
	f.Add("cancel "+e.refs[2]+" λάθος", uint8(1))
	f.Add("close civil-registry 2030-01-08 απεργία", uint8(2))
	f.Fuzz(func(t *testing.T, text string, who uint8) {
		user := fuzzStaff[int(who)%len(fuzzStaff)]
		before := e.statuses(t)
		code, body := e.serve(t, "/slack/commands", url.Values{
			"command": {"/rantevou"}, "text": {text}, "user_id": {user}, "user_name": {"fuzz"},
			"team_id": {"T1"}, "channel_id": {channel}, "response_url": {e.fake.ResponseURL()}, "trigger_id": {"1.2.3"},
		})
		if code != http.StatusOK {
			t.Fatalf("%q as %s: %d %q", text, user, code, body)
		}
		// "book" alone opens the modal instead, and says nothing.
		opensModal := strings.ToLower(strings.TrimSpace(text)) == "book" && user != "U0STRANGER"
		if out := checkAnswer(t, body); (out == nil || out["text"] == "") && !opensModal {
			t.Fatalf("%q as %s: answered %q; want a message", text, user, body)
		}
		after := e.statuses(t)
		for i := range before {
			if before[i] == after[i] {
				continue
			}
			verb := strings.ToLower(strings.SplitN(strings.TrimSpace(text)+" ", " ", 2)[0])
			if user != fuzzStaff[0] || (verb != "cancel" && verb != "close") {
				t.Fatalf("%q as %s changed booking %s from %s to %s", text, user, e.refs[i], before[i], after[i])
			}
		}
	})
}

// FuzzInteraction sends arbitrary interaction payloads (button presses,
// modal submissions, anything), signed, through the adapter's HTTP handler.
// Nothing may panic; a payload that does not decode as an interaction is
// refused with 400 and anything else answered 200, empty or with JSON Slack accepts; a payload
// not from the Civil Registry's clerk never changes its bookings; and the
// adapter reaches no host but Slack's, whatever response_url says.
func FuzzInteraction(f *testing.F) {
	e := newFuzzEnv(f)
	press := func(user, action, ref, responseURL string) string {
		p, _ := json.Marshal(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": user, "name": "fuzz"},
			"trigger_id": "trig", "response_url": responseURL, "channel": map[string]any{"id": channel},
			"actions": []map[string]any{{"action_id": action, "block_id": "a_" + ref, "value": ref, "type": "button"}},
		})
		return string(p)
	}
	submit := func(user, ref, reason string) string {
		meta, _ := json.Marshal(map[string]string{"ref": ref, "response_url": e.fake.ResponseURL()})
		p, _ := json.Marshal(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": user},
			"view": map[string]any{"callback_id": "rantevou_cancel_reason", "private_metadata": string(meta),
				"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason_input": map[string]any{"type": "plain_text_input", "value": reason}}}}},
		})
		return string(p)
	}
	f.Add(press("U0EXAMPLE1", "rantevou_cancel", e.refs[0], e.fake.ResponseURL()))
	f.Add(press("U0EXAMPLE1", "rantevou_attended", e.refs[0], e.fake.ResponseURL()))
	f.Add(press("U0EXAMPLE2", "rantevou_no_show", e.refs[1], e.fake.ResponseURL()))
	f.Add(press("U0STRANGER", "rantevou_cancel", e.refs[1], "http://169.254.169.254/latest/meta-data/"))
	f.Add(submit("U0EXAMPLE1", e.refs[2], "ασθένεια υπαλλήλου"))
	f.Add(submit("U0EXAMPLE2", e.refs[1], "πλαστό"))
	f.Add(submit("U0EXAMPLE1", e.refs[1], "   "))
	f.Add(press("U0EXAMPLE1", "rantevou_undo", e.refs[0], e.fake.ResponseURL()))
	f.Add(press("U0EXAMPLE1", "rantevou_move", e.refs[1], e.fake.ResponseURL()))
	f.Add(press("U0EXAMPLE2", "rantevou_close_confirm", `{"d":"civil-registry","day":"2030-01-07","r":"x","m":"00"}`, e.fake.ResponseURL()))
	f.Add(press("U0EXAMPLE1", "rantevou_close_keep", `not json`, e.fake.ResponseURL()))
	f.Add(`{"type":"view_submission","user":{"id":"U0EXAMPLE2"},"view":{"id":"V1","callback_id":"rantevou_move_time","private_metadata":"{\"ref\":\"` + e.refs[1] +
		`\"}","state":{"values":{"move_day":{"move_day_input":{"type":"datepicker","selected_date":"2030-01-07"}},"move_time":{"move_time_input":{"type":"plain_text_input","value":"09:00"}}}}}}`)
	f.Add(`{"type":"shortcut","callback_id":"x","user":{"id":"U0EXAMPLE1"}}`)
	// The "Book for a caller" modal (modal_book.go): its shortcut, a
	// change of its service, a walk-in submitted by another department.
	f.Add(`{"type":"shortcut","callback_id":"rantevou_book","trigger_id":"t","user":{"id":"U0EXAMPLE2"}}`)
	f.Add(`{"type":"block_actions","user":{"id":"U0EXAMPLE1"},"view":{"id":"V1","hash":"h","callback_id":"rantevou_book_modal","private_metadata":"{\"g\":0}",` +
		`"state":{"values":{"book_dept":{"book_dept":{"type":"static_select","selected_option":{"value":"civil-registry"}}}}}},` +
		`"actions":[{"type":"static_select","block_id":"book_service.0","action_id":"book_service","selected_option":{"value":"birth-certificate"}}]}`)
	f.Add(`{"type":"view_submission","user":{"id":"U0EXAMPLE2"},"view":{"callback_id":"rantevou_book_modal","private_metadata":"{\"g\":3,\"k\":\"x\"}",` +
		`"state":{"values":{"book_dept":{"book_dept":{"type":"static_select","selected_option":{"value":"civil-registry"}}},` +
		`"book_service.3":{"book_service":{"type":"static_select","selected_option":{"value":"birth-certificate"}}},` +
		`"book_day.3":{"book_day":{"type":"static_select","selected_option":{"value":"walkin"}}},` +
		`"book_name":{"book_name":{"type":"plain_text_input","value":"Μαρία Παπαδοπούλου"}},"book_phone":{"book_phone":{"type":"plain_text_input","value":"6912345678"}}}}}}`)
	f.Add(`{"type":"view_submission","view":{"callback_id":"rantevou_cancel_reason","private_metadata":"not json"}}`)
	f.Fuzz(func(t *testing.T, payload string) {
		before := e.statuses(t)
		code, body := e.serve(t, "/slack/interactions", url.Values{"payload": {payload}})
		var probe slackapi.InteractionCallback
		decodable := json.Unmarshal([]byte(payload), &probe) == nil
		switch {
		case code == http.StatusBadRequest && !decodable:
		case code == http.StatusOK:
			checkAnswer(t, body)
		default:
			t.Fatalf("payload %q: %d %q", payload, code, body)
		}
		after := e.statuses(t)
		for i := range before {
			if before[i] != after[i] && probe.User.ID != fuzzStaff[0] {
				t.Fatalf("payload %q from %q changed booking %s from %s to %s", payload, probe.User.ID, e.refs[i], before[i], after[i])
			}
		}
	})
}
