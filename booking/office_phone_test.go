package booking

import "testing"

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
