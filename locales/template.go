package locales

import (
	"strconv"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

// substitution is the template parser the printers give go-i18n. The
// messages' templates only put a field in ({{.Name}}) and choose a part by
// one ({{if .Address}}…{{else}}…{{end}}); it runs those itself, on the
// map of data every message gets, and leaves anything else to
// text/template, as go-i18n would: a template it does not know, data
// that is not a map, a value that is not a string, a whole number or a
// truth value. text/template walked each message by reflection, and was
// a thirtieth of the server's CPU at 200 citizens. The output is
// text/template's to the byte (TestSubstitutionIsTextTemplate).
type substitution struct{}

func (substitution) Cacheable() bool { return true }

func (substitution) Parse(src, left, right string) (template.ParsedTemplate, error) {
	if left == "" {
		left = "{{"
	}
	if right == "" {
		right = "}}"
	}
	fallback := &textFallback{src: src, left: left, right: right}
	p := &substParser{src: src, left: left, right: right, ok: true}
	nodes, end := p.parse()
	if !p.ok || end != "" {
		return fallback.parsed()
	}
	return &substTemplate{nodes: nodes, fallback: fallback}, nil
}

// substNode is literal text, a field put in, or a choice by a field.
type substNode struct {
	text      string
	field     string // put in; or, with then/otherwise, the one chosen by
	choice    bool
	then, els []substNode
}

// substParser reads a template's actions; ok false when one is not of
// the kinds substitution runs.
type substParser struct {
	src, left, right string
	at               int
	ok               bool
}

// parse reads nodes up to the end of the template, or to an {{else}} or
// {{end}}, which it returns.
func (p *substParser) parse() (nodes []substNode, end string) {
	for p.ok {
		i := strings.Index(p.src[p.at:], p.left)
		if i < 0 {
			if p.at < len(p.src) {
				nodes = append(nodes, substNode{text: p.src[p.at:]})
			}
			p.at = len(p.src)
			return nodes, ""
		}
		if i > 0 {
			nodes = append(nodes, substNode{text: p.src[p.at : p.at+i]})
		}
		start := p.at + i + len(p.left)
		j := strings.Index(p.src[start:], p.right)
		if j < 0 {
			p.ok = false
			return nil, ""
		}
		action := p.src[start : start+j]
		p.at = start + j + len(p.right)
		switch {
		case action == "else" || action == "end":
			return nodes, action
		case strings.HasPrefix(action, "if "):
			field, ok := fieldOf(action[len("if "):])
			if !ok {
				p.ok = false
				return nil, ""
			}
			then, end := p.parse()
			var els []substNode
			if p.ok && end == "else" {
				els, end = p.parse()
			}
			if !p.ok || end != "end" {
				p.ok = false
				return nil, ""
			}
			nodes = append(nodes, substNode{field: field, choice: true, then: then, els: els})
		default:
			field, ok := fieldOf(action)
			if !ok {
				p.ok = false
				return nil, ""
			}
			nodes = append(nodes, substNode{field: field})
		}
	}
	return nil, ""
}

// fieldOf returns Name of ".Name", a field of the data and nothing else.
func fieldOf(s string) (string, bool) {
	if len(s) < 2 || s[0] != '.' {
		return "", false
	}
	for _, r := range s[1:] {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", false
		}
	}
	return s[1:], true
}

type substTemplate struct {
	nodes    []substNode
	fallback *textFallback
}

func (t *substTemplate) Execute(data any) (string, error) {
	m, ok := data.(map[string]any)
	if !ok && data != nil {
		return t.fallback.execute(data)
	}
	var b strings.Builder
	if !run(&b, t.nodes, m) {
		return t.fallback.execute(data)
	}
	return b.String(), nil
}

// run writes nodes with data m; false when a value is of a kind it leaves
// to text/template.
func run(b *strings.Builder, nodes []substNode, m map[string]any) bool {
	for _, n := range nodes {
		switch {
		case n.choice:
			truth, ok := isTrue(m, n.field)
			if !ok {
				return false
			}
			part := n.els
			if truth {
				part = n.then
			}
			if !run(b, part, m) {
				return false
			}
		case n.field != "":
			v, found := m[n.field]
			if !found {
				b.WriteString("<no value>") // text/template's missingkey=default
				continue
			}
			switch v := v.(type) {
			case string:
				b.WriteString(v)
			case int:
				b.WriteString(strconv.Itoa(v))
			case bool:
				b.WriteString(strconv.FormatBool(v))
			default:
				return false
			}
		default:
			b.WriteString(n.text)
		}
	}
	return true
}

// isTrue is text/template's truth of field in m: a missing field is false.
func isTrue(m map[string]any, field string) (truth, ok bool) {
	v, found := m[field]
	if !found {
		return false, true
	}
	switch v := v.(type) {
	case string:
		return v != "", true
	case int:
		return v != 0, true
	case bool:
		return v, true
	}
	return false, false
}

// textFallback is the template as text/template runs it, parsed when first
// needed.
type textFallback struct {
	src, left, right string
	once             sync.Once
	tmpl             template.ParsedTemplate
	err              error
}

func (f *textFallback) parsed() (template.ParsedTemplate, error) {
	f.once.Do(func() { f.tmpl, f.err = (&template.TextParser{}).Parse(f.src, f.left, f.right) })
	return f.tmpl, f.err
}

func (f *textFallback) execute(data any) (string, error) {
	t, err := f.parsed()
	if err != nil {
		return "", err
	}
	return t.Execute(data)
}
