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

// foldName is s for comparing names: lower case, without diacritics, the
// final sigma as any other, words separated by single spaces.
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // the tonos, the dialytika, any accent
		case unicode.IsSpace(r) || r == '-' || r == '_':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		r = unicode.ToLower(r)
		if r == 'ς' {
			r = 'σ'
		}
		b.WriteRune(r)
	}
	return b.String()
}
