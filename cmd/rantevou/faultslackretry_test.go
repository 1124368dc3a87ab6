package main

import (
	"testing"
	"time"
)

// TestFaultSlack429HonoursRetryAfter: Slack answers the first post to each
// channel with 429 and Retry-After: 1. slack.New asks slack-go to wait out
// such answers (OptionRetry(2)), so every roster is posted about a second
// later, at its first outbox attempt. It once passed OptionRetry before
// OptionHTTPClient, and the HTTP client replaced the retrying one; the 429
// then went back to the outbox and waited for its backoff.
func TestFaultSlack429HonoursRetryAfter(t *testing.T) {
	rosters, took, front, _ := slackRosters429(t, 20*time.Second)
	for _, r := range rosters {
		if r.Attempts != 1 {
			t.Errorf("roster %v: %d outbox attempts; want 1, the 429 waited out by the Slack client", r, r.Attempts)
		}
	}
	if took > 6*time.Second {
		t.Errorf("the rosters reached Slack %s after the start; want about a second after the 429s (Retry-After: 1)", took.Round(time.Millisecond))
	}
	t.Logf("%d posts refused with 429", front.tooMany)
}
