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
	"strconv"
)

// maxParamBytes bounds one parameter; the bot's largest is a message text of
// 4096 characters (16 kB in UTF-8) or a calendar file of a few kB.
const maxParamBytes = 1 << 20

// params are the arguments of one Bot API call however they came: the
// multipart form go-telegram/bot streams, a JSON body (a webhook's answer
// carries one), a urlencoded form or a query string. As in the form
// encodings, an object or array (reply_markup) is kept as its JSON text.
type params map[string]string

// parseParams reads the arguments of an HTTP request to the Bot API.
func parseParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if ctParams["boundary"] == "" {
			return nil, errors.New("multipart body without boundary")
		}
		if err := p.readMultipart(multipart.NewReader(r.Body, ctParams["boundary"])); err != nil {
			return nil, err
		}
	case "application/json":
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxParamBytes))
		if err != nil {
			return nil, err
		}
		if err := p.readJSON(raw); err != nil {
			return nil, err
		}
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxParamBytes))
		if err != nil {
			return nil, err
		}
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, err
		}
		for k, v := range q {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
	case "":
	default:
		return nil, fmt.Errorf("unsupported content type %q", ct)
	}
	// Reading to the end frees the connection for the next request.
	_, _ = io.Copy(io.Discard, r.Body)
	return p, nil
}

// readMultipart reads one part per parameter. A file's content is dropped:
// the citizen only sees that a document came.
func (p params) readMultipart(mr *multipart.Reader) error {
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
			p[part.FormName()] = "attach://" + part.FileName()
			continue
		}
		buf.Reset()
		if _, err := io.Copy(&buf, io.LimitReader(part, maxParamBytes)); err != nil {
			return fmt.Errorf("read part %s: %w", part.FormName(), err)
		}
		p[part.FormName()] = buf.String()
	}
}

// readJSON reads a JSON object of parameters: strings unquoted, anything
// else (numbers, booleans, objects) kept as JSON text.
func (p params) readJSON(body []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	for k, raw := range m {
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			p[k] = s
			continue
		}
		p[k] = string(raw)
	}
	return nil
}

func (p params) int64(name string) (int64, bool) {
	n, err := strconv.ParseInt(p[name], 10, 64)
	return n, err == nil
}

// markup is the part of reply_markup a citizen acts on.
type markup struct {
	Inline [][]Button
	// Contact is a reply keyboard with a request_contact key; Remove takes
	// a reply keyboard away.
	Contact, Remove bool
}

type wireMarkup struct {
	InlineKeyboard [][]struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
	} `json:"inline_keyboard"`
	Keyboard [][]struct {
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
	m := markup{Remove: w.RemoveKeyboard}
	for _, row := range w.InlineKeyboard {
		r := make([]Button, 0, len(row))
		for _, b := range row {
			r = append(r, Button{Text: b.Text, Data: b.CallbackData})
		}
		m.Inline = append(m.Inline, r)
	}
	for _, row := range w.Keyboard {
		for _, k := range row {
			m.Contact = m.Contact || k.RequestContact
		}
	}
	return m, nil
}
