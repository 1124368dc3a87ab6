package booking

import (
	"context"
	"time"
)

// The store knows no time zone: the office's days, in which closures are
// kept, come with each request, computed by the calendar (see Day and
// Span), so that the catalog's zone has one home.

// NewBooking asks the store to insert a booking at the first of Desks that is
// free over [Start, End).
type NewBooking struct {
	// Citizen is who books: the Telegram user TelegramID, or, when that is
	// 0, the citizen identified by Phone (created if new).
	Citizen        Citizen
	Via            Via // ViaTelegram if empty
	Department     string
	Service        string
	Desks          []string // candidate desks, in order of preference
	Start, End     time.Time
	Day            Date   // the office's day of Start, whose closures the store checks under its lock
	IdempotencyKey string // optional; a repeat returns the first booking
	MaxActive      int    // per-citizen limits, checked under a lock on the citizen
	MaxPerService  int
	MaxChanges     int            // the citizen's changes within ChangeWindow before Now; 0: not limited
	Now            time.Time      // "active" means Status active and End after Now
	Notify         []Notification // written in the same transaction; BookingID is filled in
	Actor          Actor
}

// Move asks the store to move an active booking to a new time, atomically:
// the old slot is freed only if the new one is taken.
type Move struct {
	Ref            string
	Desks          []string
	Start, End     time.Time
	Day            Date // the office's day of Start, whose closures the store checks under its lock
	IdempotencyKey string
	Now            time.Time      // a hold on the new place that ran out by then no longer holds it; the audit entry's time
	MaxChanges     int            // the citizen actor's changes within ChangeWindow before Now; 0: not limited
	Notify         []Notification // pending reminders of the booking are replaced by these
	Actor          Actor
	// Department and From are the booking's department and place before
	// the move, as the caller read it: the store moves by Ref and ignores
	// them; the read cache takes From out of its busy times.
	Department string
	From       Interval
}

// Cancel asks the store to cancel an active booking.
type Cancel struct {
	Ref    string
	Reason string
	// HoldUntil, when set, keeps the booking's desk and time from every
	// other citizen until then (its own citizen may take it back): a slot
	// is not handed over by cancelling it at an agreed moment.
	HoldUntil  time.Time
	Now        time.Time      // the audit entry's time; zero: the database's
	MaxChanges int            // the citizen actor's changes within ChangeWindow before Now; 0: not limited
	Notify     []Notification // pending reminders of the booking are dropped
	Actor      Actor
}

// NewClosure asks the store to store a closure.
type NewClosure struct {
	Closure Closure
	// Start and End are the instants Closure's days span in the office's
	// time zone, [Start, End) (Calendar.Span): the bookings it covers are
	// those whose times overlap them.
	Start, End time.Time
	Actor      Actor
}

// Closing asks the store to store a closure and cancel every active booking
// it covers, all in one transaction: either the closure exists and none of
// its bookings is left active, or nothing changed.
type Closing struct {
	NewClosure
	Reason string // the cancel reason of each booking
	// Notify returns the notifications of one cancelled booking; their
	// BookingID is filled in. It is called inside the transaction, so it
	// must be quick and must not call the store.
	Notify func(b Booking) []Notification
}

// Store keeps bookings, closures, the audit log and the outbox. Every method
// that changes something writes its audit row and its notifications in the
// same transaction. The store, not the caller, guarantees no overbooking: a
// lost race returns an *Error with ESlotTaken.
type Store interface {
	// SyncCatalog upserts departments, desks and services so that every
	// replica agrees on them.
	SyncCatalog(ctx context.Context, c *Catalog) error

	// Busy returns the desk intervals taken by active bookings and held
	// by cancelled ones.
	Busy(ctx context.Context, department string, from, to time.Time) ([]Interval, error)
	Closures(ctx context.Context, department string, from, to Date) ([]Closure, error)

	// Insert books nb; created is false when nb repeats an earlier request
	// (its IdempotencyKey) and the booking returned is that one's. Insert
	// and Move take a place held by a cancelled booking (Cancel.HoldUntil)
	// or an offer only when the hold is their citizen's own, or ran out by
	// their Now and nobody waits in line in the department (then the
	// waiting list hands the place on first: see WaitlistStore).
	Insert(ctx context.Context, nb NewBooking) (b Booking, created bool, err error)
	Move(ctx context.Context, m Move) (Booking, error)
	Cancel(ctx context.Context, c Cancel) (Booking, error)
	SetStatus(ctx context.Context, ref string, s Status, a Actor) (Booking, error)
	// AddClosure stores a closure and returns the active bookings it covers.
	AddClosure(ctx context.Context, c NewClosure) ([]Booking, error)
	// CloseAndCancel stores c.Closure and cancels the active bookings it
	// covers (dropping their pending reminders, with an audit row and the
	// notifications of each) in one transaction, and returns them cancelled.
	CloseAndCancel(ctx context.Context, c Closing) ([]Booking, error)

	Booking(ctx context.Context, ref string) (Booking, error)
	BookingByID(ctx context.Context, id int64) (Booking, error)
	// BookingByIdempotencyKey returns the booking inserted under key
	// (NewBooking.IdempotencyKey); ENotFound when there is none.
	BookingByIdempotencyKey(ctx context.Context, key string) (Booking, error)
	// BookingByRequestKey returns the booking that a move with key
	// (Move.IdempotencyKey) changed; ENotFound when there is none.
	BookingByRequestKey(ctx context.Context, key string) (Booking, error)
	// CitizenBookings returns the citizen's active bookings that end after now, by start.
	CitizenBookings(ctx context.Context, telegramID int64, now time.Time) ([]Booking, error)
	// DepartmentBookings returns the department's bookings of any status starting in [from, to), by start.
	DepartmentBookings(ctx context.Context, department string, from, to time.Time) ([]Booking, error)
	// BookingsByPhone returns bookings whose contact phone is phone, newest first.
	BookingsByPhone(ctx context.Context, phone string) ([]Booking, error)

	Citizen(ctx context.Context, telegramID int64) (Citizen, error)
	// LinkTelegram makes the Telegram user and the citizen identified by
	// phone one citizen (see Office.LinkTelegram) in one transaction with
	// its audit row, and returns how many bookings moved over.
	LinkTelegram(ctx context.Context, telegramID int64, phone string, lang Lang, now time.Time) (int, error)
	// Unmark puts an attended or no-show booking back to active, with its
	// audit row.
	Unmark(ctx context.Context, ref string, a Actor) (Booking, error)
	SetCitizenLang(ctx context.Context, telegramID int64, l Lang) error
	// MeetCitizen returns the language of the citizen known by
	// telegramID, or creates one not known with l and returns l and first
	// true, in one statement. Two at once for a new account may both
	// report first: never neither.
	MeetCitizen(ctx context.Context, telegramID int64, l Lang) (lang Lang, first bool, err error)
	// ForgetCitizen erases the citizen: name, phone, language, request
	// keys and Telegram notifications go, their bookings are unlinked from
	// them and their record deleted. It cancels nothing.
	ForgetCitizen(ctx context.Context, telegramID int64) error
}

// NewEntry asks the store to put a citizen in line (Office.JoinWaitlist).
type NewEntry struct {
	Citizen     Citizen // TelegramID; Name and Phone, when given, are kept for the booking an offer makes
	Department  string
	Service     string
	From, To    Date
	Part        DayPart
	EarlierThan int64 // the id of the citizen's booking to bring forward; 0 for a new booking
	Now         time.Time
	ExpiresAt   time.Time
	Max         int // the citizen's entries in line, checked under a lock on the citizen
	Actor       Actor
}

// NewOffer asks the store to offer Entry the place [Start, End) at the
// first of Desks that is free, holding it until Until, in one transaction
// with the entry's change, its audit row and Notify (whose BookingID is
// the hold row's).
type NewOffer struct {
	Entry      WaitEntry
	Desks      []string
	Start, End time.Time
	Day        Date
	Now, Until time.Time
	Notify     []Notification
}

// TakeOffer asks the store to take the citizen's live offer of hold Ref:
// the hold row becomes the booking, or for an earlier-time offer the
// booking moves onto its place, in one transaction. Notify gives the
// notifications of the booking made (old is the booking as it was before
// a move, nil for a new booking); it is called inside the transaction.
type TakeOffer struct {
	TelegramID    int64
	Ref           string
	Now           time.Time
	MaxActive     int
	MaxPerService int
	DayOf         func(t time.Time) Date // the office's day of t, to check the closures of the place's day
	Notify        func(b Booking, old *Booking) []Notification
	Actor         Actor
}

// ExpireOffers asks the store to end the offers that ran out by Now: their
// holds released, their entries back in line, or dropped after DropAfter
// offers in a row ran out, with Notify's notifications (called inside the
// transaction, BookingID the hold row's).
type ExpireOffers struct {
	Now       time.Time
	DropAfter int
	// MaxPerService ends, as booked, the entries for a new booking whose
	// citizen has booked that many of the service since they joined.
	MaxPerService int
	Notify        func(o Offer) []Notification
}

// WaitlistStore keeps the waiting list and its offers. Like Store, every
// change writes its audit row and notifications in its own transaction,
// and the database, not the caller, guarantees that a held place is
// never booked by anyone else (ESlotTaken), that an entry has one live
// offer and a citizen one (EConflict).
type WaitlistStore interface {
	// Taken returns the desk intervals of active bookings and of holds
	// still running at now, read from the database itself (not a cache):
	// what is offered must be what is free. A hold that ran out is free
	// for an offer, which releases it (Offer).
	Taken(ctx context.Context, department string, from, to, now time.Time) ([]Interval, error)
	Closures(ctx context.Context, department string, from, to Date) ([]Closure, error)

	Join(ctx context.Context, e NewEntry) (WaitEntry, error)
	// Entries returns the citizen's entries in line, by joining.
	Entries(ctx context.Context, telegramID int64, now time.Time) ([]WaitEntry, error)
	// Leave takes the citizen's entry out of line, ending its live offer.
	Leave(ctx context.Context, telegramID, id int64, now time.Time, a Actor) (WaitEntry, error)
	// Queue returns dept's entries waiting (without a live offer, their
	// citizen without one either) and not expired by now, in order of
	// joining, each with the starts it was offered before. An entry for a
	// new booking whose citizen holds maxPerService active bookings of its
	// service already is left out: they could not take the place.
	Queue(ctx context.Context, dept string, now time.Time, maxPerService int) ([]WaitEntry, error)
	// WaitingDepartments returns the departments with entries waiting.
	WaitingDepartments(ctx context.Context, now time.Time) ([]string, error)
	Offer(ctx context.Context, o NewOffer) (Offer, error)
	TakeOffer(ctx context.Context, t TakeOffer) (Booking, Offer, error)
	DeclineOffer(ctx context.Context, telegramID int64, ref string, now time.Time, a Actor) (Offer, error)
	// ExpireOffers ends the offers that ran out, each once across
	// replicas, and the entries whose days are over; it returns the
	// offers it ended.
	ExpireOffers(ctx context.Context, e ExpireOffers) ([]Offer, error)
	// WaitingCounts returns, per service of dept, the entries in line.
	WaitingCounts(ctx context.Context, dept string, now time.Time) (map[string]int, error)
	// SomeoneWaits reports whether dept has any entry in line, for a
	// cancellation to know whether to keep the place for the waiting list.
	SomeoneWaits(ctx context.Context, dept string, now time.Time) (bool, error)
}
