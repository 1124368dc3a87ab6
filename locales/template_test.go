package locales

import (
	"sort"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"

	"github.com/rantevou/rantevou/booking"
)

// sources returns every template of both message files, each form apart.
func sources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, lang := range []booking.Lang{booking.Greek, booking.English} {
		var m map[string]any
		if _, err := toml.DecodeFS(Files(), "active."+string(lang)+".toml", &m); err != nil {
			t.Fatal(err)
		}
		for id, v := range m {
			switch v := v.(type) {
			case string:
				out[string(lang)+"/"+id] = v
			case map[string]any:
				for form, s := range v {
					if s, ok := s.(string); ok && form != "description" && form != "hash" {
						out[string(lang)+"/"+id+"/"+form] = s
					}
				}
			}
		}
	}
	return out
}

// dataSets are the data every template is run with: realistic, none,
// every value zero (empty, 0, false), and half of the fields missing.
func dataSets() map[string]any {
	zero, half := map[string]any{}, map[string]any{}
	keys := make([]string, 0, len(realistic))
	for k := range realistic {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		switch realistic[k].(type) {
		case string:
			zero[k] = ""
		case int:
			zero[k] = 0
		case bool:
			zero[k] = false
		}
		if i%2 == 0 {
			half[k] = realistic[k]
		}
	}
	return map[string]any{"realistic": realistic, "empty map": map[string]any{}, "nil": nil, "zero": zero, "half": half}
}

// TestSubstitutionIsTextTemplate runs every template of the message files
// through substitution and through text/template (go-i18n's TextParser)
// with the same data, and wants the same text; and wants substitution to
// run each of them itself, not leave it to text/template.
func TestSubstitutionIsTextTemplate(t *testing.T) {
	srcs := sources(t)
	if len(srcs) < 100 {
		t.Fatalf("%d templates in the message files; want them all", len(srcs))
	}
	for name, src := range srcs {
		got, err := substitution{}.Parse(src, "", "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := got.(*substTemplate); !ok {
			t.Errorf("%s is left to text/template: %q", name, src)
		}
		want, err := (&template.TextParser{}).Parse(src, "", "")
		if err != nil {
			t.Fatalf("%s: text/template: %v", name, err)
		}
		for what, data := range dataSets() {
			g, gerr := got.Execute(data)
			w, werr := want.Execute(data)
			if g != w || (gerr == nil) != (werr == nil) {
				t.Errorf("%s with %s data: %q (%v); text/template %q (%v)", name, what, g, gerr, w, werr)
			}
		}
	}
}

// TestSubstitutionLeavesTheRestToTextTemplate: what substitution does not
// run itself comes out as text/template's.
func TestSubstitutionLeavesTheRestToTextTemplate(t *testing.T) {
	for _, c := range []struct {
		src  string
		data any
	}{
		{`{{.X | printf "%q"}}`, map[string]any{"X": "a"}},
		{`a {{- .X}}`, map[string]any{"X": "b"}},
		{`{{if .X}}yes{{end}}`, map[string]any{"X": []int{1}}},
		{`{{.X}}`, map[string]any{"X": 1.5}},
		{`{{.X}}`, map[string]any{"X": nil}},
		{`{{.X}}`, struct{ X string }{"s"}},
		{`{{if .X}}a{{else}}b{{end}} {{.Y}}`, map[string]any{"X": 0, "Y": true}},
		{`{{with .X}}{{.}}{{end}}`, map[string]any{"X": "w"}},
		{`{{if .X}}unclosed`, map[string]any{"X": "w"}},
		{`{{end}}`, nil},
	} {
		got, gerr := substitution{}.Parse(c.src, "", "")
		want, werr := (&template.TextParser{}).Parse(c.src, "", "")
		if (gerr == nil) != (werr == nil) {
			t.Errorf("%q: parse %v; text/template %v", c.src, gerr, werr)
			continue
		}
		if gerr != nil {
			continue
		}
		g, gerr := got.Execute(c.data)
		w, werr := want.Execute(c.data)
		if g != w || (gerr == nil) != (werr == nil) {
			t.Errorf("%q with %v: %q (%v); text/template %q (%v)", c.src, c.data, g, gerr, w, werr)
		}
	}
	if !(substitution{}).Cacheable() {
		t.Error("substitution's templates must be cacheable: go-i18n parses each once")
	}
}
