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
	fmt.Fprintf(e.stdout, "ok: %d departments, %d services\n", len(c.Departments), len(c.Services))
	return nil
}
