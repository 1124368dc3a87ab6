package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxConversationSteps bounds one conversation, whatever the bot answers.
const maxConversationSteps = 60

// crowd is what the citizens of one phase share.
type crowd struct {
	cfg    *Config
	bot    *FakeBot
	office office
	w      *window
	g      *gate           // open while the crowd's bot has its turn
	ctx    context.Context // cancelled when the phase must end at once
	stop   chan struct{}   // closed when citizens should stop after their step
	truth  *truthLog
	ids    *idSource
}

func (c *crowd) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return c.ctx.Err() != nil
	}
}

// idSource hands out Telegram user IDs, unique in a run.
type idSource struct {
	mu   sync.Mutex
	next int64
}

func (s *idSource) take() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return s.next
}

// plan is what one simulated citizen will do beyond booking.
type plan struct {
	cancel, reschedule bool
	doubleTap          bool // taps confirm (or the day, or "yes, cancel") twice
	redeliver          bool // the confirm update is delivered a second time
	freeText           bool // writes something the bot does not expect
	typeDate           bool // types the day instead of tapping it
	weeks              int  // "next week" taps before choosing a day
	daysAhead          int  // the day typed, in days from today
}

// citizen runs one whole conversation as one Telegram user.
type citizen struct {
	*crowd
	t    *tally
	rng  *rand.Rand
	u    user
	plan plan
	v    View
	last []byte // the last update sent, for a redelivery

	steps    int
	unanswer int // callbacks found unanswered so far, each counted once
	twice    int // callbacks found answered twice so far
	rec      record
	day      string // YYYYMMDD of the day chosen, "" if unknown
	clock    string // HHMM of the time chosen
	service  string // label of the service chosen
	week     int    // calendar week on display, as weeks after this one
	moving   bool   // a reschedule is under way
}

var (
	greekFirst = []string{"Μαρία", "Γιώργος", "Ελένη", "Νίκος", "Κατερίνα", "Δημήτρης", "Σοφία", "Κώστας"}
	greekLast  = []string{"Παπαδοπούλου", "Νικολάου", "Γεωργίου", "Ιωάννου", "Οικονόμου", "Βασιλείου"}
	latinFirst = []string{"Maria", "George", "Eleni", "Nick", "Katerina", "Dimitris", "Sofia", "Kostas"}
	latinLast  = []string{"Papadopoulou", "Nikolaou", "Georgiou", "Ioannou", "Oikonomou", "Vasileiou"}
)

func newCitizen(cr *crowd, t *tally, rng *rand.Rand) *citizen {
	id := cr.ids.take()
	c := &citizen{crowd: cr, t: t, rng: rng}
	lang := "el"
	first, last := greekFirst, greekLast
	if rng.Float64() < 0.4 {
		lang, first, last = "en", latinFirst, latinLast
	}
	c.u = user{ID: id, FirstName: first[rng.IntN(len(first))], LastName: last[rng.IntN(len(last))], Lang: lang}
	f := cr.cfg.Mix
	c.plan = plan{
		cancel:    rng.Float64() < f.Cancel,
		doubleTap: rng.Float64() < f.DoubleTap,
		redeliver: rng.Float64() < f.Redeliver,
		freeText:  rng.Float64() < f.FreeText,
		typeDate:  rng.Float64() < 0.5,
		weeks:     rng.IntN(3),
		daysAhead: 1 + rng.IntN(max(1, cr.office.horizon-1)),
	}
	c.plan.reschedule = !c.plan.cancel && rng.Float64() < f.Reschedule/(1-min(f.Cancel, 0.99))
	c.rec = record{Citizen: id, Phone: greekMobile(id), Name: c.u.FirstName + " " + c.u.LastName}
	return c
}

// greekMobile is a made-up Greek mobile number, unique per citizen.
func greekMobile(id int64) string { return fmt.Sprintf("+3069%08d", id%100_000_000) }

// post POSTs one update, once the crowd's gate lets it, and waits for the
// webhook's answer: one step.
func (c *citizen) post(update []byte) (Delivery, time.Duration) {
	c.g.enter()
	defer c.g.leave()
	return c.postNow(update)
}

// postNow is post past the gate.
func (c *citizen) postNow(update []byte) (Delivery, time.Duration) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.StepTimeout)
	defer cancel()
	start := time.Now()
	d := c.bot.Deliver(ctx, update)
	return d, time.Since(start)
}

// record counts a step of kind (what the citizen did: "tap ok", "name",
// …) and its error, if any, and reports whether the bot answered 200.
func (c *citizen) record(d Delivery, lat time.Duration, kind, detail string) bool {
	c.steps++
	if d.Err != nil && c.ctx.Err() != nil {
		return false // the phase was cut short: not the bot's failure
	}
	c.t.step(kind, lat)
	what := kind
	if detail != "" {
		what += " " + detail
	}
	switch {
	case d.Err != nil && (errors.Is(d.Err, context.DeadlineExceeded) || strings.Contains(d.Err.Error(), "Client.Timeout")):
		c.t.fail(errTimeout, what)
	case d.Err != nil:
		c.t.fail(errTransport, what+": "+d.Err.Error())
	case d.Status != 200:
		c.t.fail(fmt.Sprintf("status %d", d.Status), what)
	default:
		return true
	}
	return false
}

// Telegram delivers an update answered with a 5xx again, later, as it
// does one it could not deliver; the replies the server parked for it are
// sent then. The generator does so after redeliveryDelay, a few times.
const (
	redeliveryDelay = 200 * time.Millisecond
	maxRedeliveries = 5
)

// deliver is one step: post, record, look at the chat. An answer of 5xx
// is counted as the error it is, and the update delivered again (a step
// of its own), as Telegram would, until it is answered.
func (c *citizen) deliver(update []byte, kind, detail string) bool {
	d, lat := c.post(update)
	c.last = update
	ok := c.record(d, lat, kind, detail)
	for try := 0; !ok && d.Err == nil && d.Status >= 500 && try < maxRedeliveries && !c.stopped(); try++ {
		sleepCtx(c.ctx, redeliveryDelay)
		after := "redelivery after " + strconv.Itoa(d.Status)
		d, lat = c.post(update)
		ok = c.record(d, lat, after, kind)
	}
	c.v = c.bot.View(c.u.ID)
	return ok
}

// say sends text as a step of kind.
func (c *citizen) say(text, kind string) bool {
	body := textUpdate(c.bot.NextUpdateID(), c.u, c.bot.UserMessageID(c.u.ID), text)
	return c.deliver(body, kind, "")
}

func (c *citizen) shareContact() bool {
	body := contactUpdate(c.bot.NextUpdateID(), c.u, c.bot.UserMessageID(c.u.ID), c.rec.Phone)
	return c.deliver(body, "contact", "")
}

// tapKind names a tap by the button's action.
func tapKind(prefix string, b Button) string {
	a, _ := action(b.Data)
	return prefix + a
}

// tap presses b on the newest keyboard and checks that the callback query
// was answered and a new screen drawn.
func (c *citizen) tap(b Button) bool {
	before := c.v
	uid := c.bot.NextUpdateID()
	c.bot.NoteCallback(c.u.ID)
	ok := c.deliver(pressUpdate(uid, c.u, before.KeyboardID, b.Data), tapKind("tap ", b), b.Data)
	if ok {
		c.checkAnswers("tap " + b.Data)
		if c.v.Rev == before.Rev && c.v.ContactKeyboard == before.ContactKeyboard && c.v.Messages == before.Messages {
			if c.v.Toast != "" {
				c.t.fail(errStale, b.Data+": "+c.v.Toast)
			} else {
				c.t.fail(errNoScreen, "tap "+b.Data+" on "+string(classify(before)))
			}
		}
	}
	return ok
}

// doubleTap presses b twice at once, as a quick double tap does: two
// callback queries with different update_ids. Both must be answered; only
// one may act.
func (c *citizen) doubleTap(b Button) bool {
	c.t.note("double taps")
	msg := c.v.KeyboardID
	var bodies [2][]byte
	for i := range bodies {
		uid := c.bot.NextUpdateID()
		c.bot.NoteCallback(c.u.ID)
		bodies[i] = pressUpdate(uid, c.u, msg, b.Data)
	}
	var ds [2]Delivery
	var lats [2]time.Duration
	var wg sync.WaitGroup
	c.g.enter() // both taps in one turn
	for i := range bodies {
		wg.Go(func() {
			if i == 1 {
				time.Sleep(time.Millisecond) // the second tap follows the first
			}
			ds[i], lats[i] = c.postNow(bodies[i])
		})
	}
	wg.Wait()
	c.g.leave()
	ok0 := c.record(ds[0], lats[0], tapKind("double tap ", b), b.Data)
	ok1 := c.record(ds[1], lats[1], tapKind("double tap ", b), "(second) "+b.Data)
	c.last = bodies[0]
	c.v = c.bot.View(c.u.ID)
	if ok0 && ok1 {
		c.checkAnswers("double tap " + b.Data)
	}
	return ok0 || ok1
}

// redeliver POSTs the last update again with the same update_id, as
// Telegram does after a slow or failed answer. It must have no effect.
//
// A callback query may be answered again: the first answer may have
// travelled in the answer Telegram did not get, and Telegram ignores an
// answer to a query already answered. It is counted, not an error.
func (c *citizen) redeliver() {
	c.t.note("redeliveries")
	before := c.v
	update := c.last
	ok := c.deliver(update, "redelivery", "")
	if !ok {
		return
	}
	if c.v.Edits != before.Edits || c.v.Rev != before.Rev {
		c.t.fail(errRedelivered, fmt.Sprintf("edits %d→%d, screen %s→%s", before.Edits, c.v.Edits,
			classify(before), classify(c.v)))
	}
	if c.v.AnsweredTwice > c.twice {
		c.t.note("redelivered callbacks answered again")
		c.twice = c.v.AnsweredTwice
	}
}

func (c *citizen) checkAnswers(what string) {
	if missing := c.v.CallbacksSent - c.v.CallbacksAnswered; missing > c.unanswer {
		c.t.fail(errUnanswered, what)
		c.unanswer = missing
	}
	if c.v.AnsweredTwice > c.twice {
		c.t.fail(errTwice, what)
		c.twice = c.v.AnsweredTwice
	}
}

// expect counts an unexpected screen after what.
func (c *citizen) expect(what string, want ...screen) {
	got := classify(c.v)
	for _, w := range want {
		if got == w {
			return
		}
	}
	c.t.fail(errUnexpected, fmt.Sprintf("after %s: %s: %s", what, got, c.v.Text))
}

func (c *citizen) pick(bs []Button) Button { return bs[c.rng.IntN(len(bs))] }

func (c *citizen) think() {
	if c.cfg.Think <= 0 {
		return
	}
	d := c.cfg.Think/2 + time.Duration(c.rng.Int64N(int64(c.cfg.Think)))
	select {
	case <-time.After(d):
	case <-c.ctx.Done():
	}
}

type goal int

const (
	goalBook goal = iota
	goalCancel
	goalReschedule
	goalDone
)

// converse runs the conversation: book, then perhaps cancel or move the
// booking, reading every screen the bot draws and choosing buttons by their
// callback data. It ends on its goal, a dead end, the step bound or the
// phase's end, and leaves what the citizen was told in the truth log.
func (c *citizen) converse() {
	defer c.finish()
	g := goalBook
	if !c.say("/start", "/start") {
		return
	}
	c.expect("/start", scrMenu, scrLang)
	weeks, dates, restarts, freeDone, typed := 0, 0, 0, false, false
	for c.steps < maxConversationSteps && !c.stopped() {
		c.think()
		scr := classify(c.v)
		switch scr {
		case scrMenu:
			switch g {
			case goalBook:
				c.tapAct("bk", "", scrDept)
			case goalCancel, goalReschedule:
				c.tapAct("my", "", scrMine)
			default:
				return
			}
		case scrLang:
			c.tapAct("l", c.u.Lang, scrMenu, scrDept, scrService, scrDate, scrTime, scrPhone, scrName, scrConfirm, scrMine)
		case scrDept:
			if c.plan.freeText && !freeDone {
				freeDone = true
				c.t.note("free texts")
				text := "Καλημέρα, πού βρίσκεται το δημαρχείο;"
				if c.u.Lang == "en" {
					text = "Hello, where is the town hall?"
				}
				if c.say(text, "free text") {
					c.expect("free text", scrDept)
				}
				continue
			}
			ds := all(c.v, "d")
			c.tap(c.pick(ds))
			c.expect("department", scrService)
		case scrService:
			b := c.pick(all(c.v, "s"))
			c.service = strings.TrimSpace(strings.TrimPrefix(b.Text, "📄"))
			c.tap(b)
			c.expect("service", scrDate)
		case scrDate:
			dates++
			if dates > 12 {
				c.tapAct("fa", "", scrTime, scrDate)
				c.day = ""
				continue
			}
			if c.plan.typeDate && !typed {
				typed = true
				day := c.office.today().AddDate(0, 0, c.plan.daysAhead)
				c.day = day.Format("20060102")
				if c.say(day.Format("2/1/2006"), "typed date") {
					c.expect("typed date", scrTime, scrDate)
				}
				continue
			}
			if next, ok := c.nextWeek(); ok && weeks < c.plan.weeks {
				weeks++
				c.tapNextWeek(next)
				continue
			}
			days := all(c.v, "D")
			if len(days) == 0 {
				if next, ok := c.nextWeek(); ok {
					c.tapNextWeek(next)
					continue
				}
				c.tapAct("fa", "", scrTime, scrDate)
				c.day = ""
				continue
			}
			b := c.pick(days)
			_, args := action(b.Data)
			c.day = args[0]
			if c.plan.doubleTap && !c.plan.redeliver && c.rng.IntN(3) == 0 {
				c.doubleTap(b)
			} else {
				c.tap(b)
			}
			c.expect("day", scrTime, scrDate)
		case scrTime:
			b := c.pick(all(c.v, "t"))
			_, args := action(b.Data)
			c.clock = args[0]
			c.tap(b)
			if c.moving {
				c.expect("time", scrConfirm)
			} else {
				c.expect("time", scrPhone, scrName)
			}
		case scrPhone:
			if c.shareContact() {
				c.expect("contact", scrName)
			}
		case scrName:
			if c.say(c.rec.Name, "name") {
				c.expect("name", scrConfirm)
			}
		case scrConfirm:
			c.confirm()
		case scrDone:
			if !c.told() {
				return
			}
			if c.rec.Moved || g != goalBook {
				return
			}
			switch {
			case c.plan.cancel:
				g = goalCancel
			case c.plan.reschedule:
				g = goalReschedule
			default:
				return
			}
			c.tapAct("my", "", scrMine)
		case scrMine:
			if g == goalCancel {
				c.tapAct("cx", c.rec.Ref, scrCancelAsk)
			} else if g == goalReschedule {
				c.moving = true
				weeks, dates, typed, c.week = 0, 0, !c.plan.typeDate, 0
				c.plan.daysAhead = 1 + c.rng.IntN(max(1, c.office.horizon-1))
				c.tapAct("rs", c.rec.Ref, scrDate)
			} else {
				return
			}
		case scrCancelAsk:
			b, ok := find(c.v, "cy", c.rec.Ref)
			if !ok {
				c.t.fail(errMissing, "no «yes, cancel» for "+c.rec.Ref)
				return
			}
			var answered bool
			if c.plan.doubleTap {
				answered = c.doubleTap(b)
			} else {
				answered = c.tap(b)
			}
			if !answered {
				c.rec.Uncertain = true
				return
			}
			switch {
			case refIn(c.v.Text) == c.rec.Ref && classify(c.v) == scrMenu:
				c.rec.Status = "cancelled"
				c.t.note("cancellations")
			case c.plan.doubleTap && classify(c.v) == scrMineNone:
				// The two taps reached two replicas at once: the one whose
				// session was saved first found the booking cancelled by
				// the other and said so ("no longer valid", no bookings);
				// the other's answer was redone on top of it as a stale
				// tap. The citizen was told the booking is gone: true.
				c.rec.Status = "cancelled"
				c.t.note("cancellations")
				c.t.note("double-tapped cancellations answered as already cancelled")
			default:
				c.t.fail(errUnexpected, "after yes, cancel: "+string(classify(c.v))+": "+c.v.Text)
			}
			return
		default: // no keyboard, or one the citizen cannot read
			c.t.fail(errMissing, fmt.Sprintf("%s after %d steps: %s", scr, c.steps, c.v.Text))
			if restarts++; restarts > 2 {
				return
			}
			c.moving = false
			if c.say("/start", "/start") {
				if g == goalDone {
					return
				}
			}
		}
	}
	if c.steps >= maxConversationSteps {
		c.t.note("conversations cut at the step bound")
	}
}

// confirm taps confirm, perhaps twice at once or with the update
// redelivered afterwards, and reads the outcome.
func (c *citizen) confirm() {
	b, ok := find(c.v, "ok", "")
	if !ok {
		c.t.fail(errMissing, "no confirm button")
		return
	}
	c.rec.Confirmed = true
	var answered bool
	if c.plan.doubleTap {
		answered = c.doubleTap(b)
	} else {
		answered = c.tap(b)
	}
	if !answered {
		// Booked or not, the citizen was not told: nothing to hold the
		// bot to.
		c.rec.Uncertain = true
		return
	}
	if c.plan.redeliver {
		c.redeliver()
	}
	switch classify(c.v) {
	case scrDone:
		// Taken down at once: the phase may end before the next step.
		c.told()
	case scrTime:
		c.t.note("slot just taken")
	case scrDate:
		c.t.note("day closed or full at confirm")
	default:
		c.expect("confirm", scrDone, scrTime, scrDate)
	}
}

// told takes down what the done screen on display says: the reference of
// the booking just made, or of the one just moved. It reports false when
// the screen is not what the citizen was doing.
func (c *citizen) told() bool {
	ref := refIn(c.v.Text)
	switch {
	case ref == "":
		c.t.fail(errUnexpected, "done screen without a reference: "+c.v.Text)
		return false
	case c.moving:
		c.moving = false
		if ref != c.rec.Ref {
			c.t.fail(errUnexpected, "moved "+ref+" instead of "+c.rec.Ref)
			return false
		}
		c.rec.Moved = true
		c.rec.Date, c.rec.Time = c.expectedStart()
		c.t.note("reschedules")
	case c.rec.Ref == "":
		c.t.booked()
		c.t.note("bookings")
		c.rec.Ref, c.rec.Status, c.rec.Service = ref, "active", c.service
		c.rec.Date, c.rec.Time = c.expectedStart()
	case ref != c.rec.Ref:
		c.t.fail(errUnexpected, "a second booking "+ref+" after "+c.rec.Ref)
		return false
	}
	return true
}

// tapAct taps the button with action act (and argument arg) and checks the
// screen that follows.
func (c *citizen) tapAct(act, arg string, want ...screen) {
	b, ok := find(c.v, act, arg)
	if !ok {
		c.t.fail(errMissing, fmt.Sprintf("no %s|%s on %s", act, arg, classify(c.v)))
		c.v = View{} // makes the loop restart the conversation
		return
	}
	if c.tap(b) {
		c.expect("tap "+act, want...)
	}
}

// nextWeek returns the "next week" button of a calendar screen. Week
// buttons carry the week they show; the week on display is told from the
// two buttons, or from a day offered, or else from what the citizen
// tapped last.
func (c *citizen) nextWeek() (Button, bool) {
	ws := all(c.v, "w")
	weeks := make([]int, len(ws))
	for i, b := range ws {
		_, args := action(b.Data)
		weeks[i], _ = strconv.Atoi(args[0])
	}
	cur := c.week
	switch {
	case len(ws) == 2:
		cur = (weeks[0] + weeks[1]) / 2
	case len(all(c.v, "D")) > 0:
		_, args := action(all(c.v, "D")[0].Data)
		if d, err := time.ParseInLocation("20060102", args[0], c.office.loc); err == nil {
			cur = c.office.weekOf(d)
		}
	}
	c.week = cur
	for i, b := range ws {
		if weeks[i] == cur+1 {
			return b, true
		}
	}
	return Button{}, false
}

// tapNextWeek shows the next week of the calendar.
func (c *citizen) tapNextWeek(b Button) {
	c.week++
	c.tap(b)
	c.expect("next week", scrDate)
}

// expectedStart is the local date and time the citizen chose, if known.
func (c *citizen) expectedStart() (date, clock string) {
	if len(c.day) != 8 || len(c.clock) != 4 {
		return "", ""
	}
	return c.day[:4] + "-" + c.day[4:6] + "-" + c.day[6:], c.clock[:2] + ":" + c.clock[2:]
}

func (c *citizen) finish() {
	c.t.note("conversations")
	if c.rec.Confirmed || c.rec.Ref != "" {
		c.truth.add(c.rec)
	}
}
