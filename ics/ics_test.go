package ics

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
)

// unfold undoes RFC 5545 line folding (3.1).
func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

// lines returns the unfolded content lines of a file.
func lines(s string) []string { return strings.Split(strings.TrimSuffix(unfold(s), "\r\n"), "\r\n") }

// props returns the properties of component comp ("VEVENT", "VALARM"),
// its own only: not those of the components inside it.
func props(s, comp string) map[string][]string {
	out := map[string][]string{}
	var stack []string
	for _, l := range lines(s) {
		if c, ok := strings.CutPrefix(l, "BEGIN:"); ok {
			stack = append(stack, c)
			continue
		}
		if _, ok := strings.CutPrefix(l, "END:"); ok && len(stack) > 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != comp {
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		out[name] = append(out[name], value)
	}
	return out
}

var athensLoc = mustZone("Europe/Athens")

// booked is a booking as the store returns it, made at 10:00 UTC on 1
// October for the morning after the clocks go back.
func booked(lang booking.Lang) booking.Booking {
	return booking.Booking{Ref: "K7P4QX", Department: "civil-registry", Service: "birth-certificate", Desk: "A2",
		Start:     time.Date(2026, 10, 26, 9, 30, 0, 0, athensLoc),
		End:       time.Date(2026, 10, 26, 9, 45, 0, 0, athensLoc),
		Status:    booking.Active,
		Citizen:   booking.Citizen{TelegramID: 7, Name: "Μαρία Παπαδοπούλου", Lang: lang},
		CreatedAt: time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)}
}

// TestAppointmentRFC5545 checks the calendar file of a booking against
// RFC 5545 and iTIP (RFC 5546), as calendars read it.
func TestAppointmentRFC5545(t *testing.T) {
	c := booking.DefaultCatalog()
	made := booked(booking.Greek).CreatedAt
	file := string(Write(Appointment(c, booked(booking.Greek), made, false)))

	t.Run("CRLFAndFoldedAt75OctetsWithoutSplittingGreek", func(t *testing.T) {
		if !strings.HasSuffix(file, "END:VCALENDAR\r\n") {
			t.Fatal("file does not end with END:VCALENDAR CRLF")
		}
		if strings.Contains(strings.ReplaceAll(file, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(file, "\r\n", ""), "\r") {
			t.Fatal("a bare LF or CR")
		}
		folded := 0
		for _, l := range strings.Split(strings.TrimSuffix(file, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Fatalf("bad line (%d octets): %q", len(l), l)
			}
			if strings.HasPrefix(l, " ") {
				folded++
			}
		}
		if folded == 0 {
			t.Fatal("no line was folded: the test does not test folding")
		}
	})
	ev := props(file, "VEVENT")
	want := map[string]string{
		"UID":                        "rantevou-K7P4QX@thessaloniki.gr",
		"DTSTAMP":                    "20261001T100000Z",
		"SEQUENCE":                   "0",
		"DTSTART;TZID=Europe/Athens": "20261026T093000",
		"DTEND;TZID=Europe/Athens":   "20261026T094500",
		"SUMMARY;LANGUAGE=el":        `Ραντεβού · Πιστοποιητικό γέννησης · Δημοτολόγιο\, Δήμος Θεσσαλονίκης`,
		"LOCATION;LANGUAGE=el":       `Δημαρχείο\, Βασιλέως Γεωργίου 1\, 546 40 Θεσσαλονίκη`,
		"GEO":                        "40.628400;22.951700",
		"ORGANIZER;CN=\"Δήμος Θεσσαλονίκης — Δημοτολόγιο\"": "mailto:info@thessaloniki.gr",
		"STATUS": "CONFIRMED",
	}
	for name, v := range want {
		if got := ev[name]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if d := ev["DESCRIPTION;LANGUAGE=el"]; len(d) != 1 || !strings.Contains(d[0], `Κωδικός ραντεβού: K7P4QX · γκισέ A2\nΝα φέρετε: Αστυνομική ταυτότητα ή διαβατήριο.\nΤηλέφωνο: 231 331 7777`) {
		t.Errorf("DESCRIPTION = %q", d)
	}
	cal := props(file, "VCALENDAR")
	if cal["PRODID"][0] != "-//rantevou//rantevou appointments//EL" || cal["METHOD"][0] != "PUBLISH" || cal["VERSION"][0] != "2.0" {
		t.Errorf("calendar properties %v", cal)
	}
	t.Run("AnAlarmPerCatalogReminder", func(t *testing.T) {
		var triggers []string
		for _, l := range lines(file) {
			if v, ok := strings.CutPrefix(l, "TRIGGER;RELATED=START:"); ok {
				triggers = append(triggers, v)
			}
		}
		if strings.Join(triggers, " ") != "-P1D -PT2H" {
			t.Fatalf("triggers %q, want the catalog's 24h and 2h", triggers)
		}
		a := props(file, "VALARM")
		if len(a["ACTION"]) != 2 || a["ACTION"][0] != "DISPLAY" || len(a["DESCRIPTION;LANGUAGE=el"]) != 2 {
			t.Fatalf("alarms %v: each needs ACTION:DISPLAY and a DESCRIPTION", a)
		}
	})
	t.Run("EnglishNamesItsLanguage", func(t *testing.T) {
		en := string(Write(Appointment(c, booked(booking.English), made, false)))
		ev := props(en, "VEVENT")
		if ev["SUMMARY;LANGUAGE=en"][0] != `Appointment · Birth certificate · Civil Registry\, City of Thessaloniki` ||
			ev["LOCATION;LANGUAGE=en"][0] != `Town Hall\, Vasileos Georgiou 1\, 546 40 Thessaloniki` {
			t.Errorf("English texts %v", ev)
		}
		if !strings.Contains(en, "PRODID:-//rantevou//rantevou appointments//EN\r\n") {
			t.Error("PRODID does not say English")
		}
	})
	t.Run("CancelRemovesTheSameEventWithItsOrganizer", func(t *testing.T) {
		later := made.Add(48 * time.Hour)
		cx := string(Write(Appointment(c, booked(booking.Greek), later, true)))
		ev := props(cx, "VEVENT")
		if props(cx, "VCALENDAR")["METHOD"][0] != "CANCEL" || ev["STATUS"][0] != "CANCELLED" ||
			ev["UID"][0] != want["UID"] || ev["SEQUENCE"][0] != "172800" {
			t.Fatalf("cancel: %v", ev)
		}
		if o := ev[`ORGANIZER;CN="Δήμος Θεσσαλονίκης — Δημοτολόγιο"`]; len(o) != 1 || o[0] != "mailto:info@thessaloniki.gr" {
			t.Fatalf("a cancellation without its organizer: %v", ev)
		}
		if strings.Contains(cx, "VALARM") {
			t.Fatal("a cancelled event keeps its alarms")
		}
	})
	t.Run("DepartmentEmailIsTheOrganizer", func(t *testing.T) {
		b := booked(booking.Greek)
		b.Department, b.Service = "transparency", "document-access"
		ev := props(string(Write(Appointment(c, b, made, true))), "VEVENT")
		if o := ev[`ORGANIZER;CN="Δήμος Θεσσαλονίκης — Τμήμα Διαφάνειας"`]; len(o) != 1 || o[0] != "mailto:diafaneia@thessaloniki.gr" {
			t.Fatalf("organizer %v", ev)
		}
	})
	t.Run("SequenceGrowsWithEveryLaterFile", func(t *testing.T) {
		prev := -1
		for _, at := range []time.Duration{0, time.Second, time.Hour, 20 * 24 * time.Hour} {
			seq := Appointment(c, booked(booking.Greek), made.Add(at), false).Sequence
			if seq <= prev {
				t.Fatalf("sequence %d after %d", seq, prev)
			}
			prev = seq
		}
		if Appointment(c, booked(booking.Greek), made, true).Sequence == 0 {
			t.Fatal("a cancellation written the second of the booking does not replace it")
		}
	})
	t.Run("NoDomainIsReservedNotInvented", func(t *testing.T) {
		c2 := *c
		c2.Domain, c2.Email = "", ""
		c2.Departments = nil // no department: no address, no e-mail
		ev := props(string(Write(Appointment(&c2, booked(booking.Greek), made, true))), "VEVENT")
		if ev["UID"][0] != "rantevou-K7P4QX@rantevou.invalid" {
			t.Errorf("UID %v", ev["UID"])
		}
		for name, v := range ev {
			if strings.HasPrefix(name, "ORGANIZER") && v[0] != "mailto:noreply@rantevou.invalid" {
				t.Errorf("%s = %v", name, v)
			}
		}
	})
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "P1D", 2 * time.Hour: "PT2H", 90 * time.Minute: "PT1H30M", 30 * time.Minute: "PT30M",
		26*time.Hour + 15*time.Minute: "P1DT2H15M", 48 * time.Hour: "P2D",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzText checks the text codec: whatever a summary holds (Greek,
// separators, newlines), the file keeps lines short and valid, and
// unfolding and unescaping gives the text back.
func FuzzText(f *testing.F) {
	f.Add("Πιστοποιητικό γέννησης")
	f.Add("a;b,c\\d\ne")
	f.Add(strings.Repeat("αβγ", 60))
	f.Add("\r\n\r")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := string(Write(Event{UID: "u", Summary: s, Start: time.Unix(0, 0), End: time.Unix(60, 0),
			Organizer: Organizer{Name: s, Email: "a@b.gr"}}))
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Fatalf("bad line %q", l)
			}
		}
		summary := props(out, "VEVENT")["SUMMARY;LANGUAGE=el"]
		want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
		if len(summary) != 1 || unescape(summary[0]) != want {
			t.Fatalf("round trip: got %q, want %q", summary, want)
		}
	})
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
