package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Signatures remembers the Slack request signatures already accepted, so
// that a signed request captured and sent again while its timestamp is
// still within Slack's five minutes is refused, by whichever replica it
// reaches. Each signature is one key, prefix:{slack:SIG}:seen, set with
// SET NX and kept until the request could no longer pass the timestamp
// check anyway; the hash tag spreads the keys over a Cluster's nodes.
type Signatures struct {
	client goredis.UniversalClient
	prefix string
}

// NewSignatures returns the signature memory over client under prefix.
func NewSignatures(client goredis.UniversalClient, prefix string) *Signatures {
	return &Signatures{client: client, prefix: prefix}
}

// Key returns the Redis key that remembers signature.
func (s *Signatures) Key(signature string) string {
	return s.prefix + ":{slack:" + signature + "}:seen"
}

// First records signature for ttl and reports whether it is the first time
// it is seen: one command, so of any number of concurrent callers exactly
// one gets true.
func (s *Signatures) First(ctx context.Context, signature string, ttl time.Duration) (bool, error) {
	ttl = max(ttl, time.Second)
	err := s.client.SetArgs(ctx, s.Key(signature), "1", goredis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, goredis.Nil):
		return false, nil
	}
	return false, fmt.Errorf("redis: remember slack signature: %w", err)
}
