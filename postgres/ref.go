package postgres

import (
	"crypto/rand"
	"math/big"
)

// refAlphabet leaves out 0/O, 1/I/L so a code read aloud on the phone or
// copied from a screen cannot be misread.
const refAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// refLen gives 31^6 ≈ 887 million codes: collisions are rare and retried.
const refLen = 6

// newRef returns a random reference code.
func newRef() (string, error) {
	max := big.NewInt(int64(len(refAlphabet)))
	b := make([]byte, refLen)
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = refAlphabet[n.Int64()]
	}
	return string(b), nil
}
