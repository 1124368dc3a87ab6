package telegramfake

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
)

func multipartReader(r io.Reader, boundary string) (*multipart.Reader, error) {
	if boundary == "" {
		return nil, errors.New("multipart body without boundary")
	}
	return multipart.NewReader(r, boundary), nil
}

// readMultipart reads the streamed form go-telegram/bot writes: one part per
// parameter, files as parts with a file name.
func (p *params) readMultipart(mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("can't read multipart body: %w", err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return fmt.Errorf("can't read part %s: %w", part.FormName(), err)
		}
		if part.FileName() != "" {
			p.files[part.FormName()] = upload{name: part.FileName(), data: data}
			p.values[part.FormName()] = "attach://" + part.FileName()
			continue
		}
		p.values[part.FormName()] = string(data)
	}
}

func parseQuery(s string) (map[string]string, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m, nil
}
