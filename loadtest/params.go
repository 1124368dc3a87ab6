package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxParamBytes bounds one parameter; the bot's largest is a message text of
// 4096 characters (16 kB in UTF-8) or a calendar file of a few kB.
const maxParamBytes = 1 << 20

// params are the arguments of one Bot API call the fake reads, however
// they came: the multipart form go-telegram/bot streams, a JSON body (the
// bot's conversation calls and a webhook's answer carry one), a urlencoded
// form or a query string. Other arguments are dropped.
//
// A JSON body of the shape the bot sends decodes straight into it in one
// pass, reply_markup into its wire form.
type params struct {
	Method          param `json:"method"`
	ChatID          param `json:"chat_id"`
	MessageID       param `json:"message_id"`
	Text            param `json:"text"`
	Caption         param `json:"caption"`
	Document        param `json:"document"`
	CallbackQueryID param `json:"callback_query_id"`
	URL             param `json:"url"`

	// Markup is reply_markup decoded from a JSON body; replyMarkup is it as
	// a form carries it, JSON text.
	Markup      *wireMarkup `json:"reply_markup"`
	replyMarkup string
}

// param is one argument as a form carries it: from JSON, a string
// unquoted, anything else (a number such as chat_id, true, null) as its
// JSON text.
type param string

func (v *param) UnmarshalJSON(raw []byte) error {
	if len(raw) < 2 || raw[0] != '"' {
		*v = param(raw)
		return nil
	}
	if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		*v = param(s) // nothing to unescape
		return nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	*v = param(s)
	return err
}

func (v param) int64() (int64, bool) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// field returns the scalar argument name, nil for any other (reply_markup,
// or one the fake does not read).
func (p *params) field(name string) *param {
	switch name {
	case "method":
		return &p.Method
	case "chat_id":
		return &p.ChatID
	case "message_id":
		return &p.MessageID
	case "text":
		return &p.Text
	case "caption":
		return &p.Caption
	case "document":
		return &p.Document
	case "callback_query_id":
		return &p.CallbackQueryID
	case "url":
		return &p.URL
	}
	return nil
}

// set sets the argument name to value, as a form carries it.
func (p *params) set(name, value string) {
	if f := p.field(name); f != nil {
		*f = param(value)
	} else if name == "reply_markup" {
		p.Markup, p.replyMarkup = nil, value
	}
}

// markup returns reply_markup parsed; a call without one has none.
func (p *params) markup() (markup, error) {
	if p.Markup != nil {
		return p.Markup.markup(), nil
	}
	return parseMarkup(p.replyMarkup)
}

// parseParams reads the arguments of an HTTP request to the Bot API.
func parseParams(r *http.Request) (params, error) {
	var p params
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p.set(k, v[0])
		}
	}
	if r.Body == nil {
		return p, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if ctParams["boundary"] == "" {
			return params{}, errors.New("multipart body without boundary")
		}
		if err := p.readMultipart(multipart.NewReader(r.Body, ctParams["boundary"])); err != nil {
			return params{}, err
		}
	case "application/json":
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxParamBytes))
		if err != nil {
			return params{}, err
		}
		if err := p.readJSON(raw); err != nil {
			return params{}, err
		}
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxParamBytes))
		if err != nil {
			return params{}, err
		}
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return params{}, err
		}
		for k, v := range q {
			if len(v) > 0 {
				p.set(k, v[0])
			}
		}
	case "":
	default:
		return params{}, fmt.Errorf("unsupported content type %q", ct)
	}
	// Reading to the end frees the connection for the next request.
	_, _ = io.Copy(io.Discard, r.Body)
	return p, nil
}

// readMultipart reads one part per parameter. A file's content is dropped:
// the citizen only sees that a document came.
func (p *params) readMultipart(mr *multipart.Reader) error {
	var buf bytes.Buffer
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read multipart body: %w", err)
		}
		if part.FileName() != "" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return fmt.Errorf("read file %s: %w", part.FormName(), err)
			}
			p.set(part.FormName(), "attach://"+part.FileName())
			continue
		}
		buf.Reset()
		if _, err := io.Copy(&buf, io.LimitReader(part, maxParamBytes)); err != nil {
			return fmt.Errorf("read part %s: %w", part.FormName(), err)
		}
		p.set(part.FormName(), buf.String())
	}
}

// readJSON reads a JSON object of parameters. The bodies the bot sends are
// scanned by hand (see jsonScanner); any other body, and any the scanner is
// not sure of, is decoded by decodeJSON, whose results the scanner's equal.
func (p *params) readJSON(body []byte) error {
	q := *p
	if q.scanJSON(body) {
		*p = q
		return nil
	}
	return p.decodeJSON(body)
}

// decodeJSON reads a JSON object of parameters with encoding/json. A body
// that does not fit params (not an object, or a reply_markup that is not a
// markup object, such as its JSON text in a string) is read value by value
// instead.
func (p *params) decodeJSON(body []byte) error {
	err := json.Unmarshal(body, p)
	if errors.As(err, new(*json.UnmarshalTypeError)) {
		return p.readJSONValues(body)
	}
	return err
}

// readJSONValues reads each value of a JSON object as a form would carry
// it; set overwrites whatever readJSON had decoded of it.
func (p *params) readJSONValues(body []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	for k, raw := range m {
		var v param
		if err := v.UnmarshalJSON(raw); err != nil {
			return err
		}
		p.set(k, string(v))
	}
	return nil
}

// markup is the part of reply_markup a citizen acts on.
type markup struct {
	Inline [][]Button
	// Contact is a reply keyboard with a request_contact key; Remove takes
	// a reply keyboard away.
	Contact, Remove bool
}

type wireMarkup struct {
	InlineKeyboard [][]Button    `json:"inline_keyboard"`
	Keyboard       [][]keyButton `json:"keyboard"`
	RemoveKeyboard bool          `json:"remove_keyboard"`
}

// keyButton is the part of a reply keyboard's key the fake reads.
type keyButton struct {
	RequestContact bool `json:"request_contact"`
}

func parseMarkup(s string) (markup, error) {
	if s == "" {
		return markup{}, nil
	}
	var w wireMarkup
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return markup{}, fmt.Errorf("reply_markup: %w", err)
	}
	return w.markup(), nil
}

func (w *wireMarkup) markup() markup {
	m := markup{Inline: w.InlineKeyboard, Remove: w.RemoveKeyboard}
	for _, row := range w.Keyboard {
		for _, k := range row {
			m.Contact = m.Contact || k.RequestContact
		}
	}
	return m
}

// equal says whether two markups show the same: an edit to the same text
// and markup is refused as not modified.
func (m markup) equal(o markup) bool {
	return m.Contact == o.Contact && m.Remove == o.Remove &&
		slices.EqualFunc(m.Inline, o.Inline, slices.Equal[[]Button])
}

// jsonScanner reads by hand the JSON bodies the bot sends the fake: a flat
// object of strings, numbers, booleans and nulls, reply_markup an object of
// keyboards. It exists because the load generator shares the machine with
// the bot it measures, so its CPU is taken from the bot's measured
// throughput, and encoding/json's reflection was a sixth of it.
//
// It reads what encoding/json reads or gives up: every method says whether
// it read its value, false for invalid JSON and for anything encoding/json
// would read differently from the scanner or refuse (a key matched
// regardless of case or escaped, a value of another type, a markup given
// twice, a null in a keyboard, deep nesting), and readJSON then decodes the
// body with encoding/json. FuzzReadJSON holds the two to the same results.
type jsonScanner struct {
	data []byte
	// str is data copied once: the strings without escapes are cut from
	// it, so a message the fake keeps holds its body of a few kB.
	str string
	pos int
}

// maxScanDepth bounds the nesting of a skipped value; encoding/json's
// bound is far deeper, so deeper bodies are left to it.
const maxScanDepth = 64

// The field names of params, wireMarkup, Button and keyButton, to tell a
// key encoding/json would match to one regardless of case.
var (
	paramNames  = []string{"method", "chat_id", "message_id", "text", "caption", "document", "callback_query_id", "url", "reply_markup"}
	markupNames = []string{"inline_keyboard", "keyboard", "remove_keyboard"}
	buttonNames = []string{"text", "callback_data"}
	keyNames    = []string{"request_contact"}
)

// scanJSON reads body into p as decodeJSON would, and says whether it did;
// if not, p is partly overwritten.
func (p *params) scanJSON(body []byte) bool {
	sc := jsonScanner{data: body, str: string(body)}
	sc.space()
	ok := sc.object(func(key string, plain bool) bool {
		if f := p.field(key); f != nil {
			return sc.param(f)
		}
		if key == "reply_markup" {
			return sc.markup(&p.Markup)
		}
		return sc.skipField(key, plain, paramNames)
	})
	sc.space()
	return ok && sc.pos == len(sc.data)
}

// param reads a value as param.UnmarshalJSON does: a string unquoted,
// anything else as its JSON text.
func (sc *jsonScanner) param(dst *param) bool {
	if sc.peek() == '"' {
		s, ok := sc.string()
		*dst = param(s)
		return ok
	}
	start := sc.pos
	if !sc.skip(0) {
		return false
	}
	*dst = param(sc.str[start:sc.pos])
	return true
}

// markup reads reply_markup. A second markup object would be decoded into
// the first, merging them, and one of another type is read value by value:
// both are left to encoding/json.
func (sc *jsonScanner) markup(dst **wireMarkup) bool {
	if sc.literal("null") {
		*dst = nil
		return true
	}
	if *dst != nil || sc.peek() != '{' {
		return false
	}
	w := new(wireMarkup)
	*dst = w
	return sc.object(func(key string, plain bool) bool {
		var ok bool
		switch key {
		case "inline_keyboard":
			if w.InlineKeyboard != nil {
				return false // a second one would be decoded into the first
			}
			w.InlineKeyboard, ok = keyboard(sc, sc.inlineButton)
			return ok
		case "keyboard":
			if w.Keyboard != nil {
				return false
			}
			w.Keyboard, ok = keyboard(sc, sc.keyButton)
			return ok
		case "remove_keyboard":
			return sc.bool(&w.RemoveKeyboard)
		}
		return sc.skipField(key, plain, markupNames)
	})
}

func (sc *jsonScanner) inlineButton() (b Button, ok bool) {
	return b, sc.object(func(key string, plain bool) bool {
		switch key {
		case "text":
			return sc.stringField(&b.Text)
		case "callback_data":
			return sc.stringField(&b.Data)
		}
		return sc.skipField(key, plain, buttonNames)
	})
}

func (sc *jsonScanner) keyButton() (k keyButton, ok bool) {
	return k, sc.object(func(key string, plain bool) bool {
		if key == "request_contact" {
			return sc.bool(&k.RequestContact)
		}
		return sc.skipField(key, plain, keyNames)
	})
}

// keyboard reads an array of rows of buttons, each read by button, as
// encoding/json would into [][]T (an empty array is an empty slice, not
// nil). The buttons share one allocation, the rows another.
func keyboard[T any](sc *jsonScanner, button func() (T, bool)) ([][]T, bool) {
	var allBuf [32]T
	var endBuf [8]int
	all, ends := allBuf[:0], endBuf[:0]
	ok := sc.array(func() bool {
		ok := sc.array(func() bool {
			b, ok := button()
			all = append(all, b)
			return ok
		})
		ends = append(ends, len(all))
		return ok
	})
	if !ok {
		return nil, false
	}
	buttons := make([]T, len(all))
	copy(buttons, all)
	rows := make([][]T, len(ends))
	start := 0
	for i, end := range ends {
		rows[i] = buttons[start:end:end]
		start = end
	}
	return rows, true
}

// object reads an object, handing each key to field to read its value.
// plain says the key is ASCII without escapes: encoding/json matches any
// other key to field names by its unescaped, case-folded text.
func (sc *jsonScanner) object(field func(key string, plain bool) bool) bool {
	if !sc.next('{') {
		return false
	}
	if sc.next('}') {
		return true
	}
	for {
		sc.space()
		if sc.peek() != '"' {
			return false
		}
		key, plain, ok := sc.rawString()
		if !ok || !sc.next(':') {
			return false
		}
		sc.space()
		if !field(key, plain) {
			return false
		}
		if !sc.next(',') {
			return sc.next('}')
		}
	}
}

// array reads an array, calling elem to read each element.
func (sc *jsonScanner) array(elem func() bool) bool {
	if !sc.next('[') {
		return false
	}
	if sc.next(']') {
		return true
	}
	for {
		sc.space()
		if !elem() {
			return false
		}
		if !sc.next(',') {
			return sc.next(']')
		}
	}
}

// skipField skips the value of a key that is none of names, as
// encoding/json does; it gives up on a key encoding/json could match to
// one of them ("Text", "te\u0078t").
func (sc *jsonScanner) skipField(key string, plain bool, names []string) bool {
	if !plain {
		return false
	}
	for _, name := range names {
		if strings.EqualFold(key, name) {
			return false
		}
	}
	return sc.skip(0)
}

// skip reads any value, checking it as encoding/json does.
func (sc *jsonScanner) skip(depth int) bool {
	if depth > maxScanDepth {
		return false
	}
	switch c := sc.peek(); {
	case c == '"':
		_, _, ok := sc.rawString()
		return ok
	case c == '{':
		return sc.object(func(string, bool) bool { return sc.skip(depth + 1) })
	case c == '[':
		return sc.array(func() bool { return sc.skip(depth + 1) })
	case c == 't':
		return sc.literal("true")
	case c == 'f':
		return sc.literal("false")
	case c == 'n':
		return sc.literal("null")
	}
	return sc.number()
}

// stringField reads a string into a string field; encoding/json would
// leave the field as it is for null, so that is left to it too.
func (sc *jsonScanner) stringField(dst *string) bool {
	if sc.peek() != '"' {
		return false
	}
	s, ok := sc.string()
	*dst = s
	return ok
}

// bool reads true or false; null would leave dst as it is, and is left to
// encoding/json.
func (sc *jsonScanner) bool(dst *bool) bool {
	switch {
	case sc.literal("true"):
		*dst = true
	case sc.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// string reads a string, unquoted as encoding/json does: escapes
// replaced, and invalid UTF-8 and lone surrogates by U+FFFD.
func (sc *jsonScanner) string() (string, bool) {
	raw, plain, ok := sc.rawString()
	if !ok {
		return "", false
	}
	if plain || strings.IndexByte(raw, '\\') < 0 && utf8.ValidString(raw) {
		return raw, true
	}
	return unquote(raw), true
}

// rawString reads a string, checking it as encoding/json does, and returns
// its text between the quotes; plain says it is ASCII without escapes.
func (sc *jsonScanner) rawString() (raw string, plain, ok bool) {
	d := sc.data
	plain = true
	var or byte // all the bytes or'ed, to tell ASCII
	for i := sc.pos + 1; ; {
		for i < len(d) && !stringStop[d[i]] {
			or |= d[i]
			i++
		}
		switch {
		case i == len(d) || d[i] < ' ':
			return "", false, false
		case d[i] == '"':
			raw, sc.pos = sc.str[sc.pos+1:i], i+1
			return raw, plain && or < utf8.RuneSelf, true
		}
		// A backslash.
		plain = false
		if i+1 == len(d) {
			return "", false, false
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if _, ok := hex4(sc.str[i+2:]); !ok {
				return "", false, false
			}
			i += 6
		default:
			return "", false, false
		}
	}
}

// stringStop marks the bytes that end a run of a string's plain bytes: the
// quote, the backslash and the control characters JSON forbids in it.
var stringStop = func() (stop [256]bool) {
	for c := range ' ' {
		stop[c] = true
	}
	stop['"'], stop['\\'] = true, true
	return stop
}()

// unquote replaces the escapes of a string rawString has checked, and
// invalid UTF-8 and lone surrogates by U+FFFD, as encoding/json does.
func unquote(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for {
		n := strings.IndexByte(raw, '\\')
		if n < 0 {
			n = len(raw)
		}
		writeUTF8(&b, raw[:n])
		if raw = raw[n:]; raw == "" {
			return b.String()
		}
		e := raw[1]
		raw = raw[2:]
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, _ := hex4(raw)
			raw = raw[4:]
			if utf16.IsSurrogate(r) {
				// A pair of escapes makes one rune; anything else, U+FFFD.
				r2 := rune(-1)
				if strings.HasPrefix(raw, `\u`) {
					r2, _ = hex4(raw[2:])
				}
				if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
					raw = raw[6:]
				}
			}
			b.WriteRune(r)
		default: // '"', '\\', '/'
			b.WriteByte(e)
		}
	}
}

// writeUTF8 writes s with each byte of invalid UTF-8 replaced by U+FFFD.
func writeUTF8(b *strings.Builder, s string) {
	if utf8.ValidString(s) {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		b.WriteRune(r)
	}
}

// hex4 reads the four hex digits of a \u escape.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *jsonScanner) number() bool {
	d, i := sc.data, sc.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = skipDigits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		j := skipDigits(d, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := skipDigits(d, i)
		if j == i {
			return false
		}
		i = j
	}
	sc.pos = i
	return true
}

// skipDigits returns the index after the digits from i on.
func skipDigits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// literal reads lit if it comes next.
func (sc *jsonScanner) literal(lit string) bool {
	if !strings.HasPrefix(sc.str[sc.pos:], lit) {
		return false
	}
	sc.pos += len(lit)
	return true
}

// next skips white space and reads c if it comes next.
func (sc *jsonScanner) next(c byte) bool {
	sc.space()
	if sc.peek() != c {
		return false
	}
	sc.pos++
	return true
}

// peek returns the next byte, 0 at the end.
func (sc *jsonScanner) peek() byte {
	if sc.pos < len(sc.data) {
		return sc.data[sc.pos]
	}
	return 0
}

func (sc *jsonScanner) space() {
	for sc.pos < len(sc.data) {
		switch sc.data[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}
