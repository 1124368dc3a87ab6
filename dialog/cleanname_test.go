package dialog

import "testing"

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"  Μαρία   Παπαδοπούλου ": "Μαρία Παπαδοπούλου",
		"John Smith":            "John Smith",
		"Μαρία\x00Παπαδοπούλου": "",
		"Μαρία\x07":             "",
		"Μαρία \xff\xfe":        "",
		"6912345678":            "",
		"Μ":                     "",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
