package telegramfake

import "time"

// Button is one key of an inline keyboard or of a reply keyboard.
type Button struct {
	Text           string
	Data           string // callback_data of an inline button
	URL            string // url of an inline button
	RequestContact bool   // a reply-keyboard key that shares the user's phone number
}

// Document is a file the bot sent.
type Document struct {
	FileName string
	Data     []byte
}

// Venue is a map pin the bot sent: a point with its name and address.
type Venue struct {
	Lat, Lon       float64
	Title, Address string
}

// Contact is a phone number a user shared.
type Contact struct {
	Phone  string
	UserID int64 // the Telegram user the number belongs to, 0 if unknown
}

// Message is the current state of one message of a chat, edits applied.
type Message struct {
	ID       int
	ChatID   int64
	FromBot  bool
	Date     time.Time
	Text     string // the text, or a document's caption
	Inline   [][]Button
	Keyboard [][]Button // reply keyboard sent with this message
	// RemoveKeyboard is set when the message removed the reply keyboard.
	RemoveKeyboard bool
	Document       *Document
	Venue          *Venue
	Contact        *Contact
	Edits          int
	Deleted        bool
}

// Button returns the inline button whose text is label.
func (m Message) Button(label string) (Button, bool) {
	for _, row := range m.Inline {
		for _, b := range row {
			if b.Text == label {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Buttons returns the labels of the inline keyboard, row by row.
func (m Message) Buttons() [][]string {
	out := make([][]string, len(m.Inline))
	for i, row := range m.Inline {
		for _, b := range row {
			out[i] = append(out[i], b.Text)
		}
	}
	return out
}

func (m Message) clone() Message {
	m.Inline = cloneKeys(m.Inline)
	m.Keyboard = cloneKeys(m.Keyboard)
	if m.Document != nil {
		d := *m.Document
		m.Document = &d
	}
	if m.Contact != nil {
		c := *m.Contact
		m.Contact = &c
	}
	if m.Venue != nil {
		v := *m.Venue
		m.Venue = &v
	}
	return m
}

func cloneKeys(k [][]Button) [][]Button {
	if k == nil {
		return nil
	}
	out := make([][]Button, len(k))
	for i, row := range k {
		out[i] = append([]Button(nil), row...)
	}
	return out
}

// EventKind says what happened in a chat.
type EventKind string

// The kinds of Event. User* events are what the simulated citizen did, Bot*
// events what the bot did through the API.
const (
	UserText    EventKind = "user.text"
	UserContact EventKind = "user.contact"
	UserPress   EventKind = "user.press"
	BotSend     EventKind = "bot.send"
	BotVenue    EventKind = "bot.venue" // sendVenue; Message.Venue is the pin
	BotEdit     EventKind = "bot.edit"
	BotDelete   EventKind = "bot.delete"
	BotAnswer   EventKind = "bot.answer" // answerCallbackQuery; Text is the toast
	BotDocument EventKind = "bot.document"
)

// Event is one entry of a chat's history, in the order the fake saw them.
type Event struct {
	Seq       uint64
	ChatID    int64
	Kind      EventKind
	MessageID int
	Text      string // the text sent or typed, the toast, the button label
	Data      string // callback data of a press
	Message   Message
}
