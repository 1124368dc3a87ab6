package dialog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// TestMessageIDsExist finds every message id the dialog passes to the
// printer (or keeps as a note) in its source and checks that both languages
// define it: a typo would otherwise show the citizen a raw id.
func TestMessageIDsExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	ids := map[string]token.Position{}
	lit := func(e ast.Expr) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			if s, err := strconv.Unquote(b.Value); err == nil && s != "" {
				ids[s] = fset.Position(b.Pos())
			}
		}
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && len(n.Args) > 0 {
					switch sel.Sel.Name {
					case "t", "T", "N", "reprompt", "removeKeyboard":
						lit(n.Args[0])
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && (sel.Sel.Name == "note" || sel.Sel.Name == "id") && i < len(n.Rhs) {
						lit(n.Rhs[i])
					}
				}
			case *ast.CompositeLit:
				// A limit names its note first: limit{"LimitTotal", …}.
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "limit" && len(n.Elts) > 0 {
					lit(n.Elts[0])
				}
			}
			return true
		})
	}
	if len(ids) < 40 {
		t.Fatalf("found only %d message ids; is the scan broken?", len(ids))
	}
	for id, pos := range ids {
		for _, l := range []booking.Lang{booking.Greek, booking.English} {
			if !locales.For(l).Has(id) {
				t.Errorf("%s: message %q missing in %s", pos, id, l)
			}
		}
	}
}
