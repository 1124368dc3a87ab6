package sandbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rantevou/rantevou/sandbox/browsertest"
)

// keyXPath finds an inline button or a reply key by its label.
func keyXPath(label string) string {
	return `//button[(contains(@class,"key") or contains(@class,"replykey")) and normalize-space(.)="` + label + `"]`
}

// step runs browser actions with a deadline, failing the test with what
// the page showed when it times out.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("messages") ? document.getElementById("messages").innerText : document.body.innerText`))
		t.Fatalf("%s: %v\npage shows:\n%s", what, err, text)
	}
}

func TestBrowserChat(t *testing.T) {
	r := newRig(t, nil)
	ctx := browsertest.New(t)

	step(t, ctx, "open the chat page",
		chromedp.Navigate(r.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("start")),
	)
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "welcome.png"), png, 0o644)
	}
	office, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("office")))
	// The page starts in the browser's language.
	if err != nil || (office != "Δήμος Θεσσαλονίκης" && office != "City of Thessaloniki") {
		t.Fatalf("header = %q, %v; want the municipality's name", office, err)
	}
	step(t, ctx, "switch to English",
		chromedp.Click(chromedp.ID("lang-en")),
		chromedp.WaitVisible(keyXPath("Book an appointment")),
	)
	step(t, ctx, "tap Book", chromedp.Click(keyXPath("Book an appointment")), chromedp.WaitVisible(keyXPath("09:00")))
	step(t, ctx, "tap 09:00", chromedp.Click(keyXPath("09:00")), chromedp.WaitVisible(chromedp.ID("share-contact")))
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "share.png"), png, 0o644)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("share-contact")))
	if err != nil || !strings.Contains(label, "Share my phone") {
		t.Fatalf("share key = %q, %v", label, err)
	}
	step(t, ctx, "share the phone",
		chromedp.Click(chromedp.ID("share-contact")),
		chromedp.WaitVisible(`//div[contains(@class,"bubble") and contains(., "Reference: TH-7K2Q")]`),
		chromedp.WaitVisible(`//a[contains(@class,"doc") and contains(., "rantevou.ics")]`),
	)
	step(t, ctx, "type a message",
		chromedp.SendKeys(chromedp.ID("text"), "Ευχαριστώ!\n"),
		chromedp.WaitVisible(`//div[contains(@class,"bubble") and contains(., "You wrote: Ευχαριστώ!")]`),
	)
	edited, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".msg.bot .meta").length && [...document.querySelectorAll(".msg.bot .meta")].filter(e => e.textContent.includes("edited")).length`))
	if err != nil || edited != 1 {
		t.Fatalf("messages marked edited = %d, %v; want the one edited in place", edited, err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("replykeys").hidden`))
	if err != nil || !hidden {
		t.Fatalf("the share-contact key is still shown after the bot removed the keyboard (%v)", err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "chat.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserStaffPage(t *testing.T) {
	spy := &slackSpy{t: t}
	r := newRig(t, spy)
	ctx := browsertest.New(t)
	step(t, ctx, "open the staff page",
		chromedp.Navigate(r.srv.URL+"/staff"),
		chromedp.WaitVisible(`//nav//button[contains(., "Δημοτολόγιο")]`),
	)
	step(t, ctx, "run a command",
		chromedp.SendKeys(chromedp.ID("cmd-text"), "roster\n"),
		chromedp.WaitVisible(`//div[contains(@class,"post") and contains(., "Roster of today posted")]`),
		chromedp.WaitVisible(`//div[contains(@class,"eph") and contains(., "Only visible to you")]`),
	)
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.commands) != 1 || spy.commands[0].Text != "roster" {
		t.Fatalf("the Slack handler got %+v, want one /rantevou roster", spy.commands)
	}
}
