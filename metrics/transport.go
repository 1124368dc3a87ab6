package metrics

import (
	"bytes"
	"io"
	"net/http"
)

// Transport counts the failed calls that next makes to api ("telegram" or
// "slack") by kind: rate_limited (429), blocked (403), other (any other
// error status or a failed request). Every call of the adapters goes through
// their HTTP client, so nothing escapes the count. Telegram's "message is
// not modified" answer to a redrawn screen is success, not an error.
func (m *Metrics) Transport(api string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		switch {
		case err != nil:
			if r.Context().Err() == nil { // a cancelled long poll is not an error
				m.APIError(api, "other")
			}
		case resp.StatusCode == http.StatusTooManyRequests:
			m.APIError(api, "rate_limited")
		case resp.StatusCode == http.StatusForbidden:
			m.APIError(api, "blocked")
		case resp.StatusCode >= 400 && !notModified(resp):
			m.APIError(api, "other")
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// notModified reads a 400 answer (a few hundred bytes) and puts it back.
func notModified(resp *http.Response) bool {
	if resp.StatusCode != http.StatusBadRequest || resp.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && bytes.Contains(body, []byte("message is not modified"))
}
