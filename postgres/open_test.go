package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
)

func TestOpenPoolSize(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != postgres.DefaultMaxConns {
		t.Fatalf("pool of %d connections; want %d when the URL says nothing", got, postgres.DefaultMaxConns)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	own, err := postgres.Open(ctx, url+sep+"pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if got := own.Config().MaxConns; got != 3 {
		t.Fatalf("pool of %d connections; want the URL's pool_max_conns=3", got)
	}
}
