package booking

import (
	"strings"
	"testing"
)

func TestFormatPhone(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Mobile", "+306912345678", "+30 691 234 5678"},
		{"ThessalonikiLandline", "+302313317777", "+30 231 331 7777"},
		{"AthensLandline", "+302101234567", "+30 210 123 4567"},
		{"CatalogLandline", "2313317777", "231 331 7777"},
		{"CatalogMobile", "6912345678", "691 234 5678"},
		{"ForeignGerman", "+4915112345678", "+4915112345678"},
		{"ForeignUK", "+447911123456", "+447911123456"},
		{"GreekTooShort", "+30691234567", "+30691234567"},
		{"GreekTooLong", "+3069123456789", "+3069123456789"},
		{"GreekNotMobileOrLandline", "+301234567890", "+301234567890"},
		{"AlreadySpaced", "+30 691 234 5678", "+30 691 234 5678"},
		{"Letters", "+30691234567x", "+30691234567x"},
		{"BareNotGreek", "1234567890", "1234567890"},
		{"Empty", "", ""},
		{"Dash", "—", "—"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatPhone(tc.in); got != tc.want {
				t.Errorf("FormatPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzFormatPhone checks that formatting never panics and only ever adds
// spaces: taking them out gives back what was stored.
func FuzzFormatPhone(f *testing.F) {
	for _, s := range []string{"+306912345678", "+302313317777", "2313317777", "+4915112345678", "", "+30", "+30 69", "69"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := FormatPhone(s)
		if strings.Contains(s, " ") {
			if got != s {
				t.Fatalf("FormatPhone(%q) = %q, changed a number that already has spaces", s, got)
			}
			return
		}
		if back := strings.ReplaceAll(got, " ", ""); back != s {
			t.Fatalf("FormatPhone(%q) = %q; without spaces %q", s, got, back)
		}
		if got == s {
			return
		}
		groups := strings.Split(strings.TrimPrefix(got, "+30 "), " ")
		if len(groups) != 3 || len(groups[0]) != 3 || len(groups[1]) != 3 || len(groups[2]) != 4 {
			t.Fatalf("FormatPhone(%q) = %q, not grouped 3-3-4", s, got)
		}
	})
}
