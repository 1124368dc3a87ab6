package bot

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// newEchoServer answers every request with a non-JSON body that quotes the
// request path, token included.
func newEchoServer(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>no route " + r.URL.Path + "</html>"))
	}))
	t.Cleanup(s.Close)
	return s.URL
}
