package booking

import "strings"

// A booking keeps its citizen's phone number in one stored form: a Greek
// number as +30 and ten digits, a foreign one as + and its digits. This
// file holds every rule about numbers: what a citizen may type
// (ParsePhone), what Telegram's shared contact gives (ContactPhone), how
// staff search for one (normalizePhone), and how one is shown
// (FormatPhone).

// ParsePhone validates a phone number as a citizen types it and returns
// it in the stored form. A Greek number is a mobile (69xxxxxxxx) or a
// landline (2xxxxxxxxx), ten digits, with an optional +30 or 0030 prefix,
// stored as +30XXXXXXXXXX. A foreign number must be written in full
// international form, + or 00 and the country code (+44 7700 900123), as a
// resident with a foreign SIM would share it as a contact; it is checked
// as ContactPhone checks a shared one. Spaces, dashes, dots or parentheses
// may stand anywhere, as people write them.
func ParsePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case isSeparator(r):
		default:
			return "", false
		}
	}
	d := b.String()
	international := false
	switch {
	case strings.HasPrefix(d, "+"):
		d, international = d[1:], true
	case strings.HasPrefix(d, "00"):
		d, international = d[2:], true
	}
	if national, greek := strings.CutPrefix(d, "30"); international && !greek {
		if d == "" || d[0] == '0' {
			return "", false // no country code begins with 0
		}
		return ContactPhone(d)
	} else if international {
		d = national
	}
	if !greekNational(d) {
		return "", false
	}
	return "+30" + d, true
}

// ContactPhone returns the number of a contact Telegram shared in the
// stored form. Telegram vouches for it and sends it without "+"
// ("306912345678"); a Greek number is checked like a typed one, a foreign
// one is kept in international form so that residents with a foreign SIM
// can still book.
func ContactPhone(s string) (string, bool) {
	d := strings.TrimPrefix(strings.TrimSpace(s), "+")
	if len(d) < 8 || len(d) > 15 || !allDigits(d) {
		return "", false
	}
	if national, greek := strings.CutPrefix(d, "30"); greek && !greekNational(national) {
		return "", false
	}
	return "+" + d, true
}

// normalizePhone puts a number as staff type it into a search into the
// stored form: read as a citizen would type it, else as a contact would
// share it (which also covers 00 for +). Anything else comes back without
// its separators, so a query that is no phone number finds nothing.
func normalizePhone(s string) string {
	if p, ok := ParsePhone(s); ok {
		return p
	}
	d := stripSeparators(s)
	if rest, ok := strings.CutPrefix(d, "00"); ok && rest != "" {
		d = "+" + rest
	}
	if p, ok := ContactPhone(d); ok {
		return p
	}
	return d
}

// FormatPhone returns a phone number as people read it aloud, for showing
// to citizens and staff: a Greek number stored as +30 and ten digits becomes
// "+30 691 234 5678" (mobiles and landlines alike are grouped 3-3-4), and a
// bare ten-digit Greek number, as the catalog lists the departments' own,
// becomes "231 331 7777". Anything else (a foreign number, something odd) is
// returned as it is. It only ever inserts spaces, so the stored form is what
// remains when they are taken out again; storage and look-ups keep using
// the stored form.
func FormatPhone(stored string) string {
	if national, ok := strings.CutPrefix(stored, "+30"); ok && greekNational(national) {
		return "+30 " + group334(national)
	}
	if greekNational(stored) {
		return group334(stored)
	}
	return stored
}

// greekNational says whether d is a Greek number without its country code:
// ten digits, a landline starting with 2 or a mobile with 69 (the only
// ranges citizens can book with).
func greekNational(d string) bool {
	return len(d) == 10 && allDigits(d) && (d[0] == '2' || d[:2] == "69")
}

// group334 spaces ten digits as 3-3-4.
func group334(d string) string {
	return d[:3] + " " + d[3:6] + " " + d[6:]
}

// isSeparator reports whether r is one of the characters people type
// inside phone numbers: spaces (a no-break one too), dots, dashes and
// brackets.
func isSeparator(r rune) bool {
	return r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0'
}

// stripSeparators drops the separators from s.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
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
