package bot

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts under testdata")

// checkGolden compares a chat's transcript with testdata/name.golden, after
// replacing the random booking references by REF-1, REF-2… in order of
// appearance. With -update it rewrites the file instead.
func (e *e2e) checkGolden(t testing.TB, chat int64, name string) {
	t.Helper()
	got := e.transcript(chat)
	n := 0
	for _, ref := range e.refs(t) {
		if strings.Contains(got, ref) {
			n++
			got = strings.ReplaceAll(got, ref, "REF-"+strconv.Itoa(n))
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (go test ./bot -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
