package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// maxRefTries bounds the retries on a reference-code collision, which at
// 887 million codes should never need a second try in practice.
const maxRefTries = 8

// Insert books the first free desk of nb.Desks. Each desk is one attempt,
// one transaction of two statements sent as one pipeline (one round
// trip), which PostgreSQL runs as one implicit transaction with no BEGIN
// or COMMIT of its own (pipelinedTx):
//
//	claim the place   -- upsert the citizen (locks their row until commit), then
//	                     the closure lock, shared (orders this against AddClosure),
//	                     then release the holds on the place: run out, or the
//	                     citizen's own (claimPlace)
//	attempt           -- limits, twin, closure, then the insert with its audit and outbox rows
//
// In a pipeline each statement still takes its snapshot when it starts, so
// the attempt, a statement of its own after the one that waited for both
// locks, counts every booking committed by whoever held the citizen's
// lock before, and sees every closure committed before the closure lock
// was granted. It reports whether the booking is new: false for the one
// a repeated request (same idempotency key) made before. ON CONFLICT DO
// NOTHING also covers the exclusion constraint: when another transaction holds an overlapping booking of the
// desk, PostgreSQL waits for it and inserts nothing if it commits. When
// nothing is inserted the transaction has only touched the citizen's row
// and the holds it released, and the next desk is a new attempt: at once
// when the attempt saw its desk taken, skipping the later desks it saw
// booked too (attemptBooking), else after a look-up of why.
func (s *Store) Insert(ctx context.Context, nb booking.NewBooking) (booking.Booking, bool, error) {
	// A repeated request is found by the attempt itself (twin), so a new
	// booking costs no read of its key first.
	if len(nb.Desks) == 0 {
		return booking.Booking{}, false, booking.Errorf(booking.EInvalid, "insert: no candidate desk")
	}
	if nb.Day == (booking.Date{}) {
		// Without its day the closures could not be checked.
		return booking.Booking{}, false, booking.Errorf(booking.EInvalid, "insert: no day")
	}
	if nb.Citizen.Lang == "" {
		nb.Citizen.Lang = booking.Greek
	}
	day := nb.Day
	notify := columnsOf(nb.Notify, nb.Now)
	closedDesks := 0
	var taken []string // desks an attempt found booked, not tried
	for i, desk := range nb.Desks {
		if slices.Contains(taken, desk) {
			continue
		}
		var later []string
		for _, d := range nb.Desks[i+1:] {
			if !slices.Contains(taken, d) {
				later = append(later, d)
			}
		}
		for try := 0; ; try++ {
			ref, err := newRef()
			if err != nil {
				return booking.Booking{}, false, wrap("insert", err)
			}
			r, err := s.attempt(ctx, nb, desk, later, ref, day, notify)
			if deadlocked(err) && try < maxRefTries {
				// Releasing a hold locks its row: with a move or the
				// scheduler releasing the same ones PostgreSQL may pick
				// this attempt to break a deadlock (claimPlace keeps the
				// lock order). It changed nothing.
				continue
			}
			if err != nil {
				if uniqueOn(err, constraintIdempotency) {
					return s.twin(ctx, nb.IdempotencyKey)
				}
				return booking.Booking{}, false, wrap("insert", err)
			}
			switch {
			case r.booking.ID != 0:
				return r.booking, true, nil
			case r.twin:
				return s.twin(ctx, nb.IdempotencyKey)
			case nb.MaxActive > 0 && r.total >= nb.MaxActive:
				return booking.Booking{}, false, booking.Errorf(booking.ELimit, "citizen holds %d active bookings (max %d)", r.total, nb.MaxActive)
			case nb.MaxPerService > 0 && r.same >= nb.MaxPerService:
				return booking.Booking{}, false, booking.Errorf(booking.ELimit, "citizen holds %d active bookings of %s (max %d)", r.same, nb.Service, nb.MaxPerService)
			case nb.MaxChanges > 0 && r.changes >= nb.MaxChanges:
				return booking.Booking{}, false, booking.Errorf(booking.ETooOften, "citizen made %d changes within %s (max %d)", r.changes, booking.ChangeWindow, nb.MaxChanges)
			}
			if r.closed {
				closedDesks++
				break // next desk
			}
			taken = append(taken, r.takenLater...)
			if r.taken {
				break // next desk, with no look-up of why
			}
			// Nothing inserted for a reason the attempt could not see:
			// the desk is taken, the reference code exists, or a twin
			// with the same key committed meanwhile.
			var refTaken, keyTaken bool
			if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bookings WHERE ref = $1),
				EXISTS (SELECT 1 FROM bookings WHERE idempotency_key = $2)`,
				ref, nullString(nb.IdempotencyKey)).Scan(&refTaken, &keyTaken); err != nil {
				return booking.Booking{}, false, wrap("insert", err)
			}
			if keyTaken {
				return s.twin(ctx, nb.IdempotencyKey)
			}
			if refTaken && try < maxRefTries {
				continue
			}
			break
		}
	}
	if closedDesks == len(nb.Desks) {
		return booking.Booking{}, false, booking.Errorf(booking.EClosed, "%s closed on %s", nb.Department, day)
	}
	return booking.Booking{}, false, booking.Errorf(booking.ESlotTaken, "no free desk at %s", nb.Start.UTC().Format(time.RFC3339))
}

// attemptResult is what one attempt found under the locks.
type attemptResult struct {
	total, same int  // the citizen's active bookings, all and of this service
	changes     int  // the citizen's changes within booking.ChangeWindow, when limited
	twin        bool // a booking with the request's idempotency key exists
	closed      bool // a closure covers the desk that day
	// When nothing was inserted: taken says the desk is booked or held
	// at that time (the holds the claim could release released), and
	// takenLater lists the desks to be tried after it that an active
	// booking takes then and no closure closes (see attemptBooking).
	taken      bool
	takenLater []string
	booking    booking.Booking
}

// attemptBooking checks the limits, the idempotency key and the closures
// and inserts only when all pass, with the audit row and the outbox rows
// in the same statement; when the insert does nothing, neither do they.
//
// When nothing was inserted it also says, from its snapshot, whether the
// desk is taken at that time (an active booking, or a hold the claim did
// not release), and which of the desks to be tried after it ($28) an
// active booking takes then and no closure closes. Insert then goes on to
// the next desk with no look-up of why, and skips those: on a full
// calendar a time taken on every desk cost an attempt and a look-up per
// desk, each a round trip, and is now one. A hold on a later desk does
// not skip it (its own attempt's claim may release it), and a desk a
// booking left after the snapshot is one a citizen is told was just
// taken, as when it is taken meanwhile.
const attemptBooking = `WITH cz AS (` + theCitizen + `), lim AS (
		SELECT count(*) AS total, count(*) FILTER (WHERE service = $4) AS same,
			EXISTS (SELECT 1 FROM bookings WHERE idempotency_key = $11) AS twin,
			EXISTS (SELECT 1 FROM closures WHERE department = $2 AND (desk = '' OR desk = $3)
				AND from_day <= $19 AND to_day >= $19) AS closed,
			CASE WHEN $23::int > 0 AND $12 = 'citizen' THEN (SELECT count(*) FROM audit_log
				WHERE actor_kind = 'citizen' AND actor_id = $13 AND action IN ('book', 'cancel', 'reschedule')
				AND at > $20::timestamptz - $24::interval) ELSE 0 END AS changes
		FROM bookings WHERE citizen = (SELECT id FROM cz) AND status = 'active' AND upper(during) > $20
	), b AS (
		INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang, during, idempotency_key, via)
		SELECT $1, $2, $3, $4, (SELECT id FROM cz), $6, $7, $8, tstzrange($9, $10, '[)'), $11, $26 FROM lim
		WHERE NOT lim.twin AND NOT lim.closed
			AND ($21::int = 0 OR lim.total < $21) AND ($22::int = 0 OR lim.same < $22)
			AND ($23::int = 0 OR lim.changes < $23)
		ON CONFLICT DO NOTHING
		RETURNING *
	), a AS (
		INSERT INTO audit_log (at, actor_kind, actor_id, action, booking_id, details)
		SELECT $20, $12, $13, 'book', b.id, jsonb_build_object('ref', b.ref, 'service', b.service, 'desk', b.desk,
			'start', lower(b.during), 'end', upper(b.during)) FROM b
	), o AS (
		INSERT INTO outbox (kind, channel, recipient, booking_id, payload, due_at, delivered_at)
		SELECT n.kind, n.channel, n.recipient, b.id, n.payload::jsonb, n.due_at, n.delivered_at
		FROM b, unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::timestamptz[], $27::timestamptz[])
			AS n(kind, channel, recipient, payload, due_at, delivered_at)
	)
	SELECT lim.total, lim.same, lim.twin, lim.closed, lim.changes,
		coalesce(b.id, 0), coalesce(b.ref, ''), coalesce(b.department, ''), coalesce(b.service, ''),
		coalesce(b.desk, ''), coalesce(lower(b.during), 'epoch'), coalesce(upper(b.during), 'epoch'),
		coalesce(b.status, ''), coalesce(b.citizen, 0), CASE WHEN b.id IS NULL THEN 0 ELSE coalesce((SELECT telegram_id FROM cz), 0) END,
		coalesce(b.name, ''), coalesce(b.phone, ''),
		coalesce(b.lang, ''), coalesce(b.via, ''), coalesce(b.cancel_reason, ''), coalesce(b.created_at, 'epoch'),
		b.id IS NULL AND EXISTS (SELECT 1 FROM bookings x WHERE x.department = $2 AND x.desk = $3
			AND x.during && tstzrange($9, $10, '[)') AND (x.status = 'active' OR x.held_until IS NOT NULL)),
		CASE WHEN b.id IS NULL THEN ARRAY(SELECT d FROM unnest($28::text[]) AS d
			WHERE EXISTS (SELECT 1 FROM bookings x WHERE x.department = $2 AND x.desk = d
				AND x.during && tstzrange($9, $10, '[)') AND x.status = 'active')
			AND NOT EXISTS (SELECT 1 FROM closures c WHERE c.department = $2 AND (c.desk = '' OR c.desk = d)
				AND c.from_day <= $19 AND c.to_day >= $19)) ELSE '{}' END
	FROM lim LEFT JOIN b ON true`

// theCitizen is who books, the citizens row the attempt's upsert made or
// found: the Telegram user $5, or when $5 is 0 the citizen identified by
// the phone number $25 (who may be a Telegram user who linked it). Each
// branch is one index lookup, made once per attempt (cz).
const theCitizen = `SELECT id, telegram_id FROM citizens WHERE $5::bigint > 0 AND telegram_id = $5
	UNION ALL SELECT id, telegram_id FROM citizens WHERE $5::bigint = 0 AND phone_key = $25::text`

// The upserts make sure the citizen who books exists and lock their row
// until commit (ON CONFLICT DO UPDATE locks the row even when its WHERE
// leaves it as it is, also as a CTE: a data-modifying CTE runs to
// completion whatever reads it), so that the limits are counted under the
// lock. A citizen booking through the bot has unblocked it, if they ever
// blocked it: their confirmation and reminders must go out again. A
// caller is the citizen their number identifies, who may be a Telegram
// user who linked it: their own name and language stay as they are, the
// booking keeps what the caller gave. Their parameters start at $7
// (claimPlace); each returns the citizen's id only when it inserted or
// updated the row.
const upsertTelegramCitizen = `INSERT INTO citizens (telegram_id, name, phone, lang) VALUES ($7, $8, $9, $10)
	ON CONFLICT (telegram_id) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone, unreachable = false
	WHERE (citizens.name, citizens.phone, citizens.unreachable) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.phone, false)
	RETURNING id`

const upsertCallerCitizen = `INSERT INTO citizens (phone_key, name, phone, lang) VALUES ($7, $8, $7, $9)
	ON CONFLICT (phone_key) DO UPDATE SET name = EXCLUDED.name, lang = EXCLUDED.lang
	WHERE citizens.telegram_id IS NULL AND (citizens.name, citizens.lang) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.lang)
	RETURNING id`

// The lookups of the row the upsert left as it was, by the same key
// (claimPlace).
const (
	lockedTelegramCitizen = `SELECT id FROM citizens WHERE telegram_id = $7 FOR KEY SHARE`
	lockedCallerCitizen   = `SELECT id FROM citizens WHERE phone_key = $7 FOR KEY SHARE`
)

// claimPlace is the first statement of an attempt: the upsert of the
// citizen (upsert, upsertTelegramCitizen or upsertCallerCitizen), the
// department's closure lock in shared mode (lockClosuresShared, class $6
// and department $1) and the release of the holds on desk $2 overlapping
// [$3, $4) that ran out by $5 (ranOut) or are the citizen's own, locking
// them in id order as ReleaseHolds and releaseHoldsOf do. One statement
// of data-modifying CTEs instead of three, each a backend execution of
// its own; the attempt stays the next statement, for its later snapshot.
//
// Lock order. CTEs run as their results are read (a data-modifying one
// to completion, at the latest when the statement ends), so the order of
// the locks is forced by what reads what, not by the order of the WITH:
//
//   - lk reads up through an aggregate, which reads all of up before it
//     yields its one row, and only then calls the advisory lock: the
//     citizen's row is locked (inserted, updated, or locked as it was)
//     before the closure lock is asked for. The aggregate makes lk one
//     row even when up returns none (a row left as it was).
//   - me reads lk, so the citizen's id is looked up after the closure
//     lock was granted.
//   - the hold rows are locked by the LockRows of rel's subquery, above a
//     sort above a join of the candidate bookings with me: no candidate
//     reaches the lock before me, hence lk and up, were read. With no
//     candidate rel may never read me; the main query reads it, so the
//     closure lock is taken in every attempt all the same.
//
// So the order stays citizen row, closure lock, hold rows (in id order),
// as when they were three statements: AddClosure and CloseAndCancel
// (closure lock exclusive, then bookings) and Move (closure lock shared,
// move lock, its booking, then holds in id order) meet the same order as
// before, and a deadlock stays as rare as it was (Insert retries one).
//
// The citizen whose own holds are released is the row up locked: its id
// from RETURNING when up inserted or updated it, else the lookup by the
// same key (lockedTelegramCitizen, lockedCallerCitizen). The lookup reads
// the statement's snapshot, taken before up waited for the row, so it
// locks what it finds FOR KEY SHARE: on the row up locked that is a no-op
// (this transaction holds a stronger lock already; the upserts change no
// key column), and a row whose key a link (LinkTelegram) or a forget
// changed or deleted meanwhile is read again at its newest version, where
// the key no longer matches, and skipped. So a number that changed hands
// while this statement waited never releases the hold of the citizen who
// had it; this attempt then just releases no own hold. A row up inserted
// is not in the lookup's snapshot, and one it updated is skipped by the
// lookup's lock (changed by this very statement), hence RETURNING first. A new citizen has no holds, and a
// caller whose number a Telegram user linked is that user's row, found by
// phone_key as theCitizen finds it.
func claimPlace(upsert, locked string) string {
	return `WITH up AS (` + upsert + `
	), lk AS MATERIALIZED (
		SELECT u.id, pg_advisory_xact_lock_shared($6, hashtext($1)) FROM (SELECT max(id) AS id FROM up) u
	), me AS MATERIALIZED (
		SELECT coalesce(lk.id, (` + locked + `)) AS who FROM lk
	), rel AS (
		UPDATE bookings SET held_until = NULL
		WHERE id IN (SELECT b.id FROM bookings b, me
			WHERE b.department = $1 AND b.desk = $2 AND b.held_until IS NOT NULL AND b.during && tstzrange($3, $4, '[)')
				AND (` + ranOut + ` OR b.citizen = me.who)
			ORDER BY b.id FOR UPDATE OF b)
	)
	SELECT who FROM me`
}

// The claims of the place by a Telegram user and by a caller.
var (
	claimPlaceTelegram = claimPlace(upsertTelegramCitizen, lockedTelegramCitizen)
	claimPlaceCaller   = claimPlace(upsertCallerCitizen, lockedCallerCitizen)
)

// attempt runs one attempt at desk as one pipelined transaction of two
// statements: claimPlace, then attemptBooking.
func (s *Store) attempt(ctx context.Context, nb booking.NewBooking, desk string, later []string, ref string, day booking.Date, n notificationColumns) (attemptResult, error) {
	via := nb.Via
	if via == "" {
		via = booking.ViaTelegram
	}
	var r attemptResult
	b := &r.booking
	var status, lang, viaText string
	err := s.pipelinedTx(ctx, func(batch *pgx.Batch) {
		place := []any{nb.Department, desk, nb.Start, nb.End, nb.Now, closureLockClass}
		if nb.Citizen.TelegramID > 0 {
			batch.Queue(claimPlaceTelegram, append(place, nb.Citizen.TelegramID, nb.Citizen.Name, nb.Citizen.Phone, string(nb.Citizen.Lang))...)
		} else {
			batch.Queue(claimPlaceCaller, append(place, nb.Citizen.Phone, nb.Citizen.Name, string(nb.Citizen.Lang))...)
		}
		batch.Queue(attemptBooking,
			ref, nb.Department, desk, nb.Service, nb.Citizen.TelegramID, nb.Citizen.Name, nb.Citizen.Phone,
			string(nb.Citizen.Lang), nb.Start, nb.End, nullString(nb.IdempotencyKey),
			string(actorKind(nb.Actor)), nb.Actor.ID, n.kinds, n.channels, n.recipients, n.payloads, n.dueAt,
			dateValue(day), nb.Now, nb.MaxActive, nb.MaxPerService, nb.MaxChanges, booking.ChangeWindow,
			nb.Citizen.Phone, string(via), n.delivered, later)
	}, func(br pgx.BatchResults) error {
		if err := execN(br, 1); err != nil { // the claim of the place
			return err
		}
		return br.QueryRow().Scan(&r.total, &r.same, &r.twin, &r.closed, &r.changes,
			&b.ID, &b.Ref, &b.Department, &b.Service, &b.Desk, &b.Start, &b.End, &status,
			&b.Citizen.ID, &b.Citizen.TelegramID, &b.Citizen.Name, &b.Citizen.Phone, &lang, &viaText, &b.CancelReason, &b.CreatedAt,
			&r.taken, &r.takenLater)
	})
	if err != nil {
		return attemptResult{}, err
	}
	b.Status, b.Citizen.Lang, b.Via = booking.Status(status), booking.Lang(lang), booking.Via(viaText)
	return r, nil
}

// twin returns the booking an earlier request with key made: not new.
func (s *Store) twin(ctx context.Context, key string) (booking.Booking, bool, error) {
	b, err := s.byIdempotencyKey(ctx, key)
	return b, false, wrap("insert", err)
}

// notificationColumns are notifications as the arrays attemptBooking
// unnests: changeColumns, with the office's clock where a change leaves
// the database's now(): a zero DueAt is due now, and a notification shown
// in the chat (InChat) is delivered now.
type notificationColumns struct {
	changeColumns
	dueAt     []time.Time
	delivered []*time.Time
}

func columnsOf(ns []booking.Notification, now time.Time) notificationColumns {
	c := notificationColumns{changeColumns: changeColumnsOf(ns), dueAt: make([]time.Time, len(ns)), delivered: make([]*time.Time, len(ns))}
	for i, n := range ns {
		c.dueAt[i] = now
		if c.dues[i] != nil {
			c.dueAt[i] = *c.dues[i]
		}
		if n.InChat {
			c.delivered[i] = &now
		}
	}
	return c
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
