package booking

import "strings"

// normalizePhone puts a phone number the way staff type it into the form
// bookings store it: Greek numbers as +30XXXXXXXXXX, whether written
// 6912345678, +30 691 234 5678 or 00306912345678, and other international
// numbers as +CC…. Separators (spaces, dots, dashes, brackets) are dropped;
// anything else is kept, so a query that is no phone number finds nothing.
// It mirrors dialog.ParsePhone, which booking cannot import.
func normalizePhone(s string) string {
	d := stripSeparators(s)
	if rest, ok := strings.CutPrefix(d, "00"); ok && rest != "" {
		d = "+" + rest
	}
	if len(d) == 10 && allDigits(d) && (strings.HasPrefix(d, "69") || d[0] == '2') {
		return "+30" + d
	}
	if len(d) == 12 && strings.HasPrefix(d, "30") && allDigits(d) {
		return "+" + d // as Telegram shares a contact's number
	}
	return d
}

// stripSeparators drops the spaces, dots, dashes and brackets people type
// inside phone numbers.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
