package slack_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/postgres"
	"github.com/rantevou/rantevou/postgres/pgtest"
	"github.com/rantevou/rantevou/slack"
	"github.com/rantevou/rantevou/slackfake"
)

// modalSignAt is the time the modal tests sign their requests at: the
// adapter's clock, which TestBookModalWalkIn sets.
var modalSignAt = time.Now

// modalPost posts a signed interaction payload, signed at modalSignAt.
func (e *env) modalPost(t *testing.T, payload any) (int, map[string]any, string) {
	t.Helper()
	raw, _ := json.Marshal(payload)
	req, err := slackfake.SignedRequest(context.Background(), e.srv.URL+"/slack/interactions", secret, url.Values{"payload": {string(raw)}}, modalSignAt())
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req, "")
}

// modal is a "Book for a caller" modal as the stand-in holds it.
type modal struct {
	ID, Hash, Meta string
	Blocks         []modalBlock
}

type modalOption struct {
	Text  struct{ Text string } `json:"text"`
	Value string                `json:"value"`
}

type modalBlock struct {
	Type     string `json:"type"`
	BlockID  string `json:"block_id"`
	Label    struct{ Text string }
	Hint     *struct{ Text string }  `json:"hint"`
	Dispatch bool                    `json:"dispatch_action"`
	Text     *struct{ Text string }  `json:"text"`
	Elements []struct{ Text string } `json:"elements"`
	Element  struct {
		Type          string        `json:"type"`
		ActionID      string        `json:"action_id"`
		Options       []modalOption `json:"options"`
		InitialOption *modalOption  `json:"initial_option"`
		InitialValue  string        `json:"initial_value"`
	} `json:"element"`
}

func decodeModal(t *testing.T, v slackfake.View) modal {
	t.Helper()
	var raw struct {
		CallbackID      string       `json:"callback_id"`
		PrivateMetadata string       `json:"private_metadata"`
		Blocks          []modalBlock `json:"blocks"`
	}
	if err := json.Unmarshal(v.View, &raw); err != nil {
		t.Fatalf("view %s: %v", v.View, err)
	}
	return modal{ID: v.ID, Hash: v.Hash, Meta: raw.PrivateMetadata, Blocks: raw.Blocks}
}

// block returns the block whose id is id or starts with id when id ends in ".".
func (m modal) block(id string) (modalBlock, bool) {
	for _, b := range m.Blocks {
		if b.BlockID == id || strings.HasSuffix(id, ".") && strings.HasPrefix(b.BlockID, id) {
			return b, true
		}
	}
	return modalBlock{}, false
}

func (m modal) mustBlock(t *testing.T, id string) modalBlock {
	t.Helper()
	b, ok := m.block(id)
	if !ok {
		t.Fatalf("no block %q in the modal: %+v", id, m.Blocks)
	}
	return b
}

func (m modal) text() string {
	var parts []string
	for _, b := range m.Blocks {
		if b.Text != nil {
			parts = append(parts, b.Text.Text)
		}
		for _, e := range b.Elements {
			parts = append(parts, e.Text)
		}
		if b.Hint != nil {
			parts = append(parts, b.Hint.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func values(opts []modalOption) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Value)
	}
	return out
}

// fill is what the clerk chose, by block id prefix.
type fill map[string]string

// state builds the view state Slack sends for m filled with f: selects
// and radio buttons by option value, text inputs by value.
func (m modal) state(f fill) map[string]any {
	vals := map[string]any{}
	for _, b := range m.Blocks {
		if b.Type != "input" {
			continue
		}
		key := b.BlockID
		if i := strings.IndexByte(key, '.'); i >= 0 {
			key = key[:i+1]
		}
		v, ok := f[key]
		if !ok {
			if b.Element.InitialOption != nil {
				v, ok = b.Element.InitialOption.Value, true
			} else if b.Element.InitialValue != "" {
				v, ok = b.Element.InitialValue, true
			}
		}
		st := map[string]any{"type": b.Element.Type}
		if ok {
			if b.Element.Type == "plain_text_input" {
				st["value"] = v
			} else {
				st["selected_option"] = map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": v}}
			}
		}
		vals[b.BlockID] = map[string]any{b.Element.ActionID: st}
	}
	return map[string]any{"values": vals}
}

func (m modal) view(f fill) map[string]any {
	return map[string]any{"id": m.ID, "hash": m.Hash, "type": "modal", "callback_id": "rantevou_book_modal",
		"private_metadata": m.Meta, "state": m.state(f)}
}

// shortcut sends the global shortcut as user and returns the modal opened.
func (e *env) shortcut(t *testing.T, user string) modal {
	t.Helper()
	before := len(e.fake.Views())
	status, _, _ := e.modalPost(t, map[string]any{
		"type": "shortcut", "callback_id": "rantevou_book", "trigger_id": "trig-book-" + user,
		"user": map[string]any{"id": user, "name": "clerk"}, "team": map[string]any{"id": "T1"},
	})
	if status != 200 {
		t.Fatalf("shortcut answered %d", status)
	}
	vs := e.fake.Views()
	if len(vs) != before+1 || vs[len(vs)-1].TriggerID != "trig-book-"+user {
		t.Fatalf("views after the shortcut: %+v", vs)
	}
	return decodeModal(t, vs[len(vs)-1])
}

// choose changes a select of the modal (a block_actions with the view) and
// returns the modal as views.update redrew it.
func (e *env) choose(t *testing.T, user string, m modal, blockPrefix, action, value string, f fill) modal {
	t.Helper()
	b := m.mustBlock(t, blockPrefix)
	f = copyFill(f)
	f[blockPrefix] = value
	before := len(e.fake.Updates())
	e.modalPost(t, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": "clerk"}, "trigger_id": "trig-2",
		"container": map[string]any{"type": "view", "view_id": m.ID},
		"view":      m.view(f),
		"actions": []map[string]any{{"type": "static_select", "block_id": b.BlockID, "action_id": action,
			"selected_option": map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}}},
	})
	ups := e.fake.Updates()
	if len(ups) != before+1 {
		t.Fatalf("choosing %s=%s made %d views.update calls, want 1", blockPrefix, value, len(ups)-before)
	}
	if ups[len(ups)-1].ViewID != m.ID || ups[len(ups)-1].Hash != m.Hash {
		t.Fatalf("views.update of %s with hash %q; want view %s with its hash %q", ups[len(ups)-1].ViewID, ups[len(ups)-1].Hash, m.ID, m.Hash)
	}
	v, _ := e.fake.ViewByID(m.ID)
	return decodeModal(t, v)
}

func copyFill(f fill) fill {
	out := fill{}
	for k, v := range f {
		out[k] = v
	}
	return out
}

// submit sends the modal filled with f as user and returns the answer.
func (e *env) submit(t *testing.T, user string, m modal, f fill) map[string]any {
	t.Helper()
	status, out, _ := e.modalPost(t, map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user, "name": "clerk"},
		"view": m.view(f),
	})
	if status != 200 {
		t.Fatalf("submission answered %d", status)
	}
	return out
}

// answerView decodes the view of a response_action update.
func answerView(t *testing.T, out map[string]any) modal {
	t.Helper()
	if out["response_action"] != "update" {
		t.Fatalf("answer %v; want response_action update", out)
	}
	raw, _ := json.Marshal(out["view"])
	return decodeModal(t, slackfake.View{View: raw})
}

// slotsOf returns the free start times of service on d as the modal's
// option values.
func (e *env) slotsOf(t *testing.T, service string, d booking.Date) []string {
	t.Helper()
	day, err := e.office.FreeSlots(context.Background(), service, d)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range day.Slots {
		out = append(out, strconv.FormatInt(s.Start.Unix(), 10))
	}
	return out
}

// bookingsOfPhone returns the bookings the store holds for a stored phone.
func (e *env) bookingsOfPhone(t *testing.T, phone string) []booking.Booking {
	t.Helper()
	bs, err := e.store.BookingsByPhone(context.Background(), phone)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func TestBookModalOpens(t *testing.T) {
	t.Run("OnlyTheStaffMembersDepartmentPreselected", func(t *testing.T) {
		e := newEnv(t)
		m := e.shortcut(t, clerk)
		dept := m.mustBlock(t, "book_dept")
		if got := values(dept.Element.Options); !slices.Equal(got, []string{civil}) {
			t.Fatalf("departments offered %v; want only %s", got, civil)
		}
		if dept.Element.InitialOption == nil || dept.Element.InitialOption.Value != civil || !dept.Dispatch {
			t.Fatalf("department block %+v; want %s preselected, redrawing on change", dept, civil)
		}
		svc := m.mustBlock(t, "book_service.")
		for _, v := range values(svc.Element.Options) {
			if s, _ := e.cat.Service(v); s == nil || s.Department != civil {
				t.Fatalf("service %q offered, not one of the Civil Registry's", v)
			}
		}
		if _, ok := m.block("book_time."); ok {
			t.Fatal("times shown before a service is chosen")
		}
		for _, id := range []string{"book_name", "book_phone", "book_lang", "book_via"} {
			m.mustBlock(t, id)
		}
		if !strings.Contains(m.text(), "Επιλέξτε θέμα") {
			t.Fatalf("modal says %q; want it to ask for the service first, in Greek", m.text())
		}
	})
	t.Run("TwoDepartmentsNonePreselected", func(t *testing.T) {
		e := newEnvWith(t, func(c *booking.Catalog) {
			for i := range c.Departments {
				if c.Departments[i].Code == "registry-office" {
					c.Departments[i].Slack.Staff = append(c.Departments[i].Slack.Staff, clerk)
				}
			}
		}, nil)
		m := e.shortcut(t, clerk)
		dept := m.mustBlock(t, "book_dept")
		if got := values(dept.Element.Options); !slices.Equal(got, []string{civil, "registry-office"}) || dept.Element.InitialOption != nil {
			t.Fatalf("departments %v, initial %+v; want both of the clerk's, none chosen", got, dept.Element.InitialOption)
		}
		if _, ok := m.block("book_service."); ok || !strings.Contains(m.text(), "Επιλέξτε πρώτα την υπηρεσία") {
			t.Fatalf("before a department is chosen the modal reads %q", m.text())
		}
		// Submitted as it is: the errors go on fields the modal shows,
		// or Slack would refuse them and the clerk see nothing.
		out := e.submit(t, clerk, m, fill{"book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678"})
		errs, _ := out["errors"].(map[string]any)
		if out["response_action"] != "errors" || len(errs) != 1 || errs["book_dept"] == nil {
			t.Fatalf("answer %v; want one error, on the department", out)
		}
	})
	t.Run("NotStaffIsToldSo", func(t *testing.T) {
		e := newEnv(t)
		m := e.shortcut(t, "U0STRANGER")
		if _, ok := m.block("book_dept"); ok || !strings.Contains(m.text(), "καμία υπηρεσία") {
			t.Fatalf("a stranger's modal: %+v", m.Blocks)
		}
	})
}

// TestBookModalRefreshes: choosing the service shows the open days and
// the first one's free times; choosing another day redraws the times of
// that day, through views.update with the view's hash.
func TestBookModalRefreshes(t *testing.T) {
	e := newEnv(t)
	const svc = "birth-certificate"
	d1, d2 := e.workday(t, 0), e.workday(t, 3)
	e.book(t, svc, d2, 1500, 0, 2) // d2 has fewer free times than d1
	m := e.shortcut(t, clerk)
	m = e.choose(t, clerk, m, "book_service.", "book_service", svc, fill{})

	if bring := m.mustBlock(t, "book_bring"); len(bring.Elements) == 0 || !strings.Contains(bring.Elements[0].Text, "Να φέρει") {
		t.Fatalf("what to bring: %+v", bring)
	}
	day := m.mustBlock(t, "book_day.")
	days := values(day.Element.Options)
	if !slices.Contains(days, d1.String()) || !slices.Contains(days, d2.String()) {
		t.Fatalf("days offered %v; want %s and %s", days, d1, d2)
	}
	if days[0] == "walkin" {
		days = days[1:] // today is open: the desk's "now" comes first
	}
	for _, v := range days {
		d, _ := booking.ParseDate(v)
		if fs, _ := e.office.FreeSlots(context.Background(), svc, d); fs.Closed || len(fs.Slots) == 0 {
			t.Fatalf("day %s offered, but it has no free time", v)
		}
	}
	first := m.mustBlock(t, "book_time.")
	wantFirst := e.slotsOf(t, svc, mustDate(t, day.Element.InitialOption.Value))
	if got := values(first.Element.Options); !slices.Equal(got, wantFirst) {
		t.Fatalf("times of the first day %v; want %v", got, wantFirst)
	}

	m2 := e.choose(t, clerk, m, "book_day.", "book_day", d2.String(), fill{"book_service.": svc, "book_name": "Μαρία Παπαδοπούλου"})
	times := m2.mustBlock(t, "book_time.")
	if got, want := values(times.Element.Options), e.slotsOf(t, svc, d2); !slices.Equal(got, want) {
		t.Fatalf("times after choosing %s: %v; want %v", d2, got, want)
	}
	if times.BlockID == first.BlockID {
		t.Fatalf("the time block kept its id %q: Slack would keep the old day's choice", times.BlockID)
	}
	if name := m2.mustBlock(t, "book_name"); name.Element.InitialValue != "Μαρία Παπαδοπούλου" {
		t.Fatalf("the name typed before the redraw is %q", name.Element.InitialValue)
	}
	for i, u := range e.fake.Updates() {
		for _, p := range modalLimits(u.View) {
			t.Errorf("views.update %d: %s", i+1, p)
		}
	}
	// A redraw from the old view (its hash is stale) is refused by Slack
	// and changes nothing.
	e.modalPost(t, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": clerk}, "view": m.view(fill{"book_service.": svc}),
		"actions": []map[string]any{{"type": "static_select", "block_id": day.BlockID, "action_id": "book_day",
			"selected_option": map[string]any{"value": d1.String()}}},
	})
	if v, _ := e.fake.ViewByID(m.ID); !slices.Equal(values(decodeModal(t, v).mustBlock(t, "book_time.").Element.Options), e.slotsOf(t, svc, d2)) {
		t.Fatal("a stale redraw overwrote the newer one")
	}
}

func mustDate(t *testing.T, s string) booking.Date {
	t.Helper()
	d, err := booking.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// readyModal opens the modal as clerk and chooses service and day d.
func (e *env) readyModal(t *testing.T, service string, d booking.Date) modal {
	t.Helper()
	m := e.shortcut(t, clerk)
	m = e.choose(t, clerk, m, "book_service.", "book_service", service, fill{})
	return e.choose(t, clerk, m, "book_day.", "book_day", d.String(), fill{"book_service.": service})
}

func TestBookModalSubmit(t *testing.T) {
	const svc = "birth-certificate"
	t.Run("BooksAndTellsTheReference", func(t *testing.T) {
		e := newEnv(t)
		d := e.workday(t, 1)
		m := e.readyModal(t, svc, d)
		start := e.slotsOf(t, svc, d)[1]
		out := e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": d.String(), "book_time.": start,
			"book_name": "  Γιώργος   Νικολάου ", "book_phone": "691 234 5678", "book_lang": "en", "book_via": "phone"})
		done := answerView(t, out)
		bs := e.bookingsOfPhone(t, "+306912345678")
		if len(bs) != 1 {
			t.Fatalf("bookings of the caller: %+v; want one", bs)
		}
		b := bs[0]
		sec, _ := strconv.ParseInt(start, 10, 64)
		if !b.Start.Equal(time.Unix(sec, 0)) || b.Service != svc || b.Status != booking.Active || b.Citizen.Name != "Γιώργος Νικολάου" ||
			b.Citizen.Lang != booking.English || b.Via != booking.ViaPhone || b.Citizen.TelegramID != 0 {
			t.Fatalf("booked %+v", b)
		}
		if txt := done.text(); !strings.Contains(txt, b.Ref) || !strings.Contains(txt, "Να φέρει") {
			t.Fatalf("the modal's last screen reads %q; want the reference %s and what to bring", txt, b.Ref)
		}
		e.adapter.Wait()
		dm := e.fake.Channel(clerk)
		if len(dm) != 1 || !strings.Contains(dm[0].Text, b.Ref) || !strings.Contains(dm[0].Text, "Πείτε στον πολίτη") {
			t.Fatalf("direct messages to the clerk: %+v", dm)
		}
		// Submitted twice (a double click): one booking.
		e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": d.String(), "book_time.": start,
			"book_name": "Γιώργος Νικολάου", "book_phone": "6912345678", "book_lang": "en", "book_via": "phone"})
		if n := len(e.bookingsOfPhone(t, "+306912345678")); n != 1 {
			t.Fatalf("%d bookings after a doubled submission", n)
		}
	})
	t.Run("AnotherDepartmentsStaffRefused", func(t *testing.T) {
		e := newEnv(t)
		d := e.workday(t, 1)
		m := e.readyModal(t, svc, d)
		start := e.slotsOf(t, svc, d)[0]
		// The Registry Office's clerk sends the Civil Registry's modal.
		out := e.submit(t, "U0EXAMPLE2", m, fill{"book_dept": civil, "book_service.": svc, "book_day.": d.String(), "book_time.": start,
			"book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678"})
		errs, _ := out["errors"].(map[string]any)
		if out["response_action"] != "errors" || !strings.Contains(errs["book_dept"].(string), "⛔") {
			t.Fatalf("answer %v; want an error on the department", out)
		}
		// A service of another department under their own.
		out = e.submit(t, "U0EXAMPLE2", m, fill{"book_dept": "registry-office", "book_service.": svc, "book_day.": d.String(), "book_time.": start,
			"book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678"})
		if out["response_action"] != "errors" {
			t.Fatalf("answer %v; want errors", out)
		}
		if bs := e.bookingsOfPhone(t, "+306912345678"); len(bs) != 0 {
			t.Fatalf("booked %+v", bs)
		}
	})
	t.Run("BadNameAndPhoneOnTheirFields", func(t *testing.T) {
		e := newEnv(t)
		d := e.workday(t, 1)
		m := e.readyModal(t, svc, d)
		out := e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": d.String(), "book_time.": e.slotsOf(t, svc, d)[0],
			"book_name": "R2D2", "book_phone": "12345"})
		errs, _ := out["errors"].(map[string]any)
		if out["response_action"] != "errors" || errs["book_name"] == nil || errs["book_phone"] == nil {
			t.Fatalf("answer %v; want errors on the name and the phone", out)
		}
	})
	t.Run("SlotTakenMeanwhile", func(t *testing.T) {
		e := newEnv(t)
		d := e.workday(t, 1)
		m := e.readyModal(t, svc, d)
		taken := e.slotsOf(t, svc, d)[0]
		// While the clerk is on the phone, citizens take the time from
		// the bot, at every desk that serves it.
		for i := 0; slices.Contains(e.slotsOf(t, svc, d), taken); i++ {
			e.book(t, svc, d, int64(1700+i*10), 0)
		}
		fresh := e.slotsOf(t, svc, d)
		out := e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": d.String(), "book_time.": taken,
			"book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678", "book_lang": "el", "book_via": "phone"})
		again := answerView(t, out)
		times := again.mustBlock(t, "book_time.")
		if times.Hint == nil || !strings.Contains(times.Hint.Text, "μόλις κλείστηκε") {
			t.Fatalf("time field %+v; want it to say the time was just taken", times)
		}
		if got := values(times.Element.Options); !slices.Equal(got, fresh) || times.Element.InitialOption != nil {
			t.Fatalf("times offered %v (chosen %+v); want the fresh ones %v, none chosen", got, times.Element.InitialOption, fresh)
		}
		if day := again.mustBlock(t, "book_day."); day.Element.InitialOption == nil || day.Element.InitialOption.Value != d.String() {
			t.Fatalf("day after the refusal %+v; want %s kept", day.Element.InitialOption, d)
		}
		if name := again.mustBlock(t, "book_name"); name.Element.InitialValue != "Μαρία Παπαδοπούλου" {
			t.Fatalf("the name is lost: %q", name.Element.InitialValue)
		}
		if bs := e.bookingsOfPhone(t, "+306912345678"); len(bs) != 0 {
			t.Fatalf("booked %+v", bs)
		}
		// The clerk picks a fresh time from the redrawn modal: booked.
		out = e.submit(t, clerk, again, fill{"book_time.": fresh[0], "book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678"})
		answerView(t, out)
		if bs := e.bookingsOfPhone(t, "+306912345678"); len(bs) != 1 {
			t.Fatalf("bookings after choosing a fresh time: %+v", bs)
		}
	})
}

// TestBookModalDayClosedMeanwhile: the day is closed while the clerk is
// on the phone: the day field says so, another open day is chosen, and
// nothing is booked.
func TestBookModalDayClosedMeanwhile(t *testing.T) {
	const svc = "birth-certificate"
	e := newEnv(t)
	d := e.workday(t, 1)
	m := e.readyModal(t, svc, d)
	start := e.slotsOf(t, svc, d)[0]
	if _, err := e.office.CloseDay(context.Background(), booking.Actor{Kind: booking.ActorStaff, ID: clerk}, civil, d, "απεργία"); err != nil {
		t.Fatal(err)
	}
	again := answerView(t, e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": d.String(), "book_time.": start,
		"book_name": "Μαρία Παπαδοπούλου", "book_phone": "6912345678", "book_lang": "el", "book_via": "phone"}))
	day := again.mustBlock(t, "book_day.")
	if day.Hint == nil || !strings.Contains(day.Hint.Text, "Δεν κλείνεται πια") {
		t.Fatalf("day field %+v; want it to say the day can no longer be booked", day.Hint)
	}
	if slices.Contains(values(day.Element.Options), d.String()) || day.Element.InitialOption == nil || day.Element.InitialOption.Value == d.String() {
		t.Fatalf("days %v, chosen %+v; want the closed day gone and another chosen", values(day.Element.Options), day.Element.InitialOption)
	}
	if bs := e.bookingsOfPhone(t, "+306912345678"); len(bs) != 0 {
		t.Fatalf("booked %+v", bs)
	}
}

// TestBookModalEnglish: a department whose staff read English gets the
// modal in English.
func TestBookModalEnglish(t *testing.T) {
	e := newEnvWith(t, func(c *booking.Catalog) {
		for i := range c.Departments {
			if c.Departments[i].Code == civil {
				c.Departments[i].Slack.Lang = booking.English
			}
		}
	}, nil)
	m := e.shortcut(t, clerk)
	if !strings.Contains(m.text(), "Choose a service") || m.mustBlock(t, "book_phone").Label.Text != "Caller’s phone number" {
		t.Fatalf("English modal reads %q", m.text())
	}
}

// settable is a clock the test moves.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *settable) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newModalEnv is newEnv with the Office and the adapter on clock.
func newModalEnv(t *testing.T, clock *settable) *env {
	t.Helper()
	pool := pgtest.New(t)
	cat := booking.DefaultCatalog()
	store := postgres.NewStore(pool)
	if err := store.SyncCatalog(context.Background(), cat); err != nil {
		t.Fatal(err)
	}
	office := booking.NewOffice(cat, store, clock.now)
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	a := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.APIURL(), Now: clock.now}, office, store, nil)
	srv := httptest.NewServer(a.Routes())
	t.Cleanup(srv.Close)
	modalSignAt = clock.now
	t.Cleanup(func() { modalSignAt = time.Now })
	return &env{store: store, office: office, cat: cat, fake: fake, adapter: a, srv: srv, outbox: postgres.NewOutbox(pool)}
}

// TestBookModalWalkIn: on an open day the first day option is "now, at
// the desk", which books the earliest free time from now on through
// Office.WalkIn; after closing time it says none is left today and offers
// the coming days.
func TestBookModalWalkIn(t *testing.T) {
	const svc = "birth-certificate"
	clock := &settable{}
	e := newModalEnv(t, clock)
	d := e.workday(t, 0)
	now := d.At(9*60+7, e.cat.Location) // 09:07, a citizen walks in
	clock.set(now)

	m := e.shortcut(t, clerk)
	m = e.choose(t, clerk, m, "book_service.", "book_service", svc, fill{})
	if days := values(m.mustBlock(t, "book_day.").Element.Options); len(days) == 0 || days[0] != "walkin" {
		t.Fatalf("day options %v; want the walk-in first on an open day", days)
	}
	m = e.choose(t, clerk, m, "book_day.", "book_day", "walkin", fill{"book_service.": svc})
	if _, ok := m.block("book_time."); ok {
		t.Fatal("a walk-in asks for a time")
	}
	if !strings.Contains(m.text(), "πρώτη ελεύθερη ώρα από τώρα") {
		t.Fatalf("the walk-in is not explained: %q", m.text())
	}
	done := answerView(t, e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": "walkin",
		"book_name": "Νίκος Αθανασίου", "book_phone": "6987654321", "book_lang": "el", "book_via": "phone"}))
	bs := e.bookingsOfPhone(t, "+306987654321")
	if len(bs) != 1 {
		t.Fatalf("walk-in bookings %+v", bs)
	}
	b := bs[0]
	if b.Via != booking.ViaDesk || booking.DateOf(b.Start, e.cat.Location) != d || b.Start.Before(now) || b.Start.After(now.Add(time.Hour)) {
		t.Fatalf("walk-in booked %+v at %v; want today at the desk, soon after %v", b, b.Start, now)
	}
	if !strings.Contains(done.text(), b.Ref) || !strings.Contains(done.text(), b.Start.In(e.cat.Location).Format("15:04")) {
		t.Fatalf("the last screen reads %q; want %s and its time", done.text(), b.Ref)
	}

	clock.set(d.At(20*60, e.cat.Location)) // after closing time
	m = e.shortcut(t, clerk)
	m = e.choose(t, clerk, m, "book_service.", "book_service", svc, fill{})
	m = e.choose(t, clerk, m, "book_day.", "book_day", "walkin", fill{"book_service.": svc})
	again := answerView(t, e.submit(t, clerk, m, fill{"book_service.": svc, "book_day.": "walkin",
		"book_name": "Άννα Δήμου", "book_phone": "6911111111", "book_lang": "el", "book_via": "phone"}))
	day := again.mustBlock(t, "book_day.")
	if day.Hint == nil || !strings.Contains(day.Hint.Text, "σήμερα") {
		t.Fatalf("after a walk-in with nothing left the day field says %+v", day.Hint)
	}
	if day.Element.InitialOption == nil || day.Element.InitialOption.Value == "walkin" {
		t.Fatalf("day chosen after the refusal: %+v; want the first coming day", day.Element.InitialOption)
	}
	if _, ok := again.block("book_time."); !ok {
		t.Fatal("no times of the coming day to choose from")
	}
	if bs := e.bookingsOfPhone(t, "+306911111111"); len(bs) != 0 {
		t.Fatalf("booked %+v", bs)
	}
}

// modalLimits lists what in a modal breaks Slack's published limits: a
// view over any of them is refused whole (invalid_arguments), and the
// clerk sees nothing happen.
func modalLimits(raw json.RawMessage) []string {
	var v struct {
		Title           struct{ Text string }  `json:"title"`
		Submit          *struct{ Text string } `json:"submit"`
		Close           *struct{ Text string } `json:"close"`
		PrivateMetadata string                 `json:"private_metadata"`
		CallbackID      string                 `json:"callback_id"`
		Blocks          []modalBlock           `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{"view does not decode: " + err.Error()}
	}
	var bad []string
	n := func(s string) int { return len([]rune(s)) }
	check := func(what string, s string, max int) {
		if n(s) > max {
			bad = append(bad, what+": "+strconv.Itoa(n(s))+" characters, Slack allows "+strconv.Itoa(max))
		}
	}
	check("title", v.Title.Text, 24)
	if v.Submit != nil {
		check("submit", v.Submit.Text, 24)
	}
	if v.Close != nil {
		check("close", v.Close.Text, 24)
	}
	check("private_metadata", v.PrivateMetadata, 3000)
	check("callback_id", v.CallbackID, 255)
	if len(v.Blocks) > 100 {
		bad = append(bad, strconv.Itoa(len(v.Blocks))+" blocks, Slack allows 100")
	}
	ids := map[string]bool{}
	for _, b := range v.Blocks {
		check("block_id", b.BlockID, 255)
		if b.BlockID != "" && ids[b.BlockID] {
			bad = append(bad, "block_id "+b.BlockID+" repeated")
		}
		ids[b.BlockID] = true
		if b.Type != "input" {
			continue
		}
		check(b.BlockID+" label", b.Label.Text, 2000)
		if b.Hint != nil {
			check(b.BlockID+" hint", b.Hint.Text, 2000)
		}
		check(b.BlockID+" action_id", b.Element.ActionID, 255)
		if b.Element.Type == "static_select" && (len(b.Element.Options) == 0 || len(b.Element.Options) > 100) {
			bad = append(bad, b.BlockID+": "+strconv.Itoa(len(b.Element.Options))+" options, Slack allows 1 to 100")
		}
		for _, o := range b.Element.Options {
			check(b.BlockID+" option text", o.Text.Text, 75)
			check(b.BlockID+" option value", o.Value, 150)
		}
	}
	return bad
}
