package booking

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FindDepartment returns the department that s names: its code, or its
// Greek or English name, as staff type them, in any case, with or without
// accents (Greek keyboards make the tonos an extra key, so «δημοτολογιο»
// is as likely as «Δημοτολόγιο»), with spaces or hyphens between words.
func (c *Catalog) FindDepartment(s string) (*Department, bool) {
	want := foldName(s)
	if want == "" {
		return nil, false
	}
	for i := range c.Departments {
		d := &c.Departments[i]
		if foldName(d.Code) == want || foldName(d.Name.EL) == want || foldName(d.Name.EN) == want {
			return d, true
		}
	}
	return nil, false
}

// Fold is s for comparing what people type with what the office calls
// things: lower case, without the tonos, the dialytika or any other
// accent, the final sigma as any other, so that «ΑΥΡΙΟ», «αύριο» and
// «Αύριο» fold alike, as do «δημοτολογιο» and «Δημοτολόγιο» (Greek
// keyboards make the tonos an extra key). Spaces are kept as they are.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ς':
			b.WriteRune('σ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldName is s for comparing names: Fold, with words separated by single
// spaces, hyphens and underscores counting as spaces.
func foldName(s string) string {
	return strings.Join(strings.FieldsFunc(Fold(s), func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '_'
	}), " ")
}
