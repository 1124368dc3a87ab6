package main

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestEnvExampleListsExactlyTheConfig: .env.example is what operators copy;
// a variable missing from it is never found, one LoadConfig does not read is
// set in vain.
func TestEnvExampleListsExactlyTheConfig(t *testing.T) {
	var read []string
	if _, err := LoadConfig(func(name string) string {
		read = append(read, name)
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var listed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf(".env.example: %q is not NAME=value", line)
			continue
		}
		listed = append(listed, name)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range read {
		if !slices.Contains(listed, name) {
			t.Errorf("LoadConfig reads %s; .env.example does not list it", name)
		}
	}
	for _, name := range listed {
		if !slices.Contains(read, name) {
			t.Errorf(".env.example lists %s; LoadConfig does not read it", name)
		}
	}
}
