package slack_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

// Slack's published example request (api.slack.com/authentication/verifying-requests-from-slack).
const (
	vectorBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	vectorTS   = "1531420618"
	vectorSig  = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestVerify(t *testing.T) {
	at := time.Unix(1531420618, 0).Add(30 * time.Second)
	header := func(ts, sig string) http.Header {
		h := http.Header{}
		if ts != "" {
			h.Set("X-Slack-Request-Timestamp", ts)
		}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		return h
	}
	tests := []struct {
		name   string
		header http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"PublishedVectorAccepted", header(vectorTS, vectorSig), vectorBody, at, nil},
		{"TamperedBodyRejected", header(vectorTS, vectorSig), vectorBody + "&text=close", at, slack.ErrBadSignature},
		{"OldTimestampRejected", header(vectorTS, vectorSig), vectorBody, at.Add(6 * time.Minute), slack.ErrStaleSignature},
		{"FutureTimestampRejected", header(vectorTS, vectorSig), vectorBody, at.Add(-6 * time.Minute), slack.ErrStaleSignature},
		{"MissingSignatureRejected", header(vectorTS, ""), vectorBody, at, slack.ErrMissingSignature},
		{"MissingTimestampRejected", header("", vectorSig), vectorBody, at, slack.ErrMissingSignature},
		{"WrongSecretRejected", header(vectorTS, "v0=00"+vectorSig[5:]), vectorBody, at, slack.ErrBadSignature},
		{"NotHexRejected", header(vectorTS, "v0=zz"), vectorBody, at, slack.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := slack.Verify(tt.header, []byte(tt.body), secret, tt.now); err != tt.want {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}

	t.Run("AgreesWithSlackGo", func(t *testing.T) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h := header(ts, slackfake.Sign(secret, ts, []byte(vectorBody)))
		if err := slack.Verify(h, []byte(vectorBody), secret, time.Now()); err != nil {
			t.Fatal(err)
		}
		sv, err := slackapi.NewSecretsVerifier(h, secret)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = sv.Write([]byte(vectorBody))
		if err := sv.Ensure(); err != nil {
			t.Fatalf("slack-go disagrees: %v", err)
		}
	})
}

// FuzzVerify: no input panics, and only the exact signed body passes.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(vectorBody), vectorSig)
	f.Add([]byte(""), "v0=")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", vectorTS)
		h.Set("X-Slack-Signature", sig)
		err := slack.Verify(h, body, secret, time.Unix(1531420618, 0))
		if err == nil && !(bytes.Equal(body, []byte(vectorBody)) && sig == vectorSig) &&
			slackfake.Sign(secret, vectorTS, body) != sig {
			t.Fatalf("accepted a body it did not sign: %q %q", body, sig)
		}
	})
}

func TestEndpointsRefuseUnsigned(t *testing.T) {
	e := newEnv(t)
	d := e.workday(t, 0)
	e.book(t, "birth-certificate", d, 100, 0)
	close := url.Values{"command": {"/rantevou"}, "text": {"close civil-registry " + d.String() + " test"},
		"user_id": {clerk}, "response_url": {e.fake.ResponseURL()}}
	body := close.Encode()
	post := func(t *testing.T, path string, h http.Header, b string) int {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.srv.URL+path, bytes.NewBufferString(b))
		req.Header = h
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	signed := func(ts, b string) http.Header {
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", slackfake.Sign(secret, ts, []byte(b)))
		return h
	}
	tests := []struct {
		name string
		path string
		h    http.Header
		body string
	}{
		{"TamperedBody", "/slack/commands", signed(now, body), body + "x"},
		{"OldTimestamp", "/slack/commands", signed(old, body), body},
		{"MissingHeaders", "/slack/commands", http.Header{}, body},
		{"UnsignedButton", "/slack/interactions", http.Header{}, "payload=%7B%7D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, tt.path, tt.h, tt.body); got != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", got)
			}
		})
	}
	e.adapter.Wait()
	r, err := e.office.Roster(context.Background(), civil, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Closed || len(e.fake.Posts()) != 0 {
		t.Fatalf("a refused request acted: closed %v, posts %v", r.Closed, e.fake.Posts())
	}
}
