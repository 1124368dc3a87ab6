package telegramfake_test

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/rantevou/rantevou/telegramfake"
)

// getUpdates long-polls the fake the way go-telegram/bot does: a
// multipart/form-data POST streamed through a pipe, so sent chunked.
func getUpdates(ctx context.Context, url string, timeout string) (int, error) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		if err := w.WriteField("timeout", timeout); err != nil {
			pw.CloseWithError(err)
			return
		}
		if err := w.Close(); err != nil {
			pw.CloseWithError(err)
			return
		}
		// The end of the chunked body comes a moment after the closing
		// boundary, as it can from the library's pipe.
		time.Sleep(50 * time.Millisecond)
		pw.Close()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/bot"+token+"/getUpdates", pr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestAbandonedLongPoll: a poller that hangs up (a bot stopping) must free
// its long poll at once, so that the next poller is not refused as a
// second bot and Close does not wait out the poll's timeout.
func TestAbandonedLongPoll(t *testing.T) {
	fake := telegramfake.New(token)
	url := fake.Start()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := getUpdates(ctx, url, "30"); err == nil {
		t.Fatal("the first poll should have been cut off by its context")
	}
	var code int
	deadline := time.Now().Add(2 * time.Second)
	for {
		var err error
		if code, err = getUpdates(context.Background(), url, "0"); err != nil {
			t.Fatal(err)
		}
		if code == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("a new poll after the first hung up got %d; the abandoned poll still holds the bot", code)
	}

	// A poll in flight when the fake closes ends at once.
	go getUpdates(context.Background(), url, "30")
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	fake.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Close took %v with a long poll open", took)
	}
}
