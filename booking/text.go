package booking

import (
	"unicode"
	"unicode/utf8"
)

// plainText reports whether s is text a person could have typed: valid
// UTF-8 with no control characters but tabs and line breaks. PostgreSQL
// refuses a NUL in text outright and the rest have no place in a
// reference, a phone number or a reason a citizen will read, so anything
// else is refused as invalid input before it reaches the store, instead
// of failing there as an internal error.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
