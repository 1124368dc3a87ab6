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

func TestParsePhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"6912345678", "+306912345678"},
		{"69 1234 5678", "+306912345678"},
		{"691-234-5678", "+306912345678"},
		{"+30 691 234 5678", "+306912345678"},
		{"0030 6912345678", "+306912345678"},
		{"2310 123 456", "+302310123456"},
		{"(2310) 123-456", "+302310123456"},
		{"2313317777", "+302313317777"},
		{"6812345678", ""},                   // not a mobile prefix
		{"1234567890", ""},                   // neither mobile nor landline
		{"691234567", ""},                    // nine digits
		{"69123456789", ""},                  // eleven digits
		{"+44 7700 900123", "+447700900123"}, // foreign, in full international form
		{"0044 7700 900123", "+447700900123"},
		{"+49 (151) 2345-6789", "+4915123456789"},
		{"+0 123 456 789", ""},         // no country code begins with 0
		{"+44 12", ""},                 // too short for any country
		{"+1 234 567 890 123 456", ""}, // longer than E.164's 15 digits
		{"+30 681 234 5678", ""},       // +30 is Greek: the Greek rules apply
		{"7700 900123", ""},            // foreign without its country code
		{"69l2345678", ""},             // a letter
		{"6912+345678", ""},            // plus in the middle
		{"", ""},
	} {
		got, ok := ParsePhone(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestContactPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"306912345678", "+306912345678"},
		{"+306912345678", "+306912345678"},
		{"447700900123", "+447700900123"}, // a foreign SIM, vouched for by Telegram
		{"301234", ""},
		{"30681234567", ""},
		{"abc", ""},
	} {
		got, ok := ContactPhone(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ContactPhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"6912345678", "+30 2310 123456", "0030-69-1234-5678", "12", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParsePhone(s)
		if !ok {
			return
		}
		greek := len(got) == 13 && got[:3] == "+30" && (got[3] == '2' || got[3:5] == "69")
		foreign := got[0] == '+' && got[1] != '0' && !strings.HasPrefix(got, "+30") && len(got) >= 9 && len(got) <= 16 && allDigits(got[1:])
		if !greek && !foreign {
			t.Fatalf("ParsePhone(%q) = %q", s, got)
		}
		again, ok := ParsePhone(got)
		if !ok || again != got {
			t.Fatalf("normalised %q does not re-parse: %q", got, again)
		}
	})
}

// TestNormalizePhone checks that a staff search by phone finds bookings,
// which store Greek numbers as +30XXXXXXXXXX, however the number is typed.
func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"NationalMobile", "6912345678", "+306912345678"},
		{"NationalLandline", "2310 123 456", "+302310123456"},
		{"InternationalWithSpaces", "+30 691 234 5678", "+306912345678"},
		{"DoubleZeroPrefix", "00306912345678", "+306912345678"},
		{"AsTelegramSharesIt", "306912345678", "+306912345678"},
		{"DashesAndBrackets", "(+30) 691-234-5678", "+306912345678"},
		{"NoBreakSpace", "691\u00a0234\u00a05678", "+306912345678"},
		{"ForeignKept", "+44 7700 900123", "+447700900123"},
		{"ForeignDoubleZero", "0044 7700 900123", "+447700900123"},
		{"ShortNumberUntouched", "12345", "12345"},
		{"NotANumberUntouched", "K7P4QX", "K7P4QX"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := normalizePhone(tc.in); got != tc.want {
				t.Fatalf("normalizePhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
