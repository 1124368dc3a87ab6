package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rantevou/rantevou/sandbox/browsertest"
)

// chooseOption picks value in the select matched by the CSS selector css,
// as a person choosing from its list does (an input and a change event).
func chooseOption(css, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector(` + strconv.Quote(css) + `);
		if (!s) throw new Error("no select " + ` + strconv.Quote(css) + `);
		s.value = ` + strconv.Quote(value) + `;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
	})()`)
}

// TestBrowserStaffModal: the staff page draws the modal a shortcut opens,
// redraws it when its select changes, shows the handler's error under the
// field, and the handler's last screen after submitting.
func TestBrowserStaffModal(t *testing.T) {
	spy := &modalSpy{t: t}
	r := newRig(t, spy)
	spy.api = newSpyClient(r)
	ctx := browsertest.New(t)
	step(t, ctx, "open the staff page",
		chromedp.Navigate(r.srv.URL+"/staff"),
		chromedp.WaitVisible(`//nav//button[contains(., "Δημοτολόγιο")]`),
	)
	step(t, ctx, "use the shortcut",
		chromedp.Click(chromedp.ID("shortcut-book")),
		chromedp.WaitVisible(`//div[@id="modal"]//h2[.="Ραντεβού"]`),
		chromedp.WaitVisible(`#modal select[data-block="day."]`),
	)
	step(t, ctx, "choose Tuesday, which redraws the modal",
		chromedp.SendKeys(`#modal input[data-block="name"]`, "Μαρ"),
		chooseOption(`#modal select[data-block="day."]`, "tue"),
		chromedp.WaitVisible(`#modal select[data-block="day.tue"]`),
		chromedp.WaitVisible(`//div[@id="modal"]//b[.="tue"]`),
	)
	typed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#modal input[data-block="name"]').value`))
	if err != nil || typed != "Μαρ" {
		t.Fatalf("the name typed before the redraw reads %q (%v); Slack keeps it", typed, err)
	}
	step(t, ctx, "submit without a name",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#modal input[data-block="name"]').value = ""`),
		chromedp.Click(chromedp.ID("modal-submit")),
		chromedp.WaitVisible(`//div[contains(@class,"field-error") and .="Please complete this required field."]`),
	)
	spy.mu.Lock()
	n := len(spy.got)
	spy.mu.Unlock()
	if n != 2 {
		t.Fatalf("the handler got %d interactions; a required field left empty is not submitted", n)
	}
	step(t, ctx, "submit with a name",
		chromedp.SendKeys(`#modal input[data-block="name"]`, "Μαρία"),
		chromedp.Click(chromedp.ID("modal-submit")),
		chromedp.WaitVisible(`//div[@id="modal"]//h2[.="Έγινε"]`),
		chromedp.WaitVisible(`//div[@id="modal"]//b[.="K7P4QX"]`),
	)
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "modal.png"), png, 0o644)
	}
	step(t, ctx, "close it",
		chromedp.Click(chromedp.ID("modal-close")),
		chromedp.WaitNotPresent(`#modal`),
	)
}
