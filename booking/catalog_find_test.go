package booking

import "testing"

func TestFindDepartment(t *testing.T) {
	c := DefaultCatalog()
	for _, tc := range []struct{ typed, want string }{
		{"civil-registry", "civil-registry"},
		{"CIVIL-REGISTRY", "civil-registry"},
		{"Δημοτολόγιο", "civil-registry"},
		{"δημοτολογιο", "civil-registry"},
		{"ΔΗΜΟΤΟΛΟΓΙΟ", "civil-registry"},
		{"Civil Registry", "civil-registry"},
		{"civil registry", "civil-registry"},
		{"γενικο  πρωτοκολλο", "general-protocol"},
		{"Τμήμα Διαφάνειας", "transparency"},
		{"ΤΜΗΜΑ ΔΙΑΦΑΝΕΙΑΣ", "transparency"}, // a capital sigma lowers to σ, not ς
		{"ληξιαρχειο", "registry-office"},
		{"", ""},
		{"δημοτολογ", ""},
		{"registry", ""},
	} {
		d, ok := c.FindDepartment(tc.typed)
		got := ""
		if ok {
			got = d.Code
		}
		if got != tc.want {
			t.Errorf("FindDepartment(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}

func FuzzFindDepartment(f *testing.F) {
	c := DefaultCatalog()
	for _, s := range []string{"Δημοτολόγιο", "civil registry", "ΤΜΗΜΑ ΔΙΑΦΑΝΕΙΑΣ", "\xff", "ΐ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := c.FindDepartment(s)
		if ok && foldName(s) != foldName(d.Code) && foldName(s) != foldName(d.Name.EL) && foldName(s) != foldName(d.Name.EN) {
			t.Fatalf("%q found %s", s, d.Code)
		}
		if foldName(foldName(s)) != foldName(s) {
			t.Fatalf("folding %q twice differs", s)
		}
	})
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"ΑΥΡΙΟ":        "αυριο",
		"αύριο":        "αυριο",
		"Αύριο":        "αυριο",
		"Δημοτολόγιο":  "δημοτολογιο",
		"ΐ ΰ Ϊ":        "ι υ ι", // dialytika with and without tonos
		"Γενικός":      "γενικοσ",
		"Ληξιαρχείο":   "ληξιαρχειο",
		" two  words ": " two  words ", // spaces kept: fold's callers need them
		"Café":         "cafe",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"  Γενικό-Πρωτόκολλο_x ": "γενικο πρωτοκολλο x",
		"civil--registry":        "civil registry",
		"-_ ":                    "",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}
