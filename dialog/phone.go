package dialog

import "github.com/rantevou/rantevou/booking"

// The rules for phone numbers are booking's (booking/phone.go), shared with
// the staff search and every display; the conversation only names the two
// ways a number reaches it.

// ParsePhone validates a phone number the citizen typed: booking.ParsePhone.
func ParsePhone(s string) (string, bool) { return booking.ParsePhone(s) }

// contactPhone reads the number of a contact Telegram shared:
// booking.ContactPhone.
func contactPhone(s string) (string, bool) { return booking.ContactPhone(s) }
