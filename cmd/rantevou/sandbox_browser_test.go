package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/redis/redistest"
	"github.com/rantevou/rantevou/sandbox/browsertest"
)

var updateScreenshot = flag.Bool("update", false, "rewrite "+defaultScreenshot+", the README's picture of the sandbox")

// defaultScreenshot is where TestSandboxBrowser keeps its picture of the
// chat for the README, rewritten with -update; SANDBOX_SCREENSHOT names one
// more copy.
const defaultScreenshot = "testdata/sandbox.png"

// startSandbox runs the real program in process in sandbox mode (no
// Telegram or Slack token) on a fresh PostgreSQL database.
func startSandbox(t *testing.T) *running {
	t.Helper()
	cfg, err := LoadConfig(env(map[string]string{
		"DATABASE_URL": pgtest.URLOf(pgtest.New(t)),
		"REDIS_URL":    redistest.URL(),
		"HTTP_ADDR":    "127.0.0.1:0",
		"LOG_LEVEL":    "warn",
		"LOG_FORMAT":   "text",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Sandbox() || !cfg.SlackSandbox() {
		t.Fatal("config without tokens is not the sandbox")
	}
	return startMain(t, cfg)
}

// browse runs browser actions with a deadline; on failure it shows what
// the chat page showed.
func browse(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v\nthe page shows:\n%s", what, err, pageText(ctx))
	}
}

// pageText is what the page shows, for failure messages.
func pageText(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text
}

// lastButton finds the newest inline button whose callback data contains
// data: the bot edits its messages in place, so the newest is the live one.
func lastButton(data string) string {
	return `(//button[contains(@class,"key") and contains(@data-data,"` + data + `")])[last()]`
}

// lastLabel finds the newest inline button whose label contains label.
func lastLabel(label string) string {
	return `(//button[contains(@class,"key") and contains(normalize-space(.),"` + label + `")])[last()]`
}

// TestSandboxBrowser books a whole appointment the way a person trying the
// sandbox would: in headless Chromium, by tapping the chat page's buttons,
// against the real program with no tokens. It checks the confirmation and
// its reference on the page and the booking in PostgreSQL, and keeps a
// screenshot for the README.
func TestSandboxBrowser(t *testing.T) {
	m := startSandbox(t)
	ctx := browsertest.New(t)

	browse(t, ctx, "open the chat page",
		chromedp.Navigate(m.URL()+"/"),
		chromedp.WaitVisible(chromedp.ID("start")),
	)
	browse(t, ctx, "switch to Greek, which sends /start",
		chromedp.Click(chromedp.ID("lang-el")),
		chromedp.WaitVisible(lastButton("|bk")),
	)
	office, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("office")))
	if err != nil || office != "Δήμος Θεσσαλονίκης" {
		t.Fatalf("header = %q (%v), want the municipality's Greek name", office, err)
	}
	browse(t, ctx, "tap Book", chromedp.Click(lastButton("|bk")), chromedp.WaitVisible(lastLabel("Δημοτολόγιο")))
	browse(t, ctx, "choose the Civil Registry", chromedp.Click(lastLabel("Δημοτολόγιο")), chromedp.WaitVisible(lastLabel("Πιστοποιητικό γέννησης")))
	browse(t, ctx, "choose a birth certificate", chromedp.Click(lastLabel("Πιστοποιητικό γέννησης")), chromedp.WaitVisible(lastButton("|fa")))
	browse(t, ctx, "tap First available", chromedp.Click(lastButton("|fa")), chromedp.WaitVisible(lastButton("|t|")))
	slot, err := chromedp.Run(ctx, chromedp.Text(`(//button[contains(@class,"key") and contains(@data-data,"|t|")])[1]`))
	if err != nil {
		t.Fatal(err)
	}
	browse(t, ctx, "tap the first time, "+slot,
		chromedp.Click(`(//button[contains(@class,"key") and contains(@data-data,"|t|")])[1]`),
		chromedp.WaitVisible(chromedp.ID("share-contact")),
	)
	browse(t, ctx, "share the phone number",
		chromedp.Click(chromedp.ID("share-contact")),
		chromedp.WaitVisible(`//div[contains(@class,"contact-card")]`),
		// The bot takes the share-contact key away once it has the number.
		chromedp.Poll[chromedp.Void](`document.getElementById("replykeys").hidden`),
	)
	const name = "Μαρία Παπαδοπούλου"
	browse(t, ctx, "type the name",
		chromedp.SendKeys(chromedp.ID("text"), name+"\n"),
		chromedp.WaitVisible(lastButton("|ok")),
	)
	browse(t, ctx, "confirm",
		chromedp.Click(lastButton("|ok")),
		chromedp.WaitVisible(lastLabel("Στο ημερολόγιο")),
	)
	// The one confirmation leads to the phone's calendar.
	browse(t, ctx, "add it to the calendar",
		chromedp.Click(lastLabel("Στο ημερολόγιο")),
		chromedp.WaitVisible(`//a[contains(@class,"doc") and contains(., ".ics")]`),
	)

	userID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem("rantevou.user")`))
	if err != nil {
		t.Fatal(err)
	}
	citizen, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		t.Fatalf("the page's user id %q: %v", userID, err)
	}
	var ref, status, gotName, phone, service, dept, lang string
	err = m.pool.QueryRow(context.Background(),
		`SELECT ref, status, name, phone, service, department, lang FROM bookings WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1)`, citizen).
		Scan(&ref, &status, &gotName, &phone, &service, &dept, &lang)
	if err != nil {
		t.Fatalf("the booking of citizen %d in PostgreSQL: %v", citizen, err)
	}
	wantPhone := fmt.Sprintf("+3069%08d", citizen%100_000_000)
	if status != "active" || gotName != name || phone != wantPhone || service != "birth-certificate" || dept != "civil-registry" || lang != "el" {
		t.Fatalf("booking %s: status %s, name %q, phone %q, service %s, department %s, lang %s; want active, %q, %q, birth-certificate, civil-registry, el",
			ref, status, gotName, phone, service, dept, lang, name, wantPhone)
	}
	browse(t, ctx, "see the reference "+ref+" on the page",
		chromedp.WaitVisible(`//div[contains(@class,"msg bot")][.//a[contains(@class,"doc")]]`),
		chromedp.WaitVisible(`//div[contains(@class,"bubble") and contains(., "`+ref+`") and contains(., "`+slot+`") and contains(., "Βασιλέως Γεωργίου 1")]`),
	)
	if !strings.Contains(slot, ":") {
		t.Fatalf("the time button read %q", slot)
	}

	// Staff: the roster of that day on the staff page, through the real
	// Slack handler, with the buttons a booking still to come has.
	var day string
	if err := m.pool.QueryRow(context.Background(),
		`SELECT to_char(lower(during) AT TIME ZONE 'Europe/Athens', 'YYYY-MM-DD') FROM bookings WHERE ref = $1`, ref).Scan(&day); err != nil {
		t.Fatal(err)
	}
	staffCtx, closeStaff := chromedp.NewContext(ctx) // a second tab
	defer closeStaff()
	// The first Run opens the tab, which lives as long as that Run's
	// context: no timeout on this one.
	if err := chromedp.Do(staffCtx, chromedp.EmulateViewport(1100, 800)); err != nil {
		t.Fatal(err)
	}
	browse(t, staffCtx, "open the staff page",
		chromedp.Navigate(m.URL()+"/staff"),
		chromedp.WaitVisible(`//nav//button[contains(., "Δημοτολόγιο") and contains(@class, "active")]`),
	)
	browse(t, staffCtx, "ask for the roster of "+day,
		chromedp.SendKeys(chromedp.ID("cmd-text"), "roster "+day+"\n"),
		chromedp.WaitVisible(`//div[contains(@class,"post")][.//button[@data-action="rantevou_cancel" and @data-value="`+ref+`"]]`),
	)
	// Attended and no-show come on the booking's day itself: the roster
	// of a later day offers them for no booking. After midnight in
	// Thessaloniki the first free time can be that same day, hours from
	// now, and then the roster offers both. (The roster's Cancel, through
	// its modal, is TestSandboxPhoneBooking's.)
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	wantMarks := 0
	if day == time.Now().In(athens).Format("2006-01-02") {
		wantMarks = 2
	}
	marks, err := chromedp.Run(staffCtx, chromedp.Evaluate[int](
		`document.querySelectorAll('button[data-action="rantevou_attended"], button[data-action="rantevou_no_show"]').length`))
	if err != nil || marks != wantMarks {
		t.Fatalf("the roster of %s offers %d attendance buttons (%v); want %d", day, marks, err, wantMarks)
	}
	if png, err := chromedp.Run(staffCtx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(t.ArtifactDir(), "staff.png"), png, 0o644)
	}

	// Let the edit highlight fade, then keep the picture of the chat.
	browse(t, ctx, "settle", chromedp.Sleep(time.Second))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %v", err)
	}
	// The picture is a test artefact (kept with go test -artifacts); the
	// README's copy changes only when asked, so a test run leaves the tree
	// as it was.
	outs := []string{filepath.Join(t.ArtifactDir(), "sandbox.png")}
	if env := os.Getenv("SANDBOX_SCREENSHOT"); env != "" {
		outs = append(outs, env)
	}
	if *updateScreenshot {
		outs = append(outs, defaultScreenshot)
	}
	for _, out := range outs {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("booked %s at %s through the chat page; screenshot in %v", ref, slot, outs)

	// Ctrl-C with the page still open: its long poll must not hold up the
	// graceful shutdown.
	start := time.Now()
	if err := m.stop(); err != nil {
		t.Fatalf("stopping with the chat page open: %v after %v", err, time.Since(start).Round(time.Millisecond))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("stopping with the chat page open took %v", took)
	}
}
