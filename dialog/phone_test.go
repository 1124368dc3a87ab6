package dialog

import "testing"

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
		{"6812345678", ""},      // not a mobile prefix
		{"1234567890", ""},      // neither mobile nor landline
		{"691234567", ""},       // nine digits
		{"69123456789", ""},     // eleven digits
		{"+44 7700 900123", ""}, // foreign, typed
		{"69l2345678", ""},      // a letter
		{"6912+345678", ""},     // plus in the middle
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
		got, ok := contactPhone(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("contactPhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
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
		if len(got) != 13 || got[:3] != "+30" || (got[3] != '2' && got[3:5] != "69") {
			t.Fatalf("ParsePhone(%q) = %q", s, got)
		}
		again, ok := ParsePhone(got)
		if !ok || again != got {
			t.Fatalf("normalised %q does not re-parse: %q", got, again)
		}
	})
}
