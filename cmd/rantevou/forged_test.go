package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/bot"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/slackfake"
	"github.com/rantevou/rantevou/telegramfake"
)

// TestForgedRequests throws forged and hostile requests at the real program
// in production mode (Telegram webhook with its secret, Slack over HTTP with
// its signing secret) and checks that each is refused and changes nothing:
//
//   - webhook deliveries without the secret header, with a wrong one, or
//     with the secret anywhere but the header: 403, the update never
//     handled;
//   - Slack commands and interactions unsigned, signed with another secret,
//     altered after signing, or signed more than five minutes ago or ahead:
//     401, nothing done;
//   - correctly signed requests from someone who is not staff, or from staff
//     of another department: refused with a message, nothing done;
//   - callback data forged by a citizen (whose client can send any
//     callback_data) to cancel, move or copy another citizen's booking, with
//     their own session's version and epoch: refused, the booking untouched,
//     nothing of it shown;
//   - SQL in what citizens and staff type: stored and searched as text.
//
// It counts the forged requests it sent, all rejected.
func TestForgedRequests(t *testing.T) {
	ctx := context.Background()
	const signing = "replica-test-signing-secret" // what replicaConfig sets
	staff := slackfake.New()
	t.Cleanup(staff.Close)
	api := newBotAPI(t)
	tg := api.fake
	pool := pgtest.New(t)
	client, prefix := redistest.New(t)
	cfg := replicaConfig(t, pgtest.URLOf(pool), redistest.URL(), api.URL(), staff.APIURL())
	m := startReplicas(t, 1, cfg, prefix, rosterMorning)[0]
	tg.SetWebhookTargets(webhookTargets([]*running{m})...)
	waitWebhook(t, tg)
	sessions := redis.NewSessions(client, prefix, 0)
	now := rosterMorning() // the program's clock, which the Slack signatures are checked against

	// Maria's booking is what the forgers are after.
	const mariaChat, forgerChat = 7701, 7702
	athens := now.Location()
	maria, err := m.Office().Book(ctx, booking.Request{
		Citizen: booking.Citizen{TelegramID: mariaChat, Name: "Μαρία Παπαδοπούλου", Phone: "6912345678", Lang: booking.Greek},
		Service: "birth-certificate",
		Start:   time.Date(2025, 12, 4, 10, 0, 0, 0, athens),
	})
	if err != nil {
		t.Fatal(err)
	}
	untouched := func(t *testing.T) {
		t.Helper()
		var status string
		var actions int
		if err := pool.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM audit_log WHERE booking_id = $1)
			FROM bookings WHERE id = $1`, maria.ID).Scan(&status, &actions); err != nil {
			t.Fatal(err)
		}
		if status != string(booking.Active) || actions != 1 {
			t.Fatalf("Maria's booking is %s with %d audit entries; want active with only its booking", status, actions)
		}
		var closures int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM closures`).Scan(&closures); err != nil {
			t.Fatal(err)
		}
		if closures != 0 {
			t.Fatalf("%d closures: a forged request closed a day", closures)
		}
	}
	rejected := map[string]int{}

	t.Run("WebhookWithoutTheSecret", func(t *testing.T) {
		update := models.Update{ID: 990001, Message: &models.Message{ID: 1, Date: int(now.Unix()), Text: "/start",
			Chat: models.Chat{ID: forgerChat, Type: models.ChatTypePrivate}, From: &models.User{ID: forgerChat, LanguageCode: "el"}}}
		body, _ := json.Marshal(update)
		for _, tc := range []struct {
			name   string
			header string
			query  string
		}{
			{"NoHeader", "", ""},
			{"WrongSecret", "not-the-secret", ""},
			{"OtherCase", strings.ToUpper(replicaSecret), ""},
			{"SecretWithSuffix", replicaSecret + "x", ""},
			{"SecretPrefixOnly", replicaSecret[:len(replicaSecret)-1], ""},
			{"SecretInTheQuery", "", "?secret_token=" + replicaSecret},
			{"TokenInTheQuery", "", "?token=" + replicaToken},
		} {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+bot.WebhookPath+tc.query, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				req.Header.Set(telegramfake.SecretHeader, tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: answered %d, want 403", tc.name, resp.StatusCode)
				continue
			}
			rejected["webhook"]++
		}
		if data, _, err := sessions.Load(ctx, forgerChat); err != nil || data != nil {
			t.Fatalf("a forged delivery started a session (%q, %v)", data, err)
		}
		if ms := tg.Chat(forgerChat); len(ms) != 0 {
			t.Fatalf("the bot answered a forged delivery: %s", dump(ms))
		}
	})

	// Slack: a destructive command and a destructive submission, each
	// forged several ways.
	respURL := staff.ResponseURL()
	closeDay := url.Values{"command": {"/rantevou"}, "text": {"close civil-registry 2025-12-04 απεργία"},
		"user_id": {"U0EXAMPLE1"}, "user_name": {"clerk"}, "team_id": {"T1"}, "channel_id": {"C0CIVILREG"},
		"response_url": {respURL}, "trigger_id": {"1.2.3"}}
	meta, _ := json.Marshal(map[string]string{"ref": maria.Ref, "response_url": respURL})
	cancelAs := func(user string) url.Values {
		payload, _ := json.Marshal(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": user, "name": "someone"},
			"view": map[string]any{"callback_id": "rantevou_cancel_reason", "private_metadata": string(meta),
				"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason_input": map[string]any{"type": "plain_text_input", "value": "πλαστό"}}}}},
		})
		return url.Values{"payload": {string(payload)}}
	}
	post := func(t *testing.T, path string, body string, ts string, sig string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if ts != "" {
			req.Header.Set("X-Slack-Request-Timestamp", ts)
		}
		if sig != "" {
			req.Header.Set("X-Slack-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	stamp := func(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }

	t.Run("SlackUnsignedOrMissigned", func(t *testing.T) {
		for _, target := range []struct {
			path string
			form url.Values
		}{
			{"/slack/commands", closeDay},
			{"/slack/interactions", cancelAs("U0EXAMPLE1")},
		} {
			body := target.form.Encode()
			ts := stamp(now)
			altered := strings.Replace(body, "2025-12-04", "2025-12-05", 1)
			if altered == body {
				altered = strings.Replace(body, "%CF%80", "%CF%81", 1) // one letter of the reason
			}
			for _, tc := range []struct {
				name, body, ts, sig string
			}{
				{"Unsigned", body, "", ""},
				{"NoTimestamp", body, "", slackfake.Sign(signing, ts, []byte(body))},
				{"OtherSecret", body, ts, slackfake.Sign("8f742231b10e8888abcd99yyyzzz85a5", ts, []byte(body))},
				{"AlteredAfterSigning", altered, ts, slackfake.Sign(signing, ts, []byte(body))},
				{"SixMinutesOld", body, stamp(now.Add(-6 * time.Minute)), slackfake.Sign(signing, stamp(now.Add(-6*time.Minute)), []byte(body))},
				{"SixMinutesAhead", body, stamp(now.Add(6 * time.Minute)), slackfake.Sign(signing, stamp(now.Add(6*time.Minute)), []byte(body))},
				{"OtherVersion", body, ts, "v1=" + strings.TrimPrefix(slackfake.Sign(signing, ts, []byte(body)), "v0=")},
				{"NotHex", body, ts, "v0=zz" + strings.Repeat("0", 62)},
				{"Truncated", body, ts, slackfake.Sign(signing, ts, []byte(body))[:40]},
			} {
				code, answer := post(t, target.path, tc.body, tc.ts, tc.sig)
				if code != http.StatusUnauthorized {
					t.Errorf("%s %s: answered %d %q, want 401", target.path, tc.name, code, answer)
					continue
				}
				rejected["slack signature"]++
			}
		}
		untouched(t)
		if got := staff.Responses(respURL); len(got) != 0 {
			t.Fatalf("forged Slack requests were answered later: %+v", got)
		}
		if views := staff.Views(); len(views) != 0 {
			t.Fatalf("forged Slack requests opened %d modals", len(views))
		}
	})

	t.Run("SlackSignedButNotAllowed", func(t *testing.T) {
		signedPost := func(path string, form url.Values) (int, string) {
			body := form.Encode()
			ts := stamp(now)
			return post(t, path, body, ts, slackfake.Sign(signing, ts, []byte(body)))
		}
		for _, tc := range []struct {
			name, user string
		}{
			{"NotStaff", "U0STRANGER"},
			{"OtherDepartment", "U0EXAMPLE2"}, // staff of the Registry Office
		} {
			cmd := url.Values{}
			for k, v := range closeDay {
				cmd[k] = v
			}
			cmd.Set("user_id", tc.user)
			if code, answer := signedPost("/slack/commands", cmd); code != http.StatusOK || strings.Contains(answer, "⏳") {
				t.Errorf("%s close: %d %q; want a refusal at once", tc.name, code, answer)
			} else {
				rejected["slack staff rights"]++
			}
			code, answer := signedPost("/slack/interactions", cancelAs(tc.user))
			if code != http.StatusOK || !strings.Contains(answer, "errors") {
				t.Errorf("%s cancel: %d %q; want the modal kept open with a refusal", tc.name, code, answer)
			} else {
				rejected["slack staff rights"]++
			}
		}
		untouched(t)
	})

	t.Run("ForgedButtons", func(t *testing.T) {
		forger := &citizen{t: t, tg: tg, sessions: sessions, chat: forgerChat}
		tg.SetLanguage(forgerChat, "el")
		forger.say("/start")
		forger.wantScreen(dialog.ScreenMenu)
		last, _ := tg.Last(forgerChat)
		var own dialog.Callback
		for _, row := range last.Inline {
			for _, b := range row {
				if c, err := dialog.ParseCallback(b.Data); err == nil {
					own = c
				}
			}
		}
		if own.Action == "" {
			t.Fatalf("the menu has no session button: %v", last.Buttons())
		}
		versioned := func(a dialog.Action, args ...string) string {
			data, err := dialog.Callback{Version: own.Version, Epoch: own.Epoch, Action: a, Args: args}.Encode()
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		for _, tc := range []struct {
			name, data string
		}{
			{"GlobalCancel", dialog.GlobalButton(dialog.GlobalCancel, maria.Ref)},
			{"GlobalReschedule", dialog.GlobalButton(dialog.GlobalReschedule, maria.Ref)},
			{"GlobalKeep", dialog.GlobalButton(dialog.GlobalKeep, maria.Ref)},
			{"GlobalBookAgain", dialog.GlobalButton(dialog.GlobalBookAgain, maria.Ref)},
			{"AskCancel", versioned(dialog.ActAskCancel, maria.Ref)},
			{"DoCancel", versioned(dialog.ActDoCancel, maria.Ref)},
			{"Reschedule", versioned(dialog.ActReschedule, maria.Ref)},
			{"DoCancelLowerCase", versioned(dialog.ActDoCancel, strings.ToLower(maria.Ref))},
			{"OtherEpoch", mustEncode(t, dialog.Callback{Version: own.Version, Epoch: own.Epoch + 1, Action: dialog.ActDoCancel, Args: []string{maria.Ref}})},
			{"Garbage", "'; DROP TABLE bookings; --"},
		} {
			msg, _ := tg.Last(forgerChat)
			u, err := tg.PressUpdate(forgerChat, msg.ID, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			seen := len(tg.Events(forgerChat))
			tg.Deliver(u)
			forger.wantDelivered(u.ID, 1)
			for _, e := range tg.Events(forgerChat)[seen:] {
				for _, leak := range []string{"Μαρία", "Παπαδοπούλου", "691", "Πιστοποιητικό γέννησης"} {
					if strings.Contains(e.Text, leak) && strings.HasPrefix(string(e.Kind), "bot.") {
						t.Errorf("%s: the forger was shown %q of Maria's booking: %q", tc.name, leak, e.Text)
					}
				}
			}
			untouched(t)
			// A forged button may still move the forger's own dialog (to
			// the screen that says the booking is not theirs); only
			// Maria's booking matters.
			rejected["forged button"]++
		}
		untouched(t)

		// The control: the same global button pressed by Maria herself
		// shows her booking, so the checks above would have seen a leak.
		owner := &citizen{t: t, tg: tg, sessions: sessions, chat: mariaChat}
		tg.SetLanguage(mariaChat, "el")
		owner.say("/start")
		msg, _ := tg.Last(mariaChat)
		u, err := tg.PressUpdate(mariaChat, msg.ID, dialog.GlobalButton(dialog.GlobalCancel, maria.Ref))
		if err != nil {
			t.Fatal(err)
		}
		tg.Deliver(u)
		owner.wantDelivered(u.ID, 1)
		if got := lastBotText(owner); !strings.Contains(got, "Πιστοποιητικό γέννησης") {
			t.Fatalf("Maria's own cancel button showed %q; want her booking, or the forged-button checks prove nothing", got)
		}
	})

	t.Run("InjectionIsData", func(t *testing.T) {
		const name = "Robert'); DROP TABLE bookings; --"
		b, err := m.Office().Book(ctx, booking.Request{
			Citizen: booking.Citizen{TelegramID: 7703, Name: name, Phone: "6900000001", Lang: booking.English},
			Service: "birth-certificate",
			Start:   time.Date(2025, 12, 4, 11, 0, 0, 0, athens),
		})
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := pool.QueryRow(ctx, `SELECT name FROM bookings WHERE id = $1`, b.ID).Scan(&stored); err != nil || stored != name {
			t.Fatalf("stored name %q (%v), want it as typed", stored, err)
		}
		for _, q := range []string{"' OR '1'='1", "%", "_", "x' UNION SELECT phone FROM citizens --"} {
			found, err := m.Office().Find(ctx, booking.Actor{Kind: booking.ActorStaff, ID: "U0EXAMPLE1"}, q)
			if err != nil && booking.ErrorCode(err) != booking.EInvalid && booking.ErrorCode(err) != booking.ENotFound {
				t.Fatalf("find %q: %v", q, err)
			}
			if len(found) != 0 {
				t.Errorf("find %q matched %d bookings; a pattern or SQL was taken as such", q, len(found))
			}
			rejected["injection"]++
		}
		untouched(t)
	})

	total := 0
	for _, n := range rejected {
		total += n
	}
	t.Logf("%d forged or hostile requests rejected: %v", total, rejected)
}

func mustEncode(t *testing.T, c dialog.Callback) string {
	t.Helper()
	data, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
