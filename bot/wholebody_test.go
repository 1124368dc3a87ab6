package bot

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	tgbot "github.com/go-telegram/bot"

	"github.com/rantevou/rantevou/telegramfake"
)

// TestTransportSendsWholeBodies: go-telegram/bot streams its multipart
// bodies; the transport sends each in one piece with its length, and the
// call still works against the fake.
func TestTransportSendsWholeBodies(t *testing.T) {
	fake := telegramfake.New(testToken)
	var mu sync.Mutex
	var lengths []int64
	var chunked bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lengths = append(lengths, r.ContentLength)
		chunked = chunked || len(r.TransferEncoding) > 0
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	defer front.Close()
	api, err := tgbot.New(testToken, tgbot.WithServerURL(front.URL), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(0, &http.Client{Transport: NewTransport()}))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Καλημέρα ", 200)
	if _, err := api.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: 42, Text: text}); err != nil {
		t.Fatal(err)
	}
	if m, ok := fake.Last(42); !ok || m.Text != text {
		t.Fatalf("the fake got %q", m.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	if chunked || len(lengths) != 1 || lengths[0] <= int64(len(text)) {
		t.Fatalf("request lengths %v, chunked %v; want one request of known length", lengths, chunked)
	}
}

// TestTransportStreamsLargeBodies: a body over the buffer's bound is sent
// whole all the same, streamed.
func TestTransportStreamsLargeBodies(t *testing.T) {
	var got int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = len(b)
	}))
	defer srv.Close()
	big := bytes.Repeat([]byte("x"), maxBufferedBody+100)
	pr, pw := io.Pipe()
	go func() { pw.Write(big); pw.Close() }()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
	resp, err := (&http.Client{Transport: NewTransport()}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != len(big) {
		t.Fatalf("server read %d bytes of %d", got, len(big))
	}
}
