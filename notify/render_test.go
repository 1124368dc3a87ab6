package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/notify"
)

func TestRender(t *testing.T) {
	cat := booking.DefaultCatalog()
	start := time.Date(2027, 5, 3, 9, 30, 0, 0, cat.Location)
	b := booking.Booking{
		ID: 7, Ref: "K7P4QX", Department: "civil-registry", Service: "birth-certificate", Desk: "A2",
		Start: start, End: start.Add(15 * time.Minute), Status: booking.Active,
		Citizen: booking.Citizen{TelegramID: 42, Name: "Νίκος", Lang: booking.Greek},
	}
	english := b
	english.Citizen.Lang = booking.English
	cancelled := b
	cancelled.Status = booking.Cancelled
	cancelled.CancelReason = "βλάβη συστήματος"
	r := &notify.Renderer{Catalog: cat, Domain: "rantevou.example.gr", Now: func() time.Time { return start.Add(-24 * time.Hour) }}

	note := func(k booking.NotificationKind, p booking.Payload) booking.Notification {
		n := booking.Notification{ID: 99, Kind: k, Channel: booking.ChannelTelegram, Recipient: "42", BookingID: 7, Payload: p}
		if k == booking.NotifyReminder {
			n.DueAt = start.Add(-24 * time.Hour)
		}
		return n
	}
	tests := []struct {
		name    string
		n       booking.Notification
		b       booking.Booking
		want    []string // in the text
		buttons []string // callback data, in order
		ics     string   // in the calendar file; "" means none
	}{
		{"ConfirmedGreek", note(booking.NotifyConfirmed, booking.Payload{}), b,
			[]string{"Δευτέρα 3 Μαΐου", "09:30", "K7P4QX", "Πιστοποιητικό γέννησης", "Δημοτολόγιο", "A2", "Να φέρετε: Αστυνομική ταυτότητα"},
			nil, "SEQUENCE:0"},
		{"ConfirmedEnglish", note(booking.NotifyConfirmed, booking.Payload{}), english,
			[]string{"Monday 3 May", "09:30", "K7P4QX", "Birth certificate", "Civil Registry", "Please bring: Identity card"},
			nil, "SUMMARY:Birth certificate"},
		{"RescheduledRaisesSequence", note(booking.NotifyRescheduled, booking.Payload{OldStart: time.Date(2027, 4, 30, 8, 0, 0, 0, time.UTC)}), b,
			[]string{"Δευτέρα 3 Μαΐου", "09:30"}, nil, "SEQUENCE:99"},
		{"ReminderHasKeepCancelReschedule", note(booking.NotifyReminder, booking.Payload{Before: 24 * time.Hour}), b,
			[]string{"Υπενθύμιση", "Δευτέρα 3 Μαΐου", "09:30", "K7P4QX"},
			[]string{dialog.GlobalButton(dialog.GlobalKeep, "K7P4QX"), dialog.GlobalButton(dialog.GlobalReschedule, "K7P4QX"), dialog.GlobalButton(dialog.GlobalCancel, "K7P4QX")}, ""},
		{"CancelledByStaffWithReason", note(booking.NotifyCancelledByStaff, booking.Payload{Reason: "βλάβη συστήματος"}), cancelled,
			[]string{"ακύρωσε", "Λόγος: βλάβη συστήματος", "Δευτέρα 3 Μαΐου"},
			[]string{dialog.GlobalButton(dialog.GlobalBookAgain, "K7P4QX")}, "STATUS:CANCELLED"},
		{"DayClosedWithReason", note(booking.NotifyDayClosed, booking.Payload{Reason: "απεργία"}), cancelled,
			[]string{"κλειστή", "Δευτέρα 3 Μαΐου", "απεργία", "09:30"},
			[]string{dialog.GlobalButton(dialog.GlobalBookAgain, "K7P4QX")}, "METHOD:CANCEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := r.Render(tt.n, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
			}
			if strings.Contains(m.Text, "{{") || strings.Contains(m.Text, "<no value>") {
				t.Errorf("unfilled template:\n%s", m.Text)
			}
			var data []string
			for _, row := range m.Buttons {
				for _, btn := range row {
					if btn.Data == "" || btn.Text == "" {
						t.Errorf("button %+v is incomplete", btn)
					}
					data = append(data, btn.Data)
				}
			}
			if strings.Join(data, ",") != strings.Join(tt.buttons, ",") {
				t.Errorf("buttons %v, want %v", data, tt.buttons)
			}
			if (tt.ics == "") != (m.ICS == nil) {
				t.Fatalf("ics present = %v, want %v", m.ICS != nil, tt.ics != "")
			}
			if tt.ics != "" {
				ics := string(m.ICS)
				for _, w := range []string{tt.ics, "UID:rantevou-K7P4QX@rantevou.example.gr", "DTSTART;TZID=Europe/Athens:20270503T093000", "BEGIN:VTIMEZONE"} {
					if !strings.Contains(ics, w) {
						t.Errorf(".ics lacks %q", w)
					}
				}
			}
		})
	}

	t.Run("ReminderOfCancelledBookingIsSkipped", func(t *testing.T) {
		_, err := r.Render(note(booking.NotifyReminder, booking.Payload{}), cancelled)
		if !errorsIs(err, booking.ErrSkipped) {
			t.Fatalf("err = %v, want skipped", err)
		}
	})
	t.Run("ReminderOfMovedBookingIsSkipped", func(t *testing.T) {
		moved := b
		moved.Start = start.Add(2 * time.Hour)
		_, err := r.Render(note(booking.NotifyReminder, booking.Payload{Before: 24 * time.Hour}), moved)
		if !errorsIs(err, booking.ErrSkipped) {
			t.Fatalf("err = %v, want skipped", err)
		}
	})
	t.Run("UnknownKindIsPermanent", func(t *testing.T) {
		_, err := r.Render(note("citizen.horoscope", booking.Payload{}), b)
		if !errorsIs(err, booking.ErrPermanent) {
			t.Fatalf("err = %v, want permanent", err)
		}
	})
}
