package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds what a signed request may carry; Slack's are a few KB.
const maxBody = 1 << 20

// Errors of the signature check; all answer 401.
var (
	ErrMissingSignature = errors.New("slack: missing signature headers")
	ErrStaleSignature   = errors.New("slack: request timestamp outside 5 minutes")
	ErrBadSignature     = errors.New("slack: signature mismatch")
	ErrReplayed         = errors.New("slack: signature already seen (a replayed request)")
)

// Replays remembers the signatures of the requests already let through;
// package redis implements it (Signatures), shared by every replica.
type Replays interface {
	// First records signature for ttl and reports whether it was new.
	First(ctx context.Context, signature string, ttl time.Duration) (bool, error)
}

// replayWindow is how long after its timestamp a request still passes
// Verify, plus a minute for the replicas' clocks to disagree: a signature
// need not be remembered longer.
const replayWindow = 5*time.Minute + time.Minute

// Verify checks Slack's request signature: v0= hex HMAC-SHA256 over
// "v0:timestamp:body" with the signing secret, a timestamp within five
// minutes of now (both ways, against replays) and a constant-time compare.
// It is the algorithm of slack.NewSecretsVerifier with the clock injected:
// slack-go reads time.Now itself, so neither a fake clock nor Slack's
// published test vector (from 2018) could be checked through it.
func Verify(header http.Header, body []byte, secret string, now time.Time) error {
	sig := header.Get("X-Slack-Signature")
	ts := header.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" || secret == "" {
		return ErrMissingSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return ErrStaleSignature
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// verified lets a request through only with a valid signature seen for
// the first time, with its body restored for parsing. Anything else gets
// 401 and does nothing. A signature covers the timestamp and the whole
// body, so a request is let through once however often it is sent within
// its five minutes: Slack itself does not resend slash commands or
// interactions, and whoever does is replaying one.
//
// When the signature memory cannot be reached (Redis down) the request is
// let through on its signature and timestamp alone, with a warning: Redis
// is soft state, and staff must be able to work while it is away.
func (a *Adapter) verified(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := Verify(r.Header, body, a.cfg.SigningSecret, a.cfg.Now()); err != nil {
			a.log.Warn("slack request refused", "path", r.URL.Path, "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if a.cfg.Replays != nil {
			sig := r.Header.Get("X-Slack-Signature")
			sec, _ := strconv.ParseInt(r.Header.Get("X-Slack-Request-Timestamp"), 10, 64) // Verify checked it
			ttl := time.Unix(sec, 0).Add(replayWindow).Sub(a.cfg.Now())
			first, err := a.cfg.Replays.First(r.Context(), sig, ttl)
			switch {
			case err != nil:
				a.log.Warn("slack: replay check unavailable, request let through on its signature", "path", r.URL.Path, "err", err)
			case !first:
				a.log.Warn("slack request refused", "path", r.URL.Path, "err", ErrReplayed)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
