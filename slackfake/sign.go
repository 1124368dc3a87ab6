package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// sign is Slack's v0 scheme: hex HMAC-SHA256 of "v0:ts:body".
func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
