package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// Who: the phone number, typed or shared with the contact keyboard, then
// the name, typed or taken from the shared contact. A booking being moved
// keeps its own and skips both.

// renderPhone is one message with a reply keyboard: the share-contact key,
// and under it Back and Stop as keys that send their label as text (which
// text takes like the buttons). Telegram carries one keyboard per message,
// and the share-contact key cannot be an inline button.
func renderPhone(v view) []Reply {
	return []Reply{{Text: v.t("PhonePrompt", nil), ContactButton: true, ContactLabel: v.t("BtnShareContact", nil),
		Keys: [][]string{{v.t("BtnBack", nil), v.t("BtnStop", nil)}}}}
}

func renderName(v view) []Reply {
	var rs [][]Button
	if name := v.s.Draft.offeredName(); name != "" {
		rs = append(rs, row(v.btn(v.t("BtnUseName", map[string]any{"Name": name}), ActUseName)))
	}
	rs = append(rs, v.backStop())
	return one(v.t("NamePrompt", nil), rows(rs...))
}

func (m *machine) phoneText(t string) {
	phone, ok := ParsePhone(t)
	if !ok {
		m.reprompt("PhoneInvalid")
		return
	}
	m.phoneGiven(phone)
}

// sharedContact takes the number of a contact only if it is the sender's
// own.
func (m *machine) sharedContact(c Contact) {
	if c.UserID == 0 || c.UserID != c.FromID {
		m.reprompt("ContactNotOwn")
		return
	}
	phone, ok := contactPhone(c.Phone)
	if !ok {
		m.reprompt("PhoneInvalid")
		return
	}
	m.s.Draft.ContactName = cleanName(strings.TrimSpace(c.FirstName + " " + c.LastName))
	m.phoneGiven(phone)
	// Telegram vouches that the number is theirs: what the call centre
	// booked for it is theirs too.
	m.effects = append(m.effects, Effect{Kind: Link, Phone: phone, Lang: m.s.Lang})
}

// phoneGiven keeps phone, takes the contact keyboard away saying so, and
// asks for the name.
func (m *machine) phoneGiven(phone string) {
	m.s.Draft.Phone = phone
	m.removeKeyboard("PhoneSaved", map[string]any{"Phone": unbroken(booking.FormatPhone(phone))})
	m.draw(ScreenName)
}

// linked tells the citizen of the bookings made by phone that are theirs
// now, under the name screen, which stays as it is; nothing when there
// were none. A link that failed is not worth stopping the booking for:
// the next shared contact tries again.
func (m *machine) linked(r Result) {
	if r.Err == "" && r.Linked > 0 {
		m.say(locales.For(m.s.Lang).N("PhoneLinked", r.Linked, nil))
	}
}

func (m *machine) nameText(t string) {
	name := cleanName(t)
	if name == "" {
		m.reprompt("NameInvalid")
		return
	}
	m.s.Draft.Name = name
	m.named()
}

// useName takes the name the name screen offers as a button.
func (m *machine) useName() {
	name := m.s.Draft.offeredName()
	if m.s.Screen != ScreenName || name == "" {
		m.reprompt("UseButtons")
		return
	}
	m.s.Draft.Name = name
	m.named()
}

// cleanName returns a typed name with spaces tidied, or "" if it does not
// look like a name: 2 to 80 characters, at least two letters, no digits.
func cleanName(s string) string {
	name := strings.Join(strings.Fields(s), " ")
	letters := 0
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9', r == '/', r == '@', r == '<', r == '>', r == '|':
			return ""
		case unicode.IsControl(r), r == utf8.RuneError:
			// A NUL or a broken byte is no one's name, and the database
			// would refuse it: ask again instead.
			return ""
		case unicode.IsLetter(r):
			letters++
		}
	}
	if letters < 2 || len([]rune(name)) > 80 {
		return ""
	}
	return name
}
