package notify_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
	"github.com/rantevou/rantevou/notify"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

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
	cancelledEnglish := cancelled
	cancelledEnglish.Citizen.Lang = booking.English
	r := &notify.Renderer{Catalog: cat, Now: func() time.Time { return start.Add(-24 * time.Hour) }}

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
		{"ReminderHasKeepCancelReschedule", note(booking.NotifyReminder, booking.Payload{Before: 24 * time.Hour}), b,
			[]string{"Υπενθύμιση", "Δευτέρα 3 Μαΐου", "09:30", "K7P4QX", "📍 Δημαρχείο, Βασιλέως Γεωργίου 1, 546\u00a040 Θεσσαλονίκη"},
			[]string{dialog.GlobalButton(dialog.GlobalKeep, "K7P4QX"), dialog.GlobalButton(dialog.GlobalMap, "civil-registry"),
				dialog.GlobalButton(dialog.GlobalReschedule, "K7P4QX"), dialog.GlobalButton(dialog.GlobalCancel, "K7P4QX")}, ""},
		{"ReminderEnglishHasTheAddress", note(booking.NotifyReminder, booking.Payload{Before: 24 * time.Hour}), english,
			[]string{"Appointment reminder", "Monday 3 May", "📍 Town Hall, Vasileos Georgiou 1, 546\u00a040 Thessaloniki"},
			[]string{dialog.GlobalButton(dialog.GlobalKeep, "K7P4QX"), dialog.GlobalButton(dialog.GlobalMap, "civil-registry"),
				dialog.GlobalButton(dialog.GlobalReschedule, "K7P4QX"), dialog.GlobalButton(dialog.GlobalCancel, "K7P4QX")}, ""},
		{"CancelledByStaffWithReason", note(booking.NotifyCancelledByStaff, booking.Payload{Reason: "βλάβη συστήματος"}), cancelled,
			[]string{"ακύρωσε", "Λόγος: βλάβη συστήματος", "Δευτέρα 3 Μαΐου"},
			[]string{dialog.GlobalButton(dialog.GlobalBookAgain, "K7P4QX")}, "STATUS:CANCELLED"},
		{"CancelledByStaffEnglishSaysTheReasonIsGreek", note(booking.NotifyCancelledByStaff, booking.Payload{Reason: "βλάβη συστήματος"}), cancelledEnglish,
			[]string{"the office has cancelled your appointment", "Reason, as the office wrote it in Greek: “βλάβη συστήματος”"},
			[]string{dialog.GlobalButton(dialog.GlobalBookAgain, "K7P4QX")}, "SUMMARY;LANGUAGE=en:Appointment"},
		{"CancelledByStaffEnglishReasonInEnglish", note(booking.NotifyCancelledByStaff, booking.Payload{Reason: "system failure"}), cancelledEnglish,
			[]string{"Reason: system failure"},
			[]string{dialog.GlobalButton(dialog.GlobalBookAgain, "K7P4QX")}, "ORGANIZER;CN="},
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
				for _, w := range []string{tt.ics, "UID:rantevou-K7P4QX@thessaloniki.gr", "DTSTART;TZID=Europe/Athens:20270503T093000", "BEGIN:VTIMEZONE", "METHOD:CANCEL", "LOCATION;LANGUAGE="} {
					if !strings.Contains(ics, w) {
						t.Errorf(".ics lacks %q", w)
					}
				}
			}
		})
	}

	t.Run("ConfirmationsAreTheConversations", func(t *testing.T) {
		for _, k := range []booking.NotificationKind{booking.NotifyConfirmed, booking.NotifyRescheduled} {
			if _, err := r.Render(note(k, booking.Payload{}), b); !errorsIs(err, booking.ErrSkipped) {
				t.Errorf("%s: err = %v, want skipped: the conversation shows it", k, err)
			}
		}
	})
	t.Run("ConfirmationsOfStaffAreSent", func(t *testing.T) {
		// No conversation showed these: the call centre booked, or staff moved.
		phoned := b
		phoned.Via = booking.ViaPhone
		if m, err := r.Render(note(booking.NotifyConfirmed, booking.Payload{}), phoned); err != nil || !strings.Contains(m.Text, "K7P4QX") || m.ICS == nil {
			t.Errorf("confirmation of a phone booking: %v %+v", err, m)
		}
		if m, err := r.Render(note(booking.NotifyRescheduled, booking.Payload{OldStart: start.Add(-time.Hour), ByStaff: true}), b); err != nil || m.ICS == nil {
			t.Errorf("a move by staff: %v %+v", err, m)
		}
	})
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
