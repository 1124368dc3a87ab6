package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rantevou/rantevou/sandbox/browsertest"
)

// pick chooses an option of the select matched by the CSS selector css,
// as a person choosing from its list does: by value, or, with value "",
// the first option that is not the placeholder.
func pick(css, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector(` + strconv.Quote(css) + `);
		if (!s) throw new Error("no select " + ` + strconv.Quote(css) + `);
		const v = ` + strconv.Quote(value) + `;
		if (v) s.value = v; else s.selectedIndex = 1;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
	})()`)
}

// TestSandboxPhoneBooking is the call centre's path through the sandbox,
// against the real program in headless Chromium: on the staff page the
// clerk opens "Book for a caller" from the shortcut and books by phone for
// a number; then, in the chat page, the citizen whose number that is
// shares it as their own contact and finds the booking under "my
// bookings"; when the clerk then cancels it from the roster's modal, the
// citizen is told in the chat.
func TestSandboxPhoneBooking(t *testing.T) {
	m := startSandbox(t)
	ctx := browsertest.New(t)

	// The citizen's chat first: the sandbox makes the shared number up
	// from the chat's user id, so the caller's number is known from it.
	browse(t, ctx, "open the chat page in Greek",
		chromedp.Navigate(m.URL()+"/"),
		chromedp.WaitVisible(chromedp.ID("start")),
		chromedp.Click(chromedp.ID("lang-el")),
		chromedp.WaitVisible(lastButton("|bk")),
	)
	userID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("rantevou.user")`))
	if err != nil {
		t.Fatal(err)
	}
	user, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		t.Fatalf("the page's user id %q: %v", userID, err)
	}
	typed := fmt.Sprintf("69%08d", user%100_000_000) // as the caller says it
	stored := "+30" + typed
	if shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("subtitle"))); err != nil || !strings.Contains(shown, typed) {
		t.Fatalf("the chat page shows %q (%v) under its title; want the number its share key sends, %s", shown, err, typed)
	}

	staffCtx, closeStaff := chromedp.NewContext(ctx) // a second tab
	defer closeStaff()
	if err := chromedp.Do(staffCtx, chromedp.EmulateViewport(1100, 900)); err != nil {
		t.Fatal(err)
	}
	browse(t, staffCtx, "open the staff page",
		chromedp.Navigate(m.URL()+"/staff"),
		chromedp.WaitVisible(`//nav//button[contains(., "Δημοτολόγιο") and contains(@class, "active")]`),
	)
	browse(t, staffCtx, "open Book for a caller from the shortcut",
		chromedp.Click(chromedp.ID("shortcut-book")),
		chromedp.WaitVisible(`//div[@id="modal"]//h2[.="Ραντεβού για πολίτη"]`),
		chromedp.WaitVisible(`#modal select[data-block^="book_service."]`),
	)
	browse(t, staffCtx, "choose a birth certificate: the open days and the first one's times appear",
		pick(`#modal select[data-block^="book_service."]`, "birth-certificate"),
		chromedp.WaitVisible(`#modal select[data-block^="book_time."]`),
		chromedp.WaitVisible(`//div[@id="modal"]//*[contains(., "Να φέρει")]`),
	)
	browse(t, staffCtx, "choose the first time, type the caller's name and number, and book",
		pick(`#modal select[data-block^="book_time."]`, ""),
		chromedp.SendKeys(`#modal input[data-block="book_name"]`, "Ελένη Γεωργίου"),
		chromedp.SendKeys(`#modal input[data-block="book_phone"]`, typed),
		chromedp.Click(chromedp.ID("modal-submit")),
		chromedp.WaitVisible(`//div[@id="modal"]//*[contains(., "Πείτε στον πολίτη")]`),
	)
	var ref, via string
	if err := m.pool.QueryRow(context.Background(), `SELECT ref, via FROM bookings WHERE phone = $1`, stored).Scan(&ref, &via); err != nil {
		t.Fatalf("the phone booking of %s in PostgreSQL: %v; the staff page shows:\n%s", stored, err, pageText(staffCtx))
	}
	if via != "phone" {
		t.Fatalf("booking %s made through %q, want phone", ref, via)
	}
	browse(t, staffCtx, "read the reference "+ref+" in the modal and in the direct message",
		chromedp.WaitVisible(`//div[@id="modal"]//b[.="`+ref+`"]`),
		chromedp.Click(chromedp.ID("modal-close")),
		chromedp.WaitNotPresent(`#modal`),
		chromedp.WaitVisible(`//div[contains(@class,"post")][.//div[@class="dm"]][contains(., "`+ref+`")]`),
	)
	if png, err := chromedp.Run(staffCtx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "staff-phone-booking.png"), png, 0o644)
	}

	// The citizen starts a booking of their own and shares their number
	// at the phone step (the verified path: the contact is their own).
	browse(t, ctx, "tap Book", chromedp.Click(lastButton("|bk")), chromedp.WaitVisible(lastLabel("Δημοτολόγιο")))
	browse(t, ctx, "choose the Civil Registry", chromedp.Click(lastLabel("Δημοτολόγιο")), chromedp.WaitVisible(lastLabel("οικογενειακής κατάστασης")))
	browse(t, ctx, "choose a family status certificate", chromedp.Click(lastLabel("οικογενειακής κατάστασης")), chromedp.WaitVisible(lastButton("|fa")))
	browse(t, ctx, "tap First available", chromedp.Click(lastButton("|fa")), chromedp.WaitVisible(lastButton("|t|")))
	browse(t, ctx, "tap the first time",
		chromedp.Click(`(//button[contains(@class,"key") and contains(@data-data,"|t|")])[1]`),
		chromedp.WaitVisible(chromedp.ID("share-contact")),
	)
	browse(t, ctx, "share the phone number, which the call centre booked for",
		chromedp.Click(chromedp.ID("share-contact")),
		chromedp.WaitVisible(`//div[contains(@class,"bubble") and contains(., "Βρήκαμε ένα ραντεβού")]`),
	)
	browse(t, ctx, "stop this booking", chromedp.Click(lastLabel("Διακοπή")), chromedp.WaitVisible(lastLabel("Τα ραντεβού μου")))
	browse(t, ctx, "open my bookings: the phone booking "+ref+" is there",
		chromedp.Click(lastLabel("Τα ραντεβού μου")),
		chromedp.WaitVisible(`//div[contains(@class,"msg bot")][contains(., "`+ref+`")]`),
	)

	// The clerk cancels it from the roster: its Cancel opens the reason
	// modal on the staff page. The citizen, linked now, is told on
	// Telegram.
	var day string
	if err := m.pool.QueryRow(context.Background(),
		`SELECT to_char(lower(during) AT TIME ZONE 'Europe/Athens', 'YYYY-MM-DD') FROM bookings WHERE ref = $1`, ref).Scan(&day); err != nil {
		t.Fatal(err)
	}
	cancel := `//button[@data-action="rantevou_cancel" and @data-value="` + ref + `"]`
	browse(t, staffCtx, "ask for the roster of "+day,
		chromedp.SendKeys(chromedp.ID("cmd-text"), "roster "+day+"\n"),
		chromedp.WaitVisible(cancel),
	)
	browse(t, staffCtx, "press Cancel: the modal asks for the reason",
		chromedp.Click(cancel),
		chromedp.WaitVisible(`#modal textarea[data-block="reason"]`),
	)
	const reason = "Ο πολίτης τηλεφώνησε να το ακυρώσει"
	browse(t, staffCtx, "give the reason and cancel",
		chromedp.SendKeys(`#modal textarea[data-block="reason"]`, reason),
		chromedp.Click(chromedp.ID("modal-submit")),
		chromedp.WaitNotPresent(`#modal`),
	)
	var status string
	if err := m.pool.QueryRow(context.Background(), `SELECT status FROM bookings WHERE ref = $1`, ref).Scan(&status); err != nil || status != "cancelled" {
		t.Fatalf("after the cancel modal, booking %s is %q (%v); the staff page shows:\n%s", ref, status, err, pageText(staffCtx))
	}
	browse(t, ctx, "the citizen reads of the cancellation in the chat",
		chromedp.WaitVisible(`//div[contains(@class,"bubble") and contains(., "ακύρωσε το ραντεβού σας") and contains(., "`+reason+`")]`),
	)
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "chat-phone-booking.png"), png, 0o644)
	}
}
