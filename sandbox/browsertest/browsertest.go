// Package browsertest starts headless Chromium (Debian's chromium package)
// for the tests that look at the sandbox pages the way a person does.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

// New starts headless Chromium with a fresh profile and a phone-sized
// window (412×860 at twice the density) and returns a chromedp context for
// one tab, closed when the test ends. A missing browser fails the test,
// saying how to install it: a skipped test would hide that the pages were
// never tried. The flags keep it off the network, which this machine does
// not have.
func New(t testing.TB) context.Context {
	t.Helper()
	path := ChromiumPath
	if _, err := os.Stat(path); err != nil {
		p, lookErr := exec.LookPath("chromium")
		if lookErr != nil {
			t.Fatalf("headless Chromium is required for this test and was not found at %s or on PATH: "+
				"install it with `make chromium` (apt-get install chromium fonts-noto-color-emoji)", ChromiumPath)
		}
		path = p
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "el-GR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 860),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser; its context must carry no timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(412, 860, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	return ctx
}
