package locales

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/rantevou/rantevou/booking"
)

// realistic holds a plausible value for every template field used by any
// message, so that a field a template needs but nobody passes shows up as
// "<no value>".
var realistic = map[string]any{
	"Ref": "K7P4QX", "Service": "Πιστοποιητικό οικογενειακής κατάστασης", "Department": "Δημοτολόγιο",
	"When": "Δευτέρα 3 Μαΐου, 09:30", "Old": "Τρίτη 4 Μαΐου, 10:00", "Date": "Δευτέρα 3 Μαΐου",
	"From": "Δευτέρα 3 Μαΐου", "To": "Παρασκευή 7 Μαΐου", "Last": "Τετάρτη 2 Ιουνίου",
	"Name": "Μαρία Παπαδοπούλου", "Phone": "+306912345678", "Phones": "2313317777, 2313317413",
	"Email": "info@thessaloniki.gr", "Hours": "Δευτέρα – Παρασκευή 08:00–14:00", "Notes": "Τηλεφωνικό κέντρο.",
	"Bring": "Αστυνομική ταυτότητα.", "Days": 30, "Max": 2, "Count": 2,
	// Fields of the notification messages appended by their package.
	"Reason": "Έκτακτη απεργία", "Time": "09:30", "Desk": "A1", "Office": "Δήμος Θεσσαλονίκης",
	"Citizen": "Μαρία Π.", "Total": 3, "Link": "https://example.org", "Command": "/rantevou",
	"User": "<@U0EXAMPLE1>", "Status": "active", "Free": 120, "Value": "x", "Query": "K7P4QX", "Page": 1,
	"Pages": 2, "OldWhen": "Τρίτη 4 Μαΐου, 10:00", "Field": "reason", "Departments": "civil-registry",
	"DayMonth": "7 Δεκεμβρίου", "Weekday": "Δευτέρα", "Said": "Παρασκευή", "HeldService": "Πιστοποιητικό γέννησης",
	"Next": true,
	// Fields of the staff's second channel (package slack: caller.go, close.go, roster.go).
	"Horizon": 30, "PerService": 1, "Find": "6912345678", "Times": "Δευτέρα 14 Δεκεμβρίου 09:45, 10:00",
	"Services": "birth-certificate, family-status", "Hint": " (ολόκληρος ο αριθμός: /rantevou find K7P4QX)",
	"Via": "📞 από τηλέφωνο", "Lang": "🗣 ελληνικά",
	// Fields of the waiting list (dialog/screen_waitlist.go, notify/render_waitlist.go).
	"Until": "10:25", "N": 1, "Part": "πριν τις 11:00", "Offered": true, "List": "Πιστοποιητικό γέννησης: 3 δημότες",
}

// forms returns the plural forms each message of a file defines.
func forms(t *testing.T, lang booking.Lang) map[string][]string {
	t.Helper()
	var m map[string]any
	if _, err := toml.DecodeFS(Files(), "active."+string(lang)+".toml", &m); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for id, v := range m {
		out[id] = []string{"other"}
		if tbl, ok := v.(map[string]any); ok {
			if _, ok := tbl["one"]; ok {
				out[id] = append(out[id], "one")
			}
		}
	}
	return out
}

func TestMessageFilesComplete(t *testing.T) {
	el, en := IDs(booking.Greek), IDs(booking.English)
	if len(el) == 0 || len(en) == 0 {
		t.Fatalf("no messages: el %d, en %d", len(el), len(en))
	}
	has := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	hel, hen := has(el), has(en)
	for _, id := range el {
		if !hen[id] {
			t.Errorf("%s is in Greek but not in English", id)
		}
	}
	for _, id := range en {
		if !hel[id] {
			t.Errorf("%s is in English but not in Greek", id)
		}
	}
}

// TestMessagesRender renders every message in both languages, in every
// plural form, with realistic data.
func TestMessagesRender(t *testing.T) {
	for _, lang := range []booking.Lang{booking.Greek, booking.English} {
		p := For(lang)
		fs := forms(t, lang)
		for _, id := range IDs(lang) {
			render := []func() string{func() string { return p.T(id, realistic) }}
			if len(fs[id]) > 1 {
				render = []func() string{
					func() string { return p.N(id, 1, realistic) },
					func() string { return p.N(id, 2, realistic) },
				}
			}
			for _, r := range render {
				s := r()
				switch {
				case s == "" || s == id:
					t.Errorf("%s/%s renders empty", lang, id)
				case strings.Contains(s, "<no value>"):
					t.Errorf("%s/%s renders a hole: %q", lang, id, s)
				case strings.Contains(s, "{{") || strings.Contains(s, "}}"):
					t.Errorf("%s/%s renders raw template: %q", lang, id, s)
				}
			}
		}
	}
}

// TestMessagesNotEmpty reads the files directly, so an empty form (which
// go-i18n would skip silently) is caught too.
func TestMessagesNotEmpty(t *testing.T) {
	for _, name := range []string{"active.el.toml", "active.en.toml"} {
		var m map[string]any
		if _, err := toml.DecodeFS(Files(), name, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range m {
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: %s is empty", name, id)
				}
			case map[string]any:
				if s, _ := v["other"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s: %s has no \"other\" form", name, id)
				}
				for form, f := range v {
					if s, ok := f.(string); ok && strings.TrimSpace(s) == "" && form != "description" {
						t.Errorf("%s: %s.%s is empty", name, id, form)
					}
				}
			}
		}
	}
}

func TestGreekPlural(t *testing.T) {
	p := For(booking.Greek)
	if got := p.N("LimitTotal", 1, realistic); !strings.Contains(got, "ένα ενεργό ραντεβού") {
		t.Errorf("one: %q", got)
	}
	if got := p.N("LimitTotal", 2, realistic); !strings.Contains(got, "2 ενεργά ραντεβού") {
		t.Errorf("other: %q", got)
	}
	if got := For(booking.English).N("MineList", 3, nil); got != "📋 You have 3 appointments:" {
		t.Errorf("english other: %q", got)
	}
}

func TestDate(t *testing.T) {
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang booking.Lang
		d    booking.Date
		want string
	}{
		{booking.Greek, booking.Date{Year: 2027, Month: time.May, Day: 3}, "Δευτέρα 3 Μαΐου"},
		{booking.Greek, booking.Date{Year: 2026, Month: time.November, Day: 28}, "Σάββατο 28 Νοεμβρίου"},
		{booking.Greek, booking.Date{Year: 2026, Month: time.August, Day: 14}, "Παρασκευή 14 Αυγούστου"},
		{booking.English, booking.Date{Year: 2027, Month: time.May, Day: 3}, "Monday 3 May"},
	} {
		if got := For(tc.lang).Date(tc.d); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
	// 07:30 UTC is 09:30 in Athens in winter (UTC+2) and 10:30 in summer.
	if got := For(booking.Greek).When(time.Date(2026, 11, 30, 7, 30, 0, 0, time.UTC), athens); got != "Δευτέρα 30 Νοεμβρίου, 09:30" {
		t.Errorf("winter: %q", got)
	}
	if got := For(booking.Greek).Time(time.Date(2027, 5, 3, 7, 30, 0, 0, time.UTC), athens); got != "10:30" {
		t.Errorf("summer: %q", got)
	}
}

// TestUntil: the end of a hold as "until …" wants it, with Greek's
// article before a weekday.
func TestUntil(t *testing.T) {
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	fri := time.Date(2026, 12, 4, 23, 55, 0, 0, athens)
	for _, tc := range []struct {
		lang booking.Lang
		t    time.Time
		want string
	}{
		{booking.Greek, fri.Add(time.Minute), "τις 23:56"},
		{booking.Greek, fri.Add(10 * time.Minute), "το Σάββατο 5 Δεκεμβρίου, 00:05"},
		{booking.Greek, fri.Add(-23*time.Hour - 50*time.Minute), "τις 00:05"},
		{booking.English, fri.Add(time.Minute), "23:56"},
		{booking.English, fri.Add(10 * time.Minute), "Saturday 5 December, 00:05"},
	} {
		if got := For(tc.lang).Until(tc.t, fri, athens); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.lang, tc.t, got, tc.want)
		}
	}
	thu := fri.Add(-24 * time.Hour)
	if got := For(booking.Greek).Until(fri.Add(-23*time.Hour-50*time.Minute), thu, athens); got != "την Παρασκευή 4 Δεκεμβρίου, 00:05" {
		t.Errorf("Thursday night: %q", got)
	}
}

func TestMissingIDRendersAsID(t *testing.T) {
	if got := For(booking.Greek).T("NoSuchMessage", nil); got != "NoSuchMessage" {
		t.Fatalf("got %q", got)
	}
	if For(booking.Greek).Has("NoSuchMessage") || !For(booking.English).Has("Welcome") {
		t.Fatal("Has is wrong")
	}
}

// A message rendered without data is kept, one with data never is: the
// same id renders each call's data.
func TestPlainMessagesKept(t *testing.T) {
	p := For(booking.English)
	first := p.T("BtnBack", nil)
	if first == "BtnBack" || p.T("BtnBack", nil) != first {
		t.Fatalf("BtnBack rendered %q, then %q", first, p.T("BtnBack", nil))
	}
	if _, ok := p.plain.Load("BtnBack"); !ok {
		t.Fatal("a message rendered without data was not kept")
	}
	a := p.T("AlreadyBooked", map[string]any{"Ref": "AAA-111"})
	b := p.T("AlreadyBooked", map[string]any{"Ref": "BBB-222"})
	if !strings.Contains(a, "AAA-111") || !strings.Contains(b, "BBB-222") {
		t.Fatalf("a message with data showed another call's data: %q, %q", a, b)
	}
	if _, ok := p.plain.Load("AlreadyBooked"); ok {
		t.Fatal("a message rendered with data was kept")
	}
}
