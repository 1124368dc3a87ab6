package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/locales"
)

// The "Book for a caller" modal: the call centre and the desk book for a
// citizen who does not use Telegram, from the same calendar as the bot,
// through Office.BookForCaller. It opens from the global shortcut and from
// the slash command's "book" with no arguments.
//
// The day is a select of the open days within the horizon, each with how
// many free times it has, rather than a datepicker: Slack's datepicker
// cannot grey out days, so a clerk on the phone would pick a Sunday or a
// holiday and learn only on submitting; a list of open days is what they
// read out to the caller ("Monday the 14th or Tuesday the 15th?").
//
// Changing the department, the service or the day redraws the modal with
// views.update (dispatch_action, with the view's hash so that a stale
// redraw does not overwrite a newer one). Slack keeps what was entered in
// an input block whose block_id stays the same, so the blocks whose
// options change get a new block_id on each redraw (a generation number in
// private_metadata) and carry the chosen values as initial options.

const (
	// ShortcutBook is the callback id of the global shortcut that opens
	// the modal (deploy/slack-app-manifest.yml).
	ShortcutBook = "rantevou_book"
	// viewBook is the callback id of the modal.
	viewBook = "rantevou_book_modal"
	// viewBooked is the callback id of the modal's last screen, which
	// shows the reference.
	viewBooked = "rantevou_book_done"

	// Block ids; the ones ending in "." take the generation after them.
	blockBookDept    = "book_dept"
	blockBookService = "book_service."
	blockBookBring   = "book_bring"
	blockBookDay     = "book_day."
	blockBookTime    = "book_time."
	blockBookName    = "book_name"
	blockBookPhone   = "book_phone"
	blockBookLang    = "book_lang"
	blockBookVia     = "book_via"

	// Action ids, one per field.
	actionBookDept    = "book_dept"
	actionBookService = "book_service"
	actionBookDay     = "book_day"
	actionBookTime    = "book_time"
	actionBookName    = "book_name"
	actionBookPhone   = "book_phone"
	actionBookLang    = "book_lang"
	actionBookVia     = "book_via"

	// maxSelectOptions is Slack's limit of options in a static select.
	maxSelectOptions = 100

	// walkInDay is the day option of a citizen at the counter: the
	// earliest free time of today, from now on, found on submitting
	// (Office.WalkIn), so that two clerks never race for the same one.
	walkInDay = "walkin"
)

// bookMeta travels in the modal's private_metadata.
type bookMeta struct {
	Gen int    `json:"g"` // the redraw the view is at: part of the dynamic block ids
	Key string `json:"k"` // idempotency key: a doubled submission books once
}

// bookForm is what the modal holds, read from its state.
type bookForm struct {
	Dept, Service string
	Day           string // YYYY-MM-DD
	Time          string // the start, Unix seconds
	Name, Phone   string
	Lang          booking.Lang
	Via           booking.Via
}

// bookNotes are what a redraw says under a field: a slot or day that was
// just taken.
type bookNotes struct {
	Day, Time string
}

// openBookModal opens the "Book for a caller" modal for userID, and logs
// why it could not. A user who is staff of no department gets a modal
// saying so.
func (a *Adapter) openBookModal(ctx context.Context, triggerID, userID string) error {
	pr := a.userPrinter(userID)
	depts := a.office.StaffDepartments(userID)
	var view slackapi.ModalViewRequest
	if len(depts) == 0 {
		view = a.noticeView(pr, pr.T("staff_no_department", nil))
	} else {
		form := bookForm{Lang: booking.Greek, Via: booking.ViaPhone}
		if len(depts) == 1 {
			form.Dept = depts[0]
		}
		v, err := a.bookView(ctx, pr, depts, form, bookMeta{Key: newModalKey()}, bookNotes{})
		if err != nil {
			a.log.Error("slack book modal: draw", "err", err)
			return err
		}
		view = v
	}
	if _, err := a.api.OpenViewContext(ctx, triggerID, view); err != nil {
		a.log.Error("slack open book modal", "err", err)
		return err
	}
	return nil
}

// openBookShortcut answers the global shortcut.
func (a *Adapter) openBookShortcut(ctx context.Context, cb slackapi.InteractionCallback) {
	_ = a.openBookModal(ctx, cb.TriggerID, cb.User.ID)
}

func newModalKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "slack-modal-" + hex.EncodeToString(b)
}

// noticeView is a modal with one line of text and a close button.
func (a *Adapter) noticeView(pr *locales.Printer, text string) slackapi.ModalViewRequest {
	return slackapi.ModalViewRequest{
		Type:       slackapi.VTModal,
		CallbackID: viewBooked,
		Title:      plain(truncateRunes(pr.T("staff_modal_title", nil), 24)),
		Close:      plain(truncateRunes(pr.T("staff_modal_close", nil), 24)),
		Blocks:     slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewSectionBlock(mrkdwn(text), nil, nil)}},
	}
}

// bookView draws the modal for form: the department's services, the open
// days of the service, the free times of the day.
func (a *Adapter) bookView(ctx context.Context, pr *locales.Printer, depts []string, form bookForm, meta bookMeta, notes bookNotes) (slackapi.ModalViewRequest, error) {
	cat := a.office.Catalog()
	lang := pr.Lang()
	gen := strconv.Itoa(meta.Gen)
	var blocks []slackapi.Block

	var deptOpts []*slackapi.OptionBlockObject
	var deptInitial *slackapi.OptionBlockObject
	for _, d := range depts {
		o := slackapi.NewOptionBlockObject(d, plain(truncateRunes(cat.DepartmentName(d).In(lang), 75)), nil)
		deptOpts = append(deptOpts, o)
		if d == form.Dept {
			deptInitial = o
		}
	}
	deptSel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain(pr.T("staff_modal_choose", nil)), actionBookDept, deptOpts...)
	deptSel.InitialOption = deptInitial
	deptBlock := slackapi.NewInputBlock(blockBookDept, plain(pr.T("staff_modal_department", nil)), nil, deptSel)
	deptBlock.DispatchAction = true
	blocks = append(blocks, deptBlock)

	var svc *booking.Service
	if form.Dept != "" {
		var opts []*slackapi.OptionBlockObject
		var initial *slackapi.OptionBlockObject
		// Cut to Slack's limit before choosing, so that the option chosen
		// is always one shown (Slack refuses the view otherwise).
		services := cat.ServicesOf(form.Dept)
		for _, s := range services[:min(len(services), maxSelectOptions)] {
			o := slackapi.NewOptionBlockObject(s.Code, plain(truncateRunes(s.Name.In(lang), 75)), nil)
			opts = append(opts, o)
			if s.Code == form.Service {
				initial, svc = o, &s
			}
		}
		if len(opts) > 0 {
			sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain(pr.T("staff_modal_choose", nil)), actionBookService, opts...)
			sel.InitialOption = initial
			b := slackapi.NewInputBlock(blockBookService+gen, plain(pr.T("staff_modal_service", nil)), nil, sel)
			b.DispatchAction = true
			blocks = append(blocks, b)
		}
	}
	if svc == nil {
		hint := "staff_modal_pick_service"
		if form.Dept == "" {
			hint = "staff_modal_pick_department"
		}
		blocks = append(blocks, slackapi.NewContextBlock("book_hint", mrkdwn(pr.T(hint, nil))))
	} else {
		if bring := svc.Bring.In(lang); bring != "" {
			blocks = append(blocks, slackapi.NewContextBlock(blockBookBring, mrkdwn(pr.T("staff_modal_bring", map[string]any{"Bring": escape(bring)}))))
		}
		days, openToday, err := a.openDays(ctx, svc.Code)
		if err != nil {
			return slackapi.ModalViewRequest{}, err
		}
		if form.Day == walkInDay && !openToday || form.Day != walkInDay && form.Day != "" &&
			!slices.ContainsFunc(days, func(d booking.Day) bool { return d.Date.String() == form.Day }) {
			form.Day, form.Time = "", ""
			// A note on a time of a day that has none left goes on the
			// day: another day is the choice to make.
			notes.Day, notes.Time = notes.Day+notes.Time, ""
		}
		if form.Day == "" && len(days) > 0 {
			// The earliest open day, whose times show at once: the first
			// thing a caller is offered.
			form.Day = days[0].Date.String()
		}
		var slots []booking.Slot // of the day chosen
		if len(days) == 0 && !openToday {
			blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(pr.T("staff_modal_no_days", map[string]any{"Days": a.office.Catalog().Horizon})), nil, nil))
		} else {
			var opts []*slackapi.OptionBlockObject
			var initial *slackapi.OptionBlockObject
			if openToday {
				// First, for the desk: the citizen standing at the counter.
				o := slackapi.NewOptionBlockObject(walkInDay, plain(truncateRunes(pr.T("staff_modal_walkin_option", nil), 75)), nil)
				opts = append(opts, o)
				if form.Day == walkInDay {
					initial = o
				}
			}
			for _, d := range days {
				label := pr.N("staff_modal_day_option", len(d.Slots), map[string]any{"Date": pr.Date(d.Date)})
				o := slackapi.NewOptionBlockObject(d.Date.String(), plain(truncateRunes(label, 75)), nil)
				opts = append(opts, o)
				if d.Date.String() == form.Day {
					initial, slots = o, d.Slots
				}
			}
			sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain(pr.T("staff_modal_choose", nil)), actionBookDay, opts...)
			sel.InitialOption = initial
			b := slackapi.NewInputBlock(blockBookDay+gen, plain(pr.T("staff_modal_day", nil)), bookHint(notes.Day), sel)
			b.DispatchAction = true
			blocks = append(blocks, b)
			if form.Day == walkInDay {
				blocks = append(blocks, slackapi.NewContextBlock("book_walkin", mrkdwn(pr.T("staff_modal_walkin_note", nil))))
			}
		}
		if len(slots) > 0 {
			var topts []*slackapi.OptionBlockObject
			var tinitial *slackapi.OptionBlockObject
			for _, s := range slots[:min(len(slots), maxSelectOptions)] {
				v := strconv.FormatInt(s.Start.Unix(), 10)
				o := slackapi.NewOptionBlockObject(v, plain(pr.Time(s.Start, a.loc)), nil)
				topts = append(topts, o)
				if v == form.Time {
					tinitial = o
				}
			}
			tsel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain(pr.T("staff_modal_choose_time", nil)), actionBookTime, topts...)
			tsel.InitialOption = tinitial
			blocks = append(blocks, slackapi.NewInputBlock(blockBookTime+gen, plain(pr.T("staff_modal_time", nil)), bookHint(notes.Time), tsel))
		}
	}

	name := slackapi.NewPlainTextInputBlockElement(plain(pr.T("staff_modal_name_placeholder", nil)), actionBookName)
	name.InitialValue = form.Name
	name.MaxLength = 80
	blocks = append(blocks, slackapi.NewInputBlock(blockBookName, plain(pr.T("staff_modal_name", nil)), nil, name))
	phone := slackapi.NewPlainTextInputBlockElement(plain(pr.T("staff_modal_phone_placeholder", nil)), actionBookPhone)
	phone.InitialValue = form.Phone
	phone.MaxLength = 30
	blocks = append(blocks, slackapi.NewInputBlock(blockBookPhone, plain(pr.T("staff_modal_phone", nil)), nil, phone))

	blocks = append(blocks, radioBlock(blockBookLang, actionBookLang, pr.T("staff_modal_lang", nil), string(form.Lang), [][2]string{
		{string(booking.Greek), "Ελληνικά"}, {string(booking.English), "English"},
	}))
	blocks = append(blocks, radioBlock(blockBookVia, actionBookVia, pr.T("staff_modal_via", nil), string(form.Via), [][2]string{
		{string(booking.ViaPhone), pr.T("staff_modal_via_phone", nil)}, {string(booking.ViaDesk), pr.T("staff_modal_via_desk", nil)},
	}))

	raw, _ := json.Marshal(meta)
	return slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      viewBook,
		PrivateMetadata: string(raw),
		Title:           plain(truncateRunes(pr.T("staff_modal_title", nil), 24)),
		Submit:          plain(truncateRunes(pr.T("staff_modal_submit", nil), 24)),
		Close:           plain(truncateRunes(pr.T("staff_modal_cancel", nil), 24)),
		Blocks:          slackapi.Blocks{BlockSet: blocks},
	}, nil
}

// bookHint is an input block's hint, nil for none.
func bookHint(s string) *slackapi.TextBlockObject {
	if s == "" {
		return nil
	}
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, truncateRunes(s, 2000), true, false)
}

// radioBlock is an input block of radio buttons, options given as value
// and label, with value initial chosen.
func radioBlock(blockID, actionID, label, initial string, options [][2]string) *slackapi.InputBlock {
	var opts []*slackapi.OptionBlockObject
	var chosen *slackapi.OptionBlockObject
	for _, o := range options {
		opt := slackapi.NewOptionBlockObject(o[0], plain(o[1]), nil)
		opts = append(opts, opt)
		if o[0] == initial {
			chosen = opt
		}
	}
	el := slackapi.NewRadioButtonsBlockElement(actionID, opts...)
	el.InitialOption = chosen
	return slackapi.NewInputBlock(blockID, plain(label), nil, el)
}

// openDays returns the days within the horizon on which service has a
// free time, from today on, and whether the department is open today, for
// a walk-in.
func (a *Adapter) openDays(ctx context.Context, service string) ([]booking.Day, bool, error) {
	today := a.today()
	days, err := a.office.Availability(ctx, service, today, today.AddDays(a.office.Catalog().Horizon))
	if err != nil {
		return nil, false, err
	}
	openToday := len(days) > 0 && days[0].Date == today && !days[0].Closed
	return slices.DeleteFunc(days, func(d booking.Day) bool { return d.Closed || len(d.Slots) == 0 }), openToday, nil
}

// readBookForm reads the modal's state: the dynamic blocks by the prefix
// of their block id.
func readBookForm(v slackapi.View) (bookForm, bookMeta) {
	var meta bookMeta
	_ = json.Unmarshal([]byte(v.PrivateMetadata), &meta)
	f := bookForm{}
	if v.State == nil {
		return f, meta
	}
	for block, actions := range v.State.Values {
		for action, st := range actions {
			val := st.SelectedOption.Value
			switch {
			case block == blockBookDept && action == actionBookDept:
				f.Dept = val
			case strings.HasPrefix(block, blockBookService) && action == actionBookService:
				f.Service = val
			case strings.HasPrefix(block, blockBookDay) && action == actionBookDay:
				f.Day = val
			case strings.HasPrefix(block, blockBookTime) && action == actionBookTime:
				f.Time = val
			case block == blockBookName && action == actionBookName:
				f.Name = st.Value
			case block == blockBookPhone && action == actionBookPhone:
				f.Phone = st.Value
			case block == blockBookLang && action == actionBookLang:
				f.Lang = booking.Lang(val)
			case block == blockBookVia && action == actionBookVia:
				f.Via = booking.Via(val)
			}
		}
	}
	return f, meta
}

// bookAction redraws the modal after the department, the service or the
// day changed: what depends on the change starts afresh.
func (a *Adapter) bookAction(ctx context.Context, cb slackapi.InteractionCallback, act *slackapi.BlockAction) {
	form, meta := readBookForm(cb.View)
	// The changed value, in case the state does not carry it yet.
	switch act.ActionID {
	case actionBookDept:
		form.Dept, form.Service, form.Day, form.Time = act.SelectedOption.Value, "", "", ""
	case actionBookService:
		form.Service, form.Time = act.SelectedOption.Value, ""
	case actionBookDay:
		form.Day, form.Time = act.SelectedOption.Value, ""
	default:
		return
	}
	pr := a.userPrinter(cb.User.ID)
	depts := a.office.StaffDepartments(cb.User.ID)
	if !slices.Contains(depts, form.Dept) {
		form.Dept, form.Service, form.Day, form.Time = "", "", "", ""
	}
	meta.Gen++
	view, err := a.bookView(ctx, pr, depts, form, meta, bookNotes{})
	if err != nil {
		a.log.Error("slack book modal: redraw", "err", err)
		view = a.noticeView(pr, pr.T("staff_error", nil))
	}
	if _, err := a.api.UpdateViewContext(ctx, view, "", cb.View.Hash, cb.View.ID); err != nil {
		// hash_conflict: a newer change redrew it first, and its own
		// redraw is the one to keep.
		a.log.Warn("slack book modal: views.update", "err", err)
	}
}

// inView keeps each error on a block the submitted view shows: Slack
// refuses errors on any other, and the clerk would see nothing happen. A
// field not drawn (no times on a day that has none) passes its error to
// the field above it.
func inView(v slackapi.View, gen string, errs map[string]string) viewErrors {
	present := map[string]bool{}
	if v.State != nil {
		for id := range v.State.Values {
			present[id] = true
		}
	}
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slackapi.InputBlock); ok {
			present[in.BlockID] = true
		}
	}
	if len(present) == 0 {
		return viewErrors{"errors", errs}
	}
	chain := []string{blockBookTime + gen, blockBookDay + gen, blockBookService + gen, blockBookDept, blockBookName}
	out := map[string]string{}
	for id, msg := range errs {
		if i := slices.Index(chain, id); i >= 0 && !present[id] {
			for _, up := range chain[i+1:] {
				if present[up] {
					id = up
					break
				}
			}
		}
		if out[id] != "" {
			msg = out[id] + " " + msg
		}
		out[id] = msg
	}
	return viewErrors{"errors", out}
}

// submitBook books what the modal holds, or says in the modal what is
// wrong: on the field at fault, and with the fresh days and times when the
// time was taken meanwhile.
func (a *Adapter) submitBook(ctx context.Context, cb slackapi.InteractionCallback) any {
	pr := a.userPrinter(cb.User.ID)
	form, meta := readBookForm(cb.View)
	gen := strconv.Itoa(meta.Gen)
	depts := a.office.StaffDepartments(cb.User.ID)
	if len(depts) == 0 {
		return inView(cb.View, gen, map[string]string{blockBookDept: pr.T("staff_no_department", nil)})
	}
	if form.Dept != "" && !slices.Contains(depts, form.Dept) {
		return inView(cb.View, gen, map[string]string{blockBookDept: pr.T("staff_forbidden", map[string]any{"Department": a.office.Catalog().DepartmentName(form.Dept).In(pr.Lang())})})
	}
	errs := map[string]string{}
	svc, ok := a.office.Catalog().Service(form.Service)
	switch {
	case form.Dept == "":
		errs[blockBookDept] = pr.T("staff_modal_pick_department", nil)
	case !ok || svc.Department != form.Dept:
		errs[blockBookService+gen] = pr.T("staff_modal_need_service", nil)
	}
	walkIn := form.Day == walkInDay
	start, err := strconv.ParseInt(form.Time, 10, 64)
	if ok && !walkIn && (err != nil || form.Day == "") {
		errs[blockBookTime+gen] = pr.T("staff_modal_need_time", nil)
	}
	if !typedText(form.Name) || !typedText(form.Phone) {
		errs[blockBookName] = pr.T("staff_invalid_input", nil)
	} else {
		if _, ok := booking.CallerName(form.Name); !ok {
			errs[blockBookName] = pr.T("staff_modal_bad_name", nil)
		}
		if _, ok := booking.ParsePhone(form.Phone); !ok {
			errs[blockBookPhone] = pr.T("staff_modal_bad_phone", nil)
		}
	}
	if len(errs) > 0 {
		return inView(cb.View, gen, errs)
	}
	actor := staffActor(cb.User.ID, cb.User.Name)
	req := booking.CallerRequest{
		Service:        form.Service,
		Start:          time.Unix(start, 0),
		Phone:          form.Phone,
		Name:           form.Name,
		Lang:           form.Lang,
		Via:            form.Via,
		IdempotencyKey: meta.Key,
	}
	var b booking.Booking
	if walkIn {
		req.Via = booking.ViaDesk // standing at the counter
		b, err = a.office.WalkIn(ctx, actor, req)
	} else {
		b, err = a.office.BookForCaller(ctx, actor, req)
	}
	switch code := booking.ErrorCode(err); code {
	case "":
		// The modal's last screen shows the reference to read out.
		text := a.bookedModalText(pr, b)
		a.tellBooked(cb.User.ID, text)
		done := a.noticeView(pr, text)
		return slackapi.NewUpdateViewSubmissionResponse(&done)
	case booking.ESlotTaken, booking.EClosed:
		if walkIn {
			// Nothing left today, or closed: the day field says so, and
			// the open days are there to choose from.
			id := "staff_modal_walkin_none"
			if code == booking.EClosed {
				id = "staff_modal_walkin_closed"
			}
			form.Day, form.Time = "", ""
			return a.redrawBook(ctx, cb, pr, depts, form, meta, bookNotes{Day: pr.T(id, nil)}, blockBookDay)
		}
		// Redraw with the fresh times of the day (or the fresh days, when
		// that day has none left: bookView moves the note to the day), the
		// reason on the field to choose again.
		when := pr.When(time.Unix(start, 0), a.loc)
		msg := pr.T("staff_modal_taken", map[string]any{"When": when})
		if code == booking.EClosed {
			// Closed meanwhile, or the time came too near while the
			// modal stood open.
			msg = pr.T("staff_modal_day_closed", map[string]any{"When": when})
		}
		form.Time = ""
		return a.redrawBook(ctx, cb, pr, depts, form, meta, bookNotes{Time: msg}, blockBookTime)
	case booking.EForbidden:
		return inView(cb.View, gen, map[string]string{blockBookDept: pr.T("staff_forbidden", map[string]any{"Department": a.office.Catalog().DepartmentName(form.Dept).In(pr.Lang())})})
	case booking.ELimit:
		return inView(cb.View, gen, map[string]string{blockBookPhone: pr.T("staff_modal_limit", nil)})
	case booking.ETooOften:
		return inView(cb.View, gen, map[string]string{blockBookPhone: pr.T("staff_modal_too_often", nil)})
	case booking.EInvalid:
		return inView(cb.View, gen, map[string]string{blockBookName: pr.T("staff_invalid_input", nil)})
	}
	// The phone number is the caller's: only the kind of failure is logged.
	a.log.Error("slack book modal: book", "code", string(booking.ErrorCode(err)), "service", form.Service)
	return inView(cb.View, gen, map[string]string{blockBookTime + gen: pr.T("staff_error", nil)})
}

// redrawBook answers a refused submission with the modal drawn afresh,
// notes under their fields; if it cannot be drawn, with the note as an
// error on block (a dynamic one) of the submitted view.
func (a *Adapter) redrawBook(ctx context.Context, cb slackapi.InteractionCallback, pr *locales.Printer, depts []string, form bookForm, meta bookMeta, notes bookNotes, block string) any {
	gen := strconv.Itoa(meta.Gen)
	meta.Gen++
	view, err := a.bookView(ctx, pr, depts, form, meta, notes)
	if err != nil {
		a.log.Error("slack book modal: redraw after a refusal", "err", err)
		return inView(cb.View, gen, map[string]string{block + gen: notes.Day + notes.Time})
	}
	return slackapi.NewUpdateViewSubmissionResponse(&view)
}

// bookedModalText is what the clerk reads out to the caller: the
// template data of every staff line, the day and time as one.
func (a *Adapter) bookedModalText(pr *locales.Printer, b booking.Booking) string {
	d := a.bookingData(pr, b)
	d["When"] = pr.When(b.Start, a.loc)
	d["Bring"] = escape(bringOf(a.office.Catalog(), b.Service, pr.Lang()))
	return pr.T("staff_modal_booked", d)
}

// tellBooked sends the clerk text in a direct message, to keep after the
// modal is closed.
func (a *Adapter) tellBooked(userID, text string) {
	a.goSlow(func(ctx context.Context) {
		if _, _, err := a.api.PostMessageContext(ctx, userID, slackapi.MsgOptionText(text, false)); err != nil {
			a.log.Error("slack book modal: direct message", "err", err)
		}
	})
}
