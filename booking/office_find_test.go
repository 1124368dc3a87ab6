package booking

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFindQuery checks the two readings of a staff search: a reference
// code is exactly six ASCII letters or digits, and a cleaned phone number
// keeps no separators and is stable when cleaned again.
func FuzzFindQuery(f *testing.F) {
	for _, s := range []string{"K7P4QX", "k7p4qx", "69 1234 5678", "+30 (231) 331-7777", "ΑΒΓΔΕΖ", "", "1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if looksLikeRef(s) {
			if len(s) != 6 || !utf8.ValidString(s) || strings.ToUpper(s) != strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' {
					return r - 'a' + 'A'
				}
				return r
			}, s) {
				t.Fatalf("looksLikeRef(%q) but it is not six ASCII letters or digits", s)
			}
		}
		p := normalizePhone(s)
		if strings.ContainsAny(p, " -.()") {
			t.Fatalf("normalizePhone(%q) = %q keeps a separator", s, p)
		}
		if normalizePhone(p) != p {
			t.Fatalf("normalizePhone not stable on %q", s)
		}
	})
}
