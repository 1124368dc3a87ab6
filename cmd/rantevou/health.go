package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

func init() {
	commands["health"] = command{
		summary: "exit 0 if the server on HTTP_ADDR answers /healthz (for container health checks)",
		run:     runHealth,
	}
}

// runHealth lets a container image without curl check itself.
func runHealth(ctx context.Context, e cmdEnv, args []string) error {
	cfg, err := LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.HTTPAddr) // validated by LoadConfig
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: /healthz answered %s", resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
