package dialog

import "strings"

// ParsePhone validates a typed Greek phone number and returns it as
// +30XXXXXXXXXX. It accepts a mobile (69xxxxxxxx) or a landline
// (2xxxxxxxxx), ten digits, with an optional +30 or 0030 prefix, and spaces,
// dashes, dots or parentheses anywhere, as people write them.
func ParsePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+30"):
		d = d[3:]
	case strings.HasPrefix(d, "0030"):
		d = d[4:]
	case strings.HasPrefix(d, "+"):
		return "", false
	}
	if len(d) != 10 {
		return "", false
	}
	if !strings.HasPrefix(d, "69") && d[0] != '2' {
		return "", false
	}
	return "+30" + d, true
}

// contactPhone normalises the number of a contact Telegram shared. Telegram
// vouches for it and sends it without "+" ("306912345678"); a Greek number is
// checked like a typed one, a foreign one is kept in international form so
// that residents with a foreign SIM can still book.
func contactPhone(s string) (string, bool) {
	d := strings.TrimPrefix(strings.TrimSpace(s), "+")
	if len(d) < 8 || len(d) > 15 {
		return "", false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	if strings.HasPrefix(d, "30") {
		return ParsePhone("+" + d)
	}
	return "+" + d, true
}
