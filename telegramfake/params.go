package telegramfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxRequestBytes bounds a request body; Telegram accepts documents up to
// 50 MB, the fake needs far less.
const maxRequestBytes = 10 << 20

// params holds the arguments of one Bot API call however they were encoded.
// The Bot API accepts multipart/form-data, application/x-www-form-urlencoded,
// JSON bodies and query strings; in the form encodings an object or array
// (reply_markup, commands) is itself a JSON text, so every value is kept as
// the text a form would carry.
type params struct {
	values map[string]string
	files  map[string]upload
}

type upload struct {
	name string
	data []byte
}

func parseParams(r *http.Request) (*params, error) {
	p := &params{values: map[string]string{}, files: map[string]upload{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p.values[k] = v[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(nil, r.Body, maxRequestBytes)
	switch ct {
	case "multipart/form-data":
		mr, err := multipartReader(body, ctParams["boundary"])
		if err != nil {
			return nil, err
		}
		if err := p.readMultipart(mr); err != nil {
			return nil, err
		}
		// The multipart reader stops at the closing boundary. Reading on to
		// the end lets the server watch the connection, so that a client
		// hanging up on a long poll cancels the request's context.
		_, _ = io.Copy(io.Discard, body)
	case "application/json":
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		if err := p.readJSON(raw); err != nil {
			return nil, err
		}
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		q, err := parseQuery(string(raw))
		if err != nil {
			return nil, err
		}
		for k, v := range q {
			p.values[k] = v
		}
	case "":
		_, _ = io.Copy(io.Discard, body)
	default:
		return nil, fmt.Errorf("unsupported content type %q", ct)
	}
	return p, nil
}

// readJSON adds the fields of a JSON object body; a string stays as it is,
// anything else is kept as its JSON text, as a form would carry it.
func (p *params) readJSON(raw []byte) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("can't parse JSON body: %w", err)
	}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			p.values[k] = s
		} else {
			p.values[k] = string(v)
		}
	}
	return nil
}

func (p *params) str(name string) string { return p.values[name] }

func (p *params) int64(name string) (int64, error) {
	v, ok := p.values[name]
	if !ok || v == "" {
		return 0, fmt.Errorf("%s is empty", name)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	return n, nil
}

func (p *params) optInt(name string, def int64) int64 {
	n, err := p.int64(name)
	if err != nil {
		return def
	}
	return n
}

func (p *params) bool(name string) bool {
	v := strings.TrimSpace(p.values[name])
	return v == "true" || v == "1"
}

// json decodes a parameter that carries a JSON object or array.
func (p *params) json(name string, dst any) error {
	v, ok := p.values[name]
	if !ok || v == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(v), dst); err != nil {
		return fmt.Errorf("can't parse %s JSON object", name)
	}
	return nil
}
