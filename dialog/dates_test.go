package dialog

import (
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
)

func TestParseTypedDate(t *testing.T) {
	d := func(y int, m time.Month, day int) booking.Date { return booking.Date{Year: y, Month: m, Day: day} }
	// today is Tuesday 24 November 2026.
	for _, tc := range []struct {
		in   string
		want booking.Date
	}{
		{"σήμερα", today},
		{"αύριο", d(2026, 11, 25)},
		{"Αύριο", d(2026, 11, 25)},
		{"ΑΥΡΙΟ", d(2026, 11, 25)},
		{"αυριο!", d(2026, 11, 25)},
		{"avrio", d(2026, 11, 25)},
		{"tomorrow", d(2026, 11, 25)},
		{"Tomorrow.", d(2026, 11, 25)},
		{"μεθαύριο", d(2026, 11, 26)},
		{"Δευτέρα", d(2026, 11, 30)},
		{"ΔΕΥΤΕΡΑ", d(2026, 11, 30)},
		{"δευτερα", d(2026, 11, 30)},
		{"deftera", d(2026, 11, 30)},
		{"την Παρασκευή", d(2026, 11, 27)},
		{"monday", d(2026, 11, 30)},
		{"Monday", d(2026, 11, 30)},
		{"next friday", d(2026, 11, 27)},
		{"Τρίτη", d(2026, 12, 1)}, // today is Tuesday: the next one
		{"tue", d(2026, 12, 1)},
		{"25/3", d(2027, 3, 25)}, // already past this year
		{"25/11", d(2026, 11, 25)},
		{"24/11", today},
		{"1/12", d(2026, 12, 1)},
		{"01-12-2026", d(2026, 12, 1)},
		{"1.12.26", d(2026, 12, 1)},
		{"3 Μαΐου", d(2027, 5, 3)},
		{"3 ΜΑΙΟΥ", d(2027, 5, 3)},
		{"3 Δεκεμβρίου", d(2026, 12, 3)},
		{"December 3", d(2026, 12, 3)},
		{"3 dec 2026", d(2026, 12, 3)},
		// As citizens were seen to type them.
		{"Παρασκευή 4/12", d(2026, 12, 4)},
		{"Δευτέρα 7/12", d(2026, 12, 7)},
		{"παρασκευη, 4/12", d(2026, 12, 4)},
		{"την Παρασκευή 4/12", d(2026, 12, 4)},
		{"Friday 4 December", d(2026, 12, 4)},
		{"Fri 4/12", d(2026, 12, 4)},
		{"4/12 Παρασκευή", d(2026, 12, 4)},
		{"Παρασκευή 4 Δεκεμβρίου", d(2026, 12, 4)},
		{"4η Δεκεμβρίου", d(2026, 12, 4)},
		{"την άλλη Δευτέρα", d(2026, 11, 30)}, // Monday of next week
		{"την άλλη Πέμπτη", d(2026, 12, 3)},   // not this week's, the 26th
		{"Πέμπτη της άλλης εβδομάδας", d(2026, 12, 3)},
		{"thursday next week", d(2026, 12, 3)},
		{"2027-01-05", d(2027, 1, 5)},
		{"2026-12-01", d(2026, 12, 1)},
		{"στις 4/12", d(2026, 12, 4)},
	} {
		got, ok := ParseTypedDate(tc.in, today)
		if !ok || got != tc.want {
			t.Errorf("ParseTypedDate(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "31/4", "30/2", "0/3", "25/13", "κάποτε", "someday", "1/1/1999", "25/3/2027/1", "12345",
		"Παρασκευή 7/12", // the 7th is a Monday: which did they mean?
		"2027-13-05", "την άλλη εβδομάδα", "άλλη 4/12"} {
		if got, ok := ParseTypedDate(bad, today); ok {
			t.Errorf("ParseTypedDate(%q) = %v, want no date", bad, got)
		}
	}
}

func TestParseTypedTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want booking.Clock
		ok   bool
	}{
		{"09:30", 570, true}, {"9:30", 570, true}, {"9.30", 570, true}, {"0930", 570, true},
		{"930", 570, true}, {"9", 540, true}, {"13:05", 785, true},
		{"στις 9 και μισή", 570, true}, {"9 και μισή", 570, true}, {"ΣΤΙΣ 9 ΚΑΙ ΜΙΣΗ", 570, true},
		{"9 και τέταρτο", 555, true}, {"10 παρά τέταρτο", 585, true}, {"στις 9:30", 570, true},
		{"στις 10", 600, true}, {"at 9:30", 570, true}, {"half past 9", 570, true}, {"quarter to 10", 585, true},
		{"2 μ.μ.", 840, true}, {"2pm", 840, true}, {"2 το μεσημέρι", 840, true}, {"9 π.μ.", 540, true},
		{"12 μ.μ.", 720, true}, {"9.30.", 570, true},
		{"24:00", 0, false}, {"9:60", 0, false}, {"μεσημέρι", 0, false}, {"", 0, false}, {"12345", 0, false},
		{"25 και μισή", 0, false}, {"και μισή", 0, false},
	} {
		got, ok := ParseTypedTime(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseTypedTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestTypedWeekdayAgainstDate: a weekday that contradicts its date is
// reported with both, for the dialog to point out.
func TestTypedWeekdayAgainstDate(t *testing.T) {
	td, ok := parseTypedDate("Παρασκευή 7/12", today)
	if !ok || !td.mismatch() || td.said != time.Friday || td.date != (booking.Date{Year: 2026, Month: 12, Day: 7}) {
		t.Fatalf("got %+v, %v", td, ok)
	}
	if td, _ := parseTypedDate("Δευτέρα 7/12", today); td.mismatch() {
		t.Fatal("a matching weekday is reported")
	}
}

func FuzzParseTypedDate(f *testing.F) {
	for _, s := range []string{"25/3", "αύριο", "Δευτέρα", "3 Μαΐου 2027", "31/12/99", "monday"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseTypedDate(s, today)
		if !ok {
			return
		}
		tt := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
		if booking.DateOf(tt, time.UTC) != d {
			t.Fatalf("%q gives an impossible date %+v", s, d)
		}
		if d.Year < 2000 || d.Year > 2200 {
			t.Fatalf("%q gives %v, outside the years a booking can have", s, d)
		}
	})
}
