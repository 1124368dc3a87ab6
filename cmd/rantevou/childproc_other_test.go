//go:build !linux

package main

import "os/exec"

// dieWithTest does nothing here: only Linux kills a child with its parent.
// The test's cleanup still stops the servers it started.
func dieWithTest(*exec.Cmd) {}
