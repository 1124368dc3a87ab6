package main

import (
	"context"
	"fmt"

	"github.com/rantevou/rantevou/booking"
)

func init() {
	commands["catalog"] = command{
		summary: "check FILE: validate a catalog file",
		run:     runCatalog,
	}
}

func runCatalog(ctx context.Context, e cmdEnv, args []string) error {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(e.stderr, "usage: rantevou catalog check FILE")
		return errUsage
	}
	c, err := booking.LoadCatalog(args[1])
	if err != nil {
		return fmt.Errorf("%s: %s", args[1], firstLine(err.Error()))
	}
	fmt.Fprintf(e.stdout, "ok: %s, %s\n", count(len(c.Departments), "department", "departments"),
		count(len(c.Services), "service", "services"))
	return nil
}

// count says n things in English: "1 department", "4 departments".
func count(n int, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, other)
}
