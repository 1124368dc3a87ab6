package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/postgres/pgtest"
)

// testEnv runs commands against a fresh database with the clock fixed at
// Monday 30 November 2026, 07:00 in Thessaloniki.
func testEnv(t *testing.T) (cmdEnv, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	pool := pgtest.New(t)
	url := pgtest.URLOf(pool)
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	return cmdEnv{
		stdout: &out, stderr: &errb,
		getenv: func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		},
		now: func() time.Time { return time.Date(2026, 11, 30, 7, 0, 0, 0, athens) },
	}, &out, &errb
}

func TestSlots(t *testing.T) {
	e, out, _ := testEnv(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		args  []string
		first string
		last  string
		lines int
	}{
		{"Department", []string{"-department", "civil-registry", "-date", "2026-12-01"}, "08:00", "13:45", 24},
		{"ServiceOfThirtyMinutes", []string{"-department", "civil-registry", "-date", "2026-12-01", "-service", "transfer"}, "08:00", "13:30", 23},
		{"TodayAfterNotice", []string{"-department", "civil-registry", "-date", "2026-11-30"}, "09:00", "13:45", 20},
		{"Holiday", []string{"-department", "civil-registry", "-date", "2026-12-25"}, "closed: Χριστούγεννα / Christmas Day", "", 1},
		{"Weekend", []string{"-department", "transparency", "-date", "2026-12-05"}, "closed: Κλειστά τα Σαββατοκύριακα / Closed at weekends", "", 1},
		{"Past", []string{"-department", "civil-registry", "-date", "2026-11-27"}, "past: 2026-11-27 has passed (today is 2026-11-30)", "", 1},
		{"BeyondHorizon", []string{"-department", "civil-registry", "-date", "2027-01-05", "-service", "transfer"},
			"beyond the horizon: bookings open 30 days ahead, until 2026-12-30", "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			if err := commands["slots"].run(ctx, e, tc.args); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != tc.lines || lines[0] != tc.first || (tc.last != "" && lines[len(lines)-1] != tc.last) {
				t.Fatalf("output %q: want %d lines from %q to %q", lines, tc.lines, tc.first, tc.last)
			}
		})
	}
	t.Run("TodayAfterTheLastStart", func(t *testing.T) {
		late := e
		late.now = func() time.Time { return e.now().Add(6*time.Hour + 30*time.Minute) } // 13:30
		out.Reset()
		if err := commands["slots"].run(ctx, late, []string{"-department", "civil-registry", "-date", "2026-11-30"}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()); got != "full: no free slots from 15:30 on (min_notice 2h)" {
			t.Fatalf("output %q", got)
		}
	})
	t.Run("UnknownDepartment", func(t *testing.T) {
		err := commands["slots"].run(ctx, e, []string{"-department", "nope", "-date", "2026-12-01"})
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("MissingFlags", func(t *testing.T) {
		if err := commands["slots"].run(ctx, e, nil); !errors.Is(err, errUsage) {
			t.Fatalf("err %v, want usage", err)
		}
	})
}

func TestMigrateTwice(t *testing.T) {
	e, out, _ := testEnv(t)
	for range 2 {
		if err := commands["migrate"].run(context.Background(), e, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(out.String(), "ok:") {
		t.Fatalf("output %q", out)
	}
}

func TestCatalogCheck(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("..", "..", "booking", "thessaloniki.toml"))
	if err != nil {
		t.Fatal(err)
	}
	goodPath, badPath := filepath.Join(dir, "good.toml"), filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(goodPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(good), "duration = 15", "duration = 7", 1)
	if err := os.WriteFile(badPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"catalog", "check", goodPath}, &out, &errb, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "ok: 4 departments, 13 services\n" {
		t.Fatalf("output %q", got)
	}
	err = run(context.Background(), []string{"catalog", "check", badPath}, &out, &errb, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "duration") {
		t.Fatalf("bad catalog: %v", err)
	}
	check := func(t *testing.T, text string) (string, error) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"catalog", "check", path}, &out, &errb, func(string) string { return "" })
		return out.String(), err
	}
	t.Run("OneOfEach", func(t *testing.T) {
		got, err := check(t, `[[departments]]
code = "d"
name = { el = "Τμήμα" }
desks = ["D1"]
[departments.hours]
mon = ["08:00-14:00"]
[[services]]
code = "s"
department = "d"
name = { el = "Υπηρεσία" }
duration = 15
`)
		if err != nil || got != "ok: 1 department, 1 service\n" {
			t.Fatalf("output %q, %v", got, err)
		}
	})
	t.Run("BadTopLevelHoursThatNoDepartmentUses", func(t *testing.T) {
		// Every department of the built-in catalog given its own hours:
		// the top-level ones are still checked, under their own name.
		text := strings.ReplaceAll(string(good), "slack = {", "hours = { mon = [\"08:00-14:00\"] }\nslack = {")
		if _, err := check(t, text); err != nil {
			t.Fatalf("every department with its own hours: %v", err)
		}
		_, err := check(t, strings.Replace(text, `tue = ["08:00-14:00"]`, `tue = ["08:00-1400"]`, 1))
		if err == nil || !strings.Contains(err.Error(), "catalog: hours.tue:") || strings.Contains(err.Error(), "departments[") {
			t.Fatalf("err = %v, want the top-level hours named", err)
		}
	})
	t.Run("UnknownKeyWithItsIndex", func(t *testing.T) {
		_, err := check(t, strings.Replace(string(good), "duration = 30", "duration = 30\nminutes = 30", 1))
		if err == nil || !strings.Contains(err.Error(), "services[2].minutes: unknown key") {
			t.Fatalf("err = %v, want the service's index", err)
		}
	})
	t.Run("ServeNamesTheVariableAndTheFile", func(t *testing.T) {
		_, err := openDatabase(context.Background(), "postgres://unused", badPath)
		if err == nil || !strings.Contains(err.Error(), "CATALOG_FILE") || !strings.Contains(err.Error(), badPath) {
			t.Fatalf("err = %v, want CATALOG_FILE and %s", err, badPath)
		}
		_, err = openDatabase(context.Background(), "postgres://unused", filepath.Join(dir, "missing.toml"))
		if err == nil || !strings.Contains(err.Error(), "CATALOG_FILE") || !strings.Contains(err.Error(), "missing.toml") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, &out, &errb, func(string) string { return "" })
	if !errors.Is(err, errUsage) || !strings.Contains(errb.String(), "frobnicate") || !strings.Contains(errb.String(), "slots") {
		t.Fatalf("err %v, stderr %q", err, errb.String())
	}
}
