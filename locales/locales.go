// Package locales owns every citizen-facing string of rantevou, in Greek and
// English, as go-i18n message files embedded into the binary, and the
// language-aware formatting of dates and times («Δευτέρα 3 Μαΐου», 09:30).
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/rantevou/rantevou/booking"
)

//go:embed active.*.toml
var files embed.FS

var (
	loadOnce sync.Once
	bundle   *i18n.Bundle
	loadErr  error
	ids      map[booking.Lang][]string
)

func load() {
	bundle = i18n.NewBundle(language.Greek)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	ids = map[booking.Lang][]string{}
	for _, l := range []booking.Lang{booking.Greek, booking.English} {
		name := "active." + string(l) + ".toml"
		mf, err := bundle.LoadMessageFileFS(files, name)
		if err != nil {
			loadErr = fmt.Errorf("locales: load %s: %w", name, err)
			return
		}
		for _, m := range mf.Messages {
			ids[l] = append(ids[l], m.ID)
		}
		sort.Strings(ids[l])
	}
}

// Bundle returns the go-i18n bundle with both languages loaded. It panics if
// the embedded files do not parse, which a test catches before release.
func Bundle() *i18n.Bundle {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return bundle
}

// IDs returns the message ids defined in lang's file, sorted.
func IDs(lang booking.Lang) []string {
	Bundle()
	return append([]string(nil), ids[lang]...)
}

// Files returns the embedded message files, for tests and tools.
func Files() fs.FS { return files }

// Printer renders messages, dates and times in one language.
type Printer struct {
	lang booking.Lang
	loc  *i18n.Localizer
	// plain keeps the messages rendered without data (buttons, prompts),
	// id → text: every screen shows a dozen, and each is otherwise a
	// template run. The messages are fixed once loaded, so it only grows
	// to the number of their ids.
	plain sync.Map
}

var (
	printersMu sync.Mutex
	printers   = map[booking.Lang]*Printer{}
)

// For returns the Printer of lang; any language other than English is Greek.
func For(lang booking.Lang) *Printer {
	if lang != booking.English {
		lang = booking.Greek
	}
	printersMu.Lock()
	defer printersMu.Unlock()
	if p, ok := printers[lang]; ok {
		return p
	}
	p := &Printer{lang: lang, loc: i18n.NewLocalizer(Bundle(), string(lang))}
	printers[lang] = p
	return p
}

// Lang returns the printer's language.
func (p *Printer) Lang() booking.Lang { return p.lang }

// T renders message id with data, a map of template fields or nil. A missing
// id renders as the id itself, so a mistake shows up in tests and never as an
// empty message.
func (p *Printer) T(id string, data map[string]any) string {
	if data == nil {
		if s, ok := p.plain.Load(id); ok {
			return s.(string)
		}
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, TemplateParser: substitution{}})
	if err != nil || s == "" {
		s = id
	}
	if data == nil {
		p.plain.Store(id, s)
	}
	return s
}

// N renders message id in the plural form for count; data may be nil and
// gets a Count field.
func (p *Printer) N(id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count, TemplateParser: substitution{}})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Has reports whether id exists in the printer's language.
func (p *Printer) Has(id string) bool {
	Bundle()
	i := sort.SearchStrings(ids[p.lang], id)
	return i < len(ids[p.lang]) && ids[p.lang][i] == id
}
