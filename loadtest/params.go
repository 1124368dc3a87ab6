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

// set sets the argument name to value, as a form carries it.
func (p *params) set(name, value string) {
	switch name {
	case "method":
		p.Method = param(value)
	case "chat_id":
		p.ChatID = param(value)
	case "message_id":
		p.MessageID = param(value)
	case "text":
		p.Text = param(value)
	case "caption":
		p.Caption = param(value)
	case "document":
		p.Document = param(value)
	case "callback_query_id":
		p.CallbackQueryID = param(value)
	case "url":
		p.URL = param(value)
	case "reply_markup":
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

// readJSON reads a JSON object of parameters. A body that does not fit
// params (not an object, or a reply_markup that is not a markup object,
// such as its JSON text in a string) is read value by value instead.
func (p *params) readJSON(body []byte) error {
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
	InlineKeyboard [][]Button `json:"inline_keyboard"`
	Keyboard       [][]struct {
		RequestContact bool `json:"request_contact"`
	} `json:"keyboard"`
	RemoveKeyboard bool `json:"remove_keyboard"`
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
