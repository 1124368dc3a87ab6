package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// The waiting list and its offers (migration 010). An offer's hold is a
// row of bookings with status 'offered' and held_until set, which the
// exclusion constraint counts as it counts a booking: nothing but the
// database decides that a held place is not sold twice. Every change here
// is one transaction with its audit row and outbox rows.

var _ booking.WaitlistStore = (*Store)(nil)

// Names of the waiting list's constraints whose violations mean something.
const (
	constraintOneWish  = "waitlist_one_wish"
	constraintOneOffer = "waitlist_one_offer"
)

// entryColumns are scanned by scanEntry, in this order, from waitlist w
// joined with citizens c and (left) the booking to bring forward, b.
const entryColumns = `w.id, w.citizen, coalesce(c.telegram_id, 0), w.department, w.service, w.from_day, w.to_day,
	w.part, coalesce(b.ref, ''), lower(b.during), w.joined_at, w.expires_at, w.status, w.ignored`

const entryFrom = ` FROM waitlist w JOIN citizens c ON c.id = w.citizen
	LEFT JOIN bookings b ON b.id = w.earlier_than`

func scanEntry(row pgx.Row, extra ...any) (booking.WaitEntry, error) {
	var e booking.WaitEntry
	var from, to time.Time
	var earlier *time.Time
	var part, status string
	dest := append([]any{&e.ID, &e.CitizenID, &e.TelegramID, &e.Department, &e.Service, &from, &to,
		&part, &e.EarlierThan, &earlier, &e.JoinedAt, &e.ExpiresAt, &status, &e.Ignored}, extra...)
	if err := row.Scan(dest...); err != nil {
		return booking.WaitEntry{}, err
	}
	e.From, e.To = booking.DateOf(from, time.UTC), booking.DateOf(to, time.UTC)
	e.Part, e.Status = booking.DayPart(part), booking.WaitStatus(status)
	if earlier != nil {
		e.EarlierStart = *earlier
	}
	return e, nil
}

// Join puts a citizen in line, counting their entries under a lock on
// their row, as Insert counts their bookings.
func (s *Store) Join(ctx context.Context, ne booking.NewEntry) (booking.WaitEntry, error) {
	if ne.Citizen.TelegramID <= 0 {
		return booking.WaitEntry{}, booking.Errorf(booking.EInvalid, "join: no citizen")
	}
	lang := ne.Citizen.Lang
	if lang == "" {
		lang = booking.Greek
	}
	var e booking.WaitEntry
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var cid int64
		if err := tx.QueryRow(ctx, `INSERT INTO citizens (telegram_id, lang) VALUES ($1, $2)
			ON CONFLICT (telegram_id) DO UPDATE SET unreachable = false RETURNING id`,
			ne.Citizen.TelegramID, string(lang)).Scan(&cid); err != nil {
			return err
		}
		// An entry whose days are over no longer counts, nor blocks a new
		// wish for the same service.
		if _, err := tx.Exec(ctx, `UPDATE waitlist SET status = 'expired', ended_at = $2, name = '', phone = ''
			WHERE citizen = $1 AND status = 'waiting' AND expires_at <= $2`, cid, ne.Now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM waitlist WHERE citizen = $1 AND status IN ('waiting', 'offered')`,
			cid).Scan(&n); err != nil {
			return err
		}
		if ne.Max > 0 && n >= ne.Max {
			return booking.Errorf(booking.ELimit, "citizen has %d entries in line (max %d)", n, ne.Max)
		}
		var earlier any
		if ne.EarlierThan != 0 {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bookings WHERE id = $1 AND citizen = $2
				AND status = 'active' AND lower(during) > $3)`, ne.EarlierThan, cid, ne.Now).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return booking.Errorf(booking.EConflict, "booking %d is not the citizen's active booking", ne.EarlierThan)
			}
			earlier = ne.EarlierThan
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO waitlist (citizen, department, service, from_day, to_day, part,
				earlier_than, name, phone, joined_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			cid, ne.Department, ne.Service, dateValue(ne.From), dateValue(ne.To), string(ne.Part),
			earlier, ne.Citizen.Name, ne.Citizen.Phone, ne.Now, ne.ExpiresAt).Scan(&id); err != nil {
			return err
		}
		if err := writeChange(ctx, tx, ne.Actor, "wait_join", 0, ne.Now, map[string]any{
			"entry": id, "service": ne.Service, "from": ne.From.String(), "to": ne.To.String(), "part": string(ne.Part),
			"earlier_than": ne.EarlierThan,
		}, nil); err != nil {
			return err
		}
		var err error
		e, err = scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+entryFrom+` WHERE w.id = $1`, id))
		return err
	})
	if uniqueOn(err, constraintOneWish) {
		return booking.WaitEntry{}, booking.Errorf(booking.EConflict, "citizen already waits for %s", ne.Service)
	}
	if err != nil {
		return booking.WaitEntry{}, wrap("join waiting list", err)
	}
	return e, nil
}

// Entries returns the citizen's entries in line, by joining.
func (s *Store) Entries(ctx context.Context, telegramID int64, now time.Time) ([]booking.WaitEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+entryColumns+entryFrom+`
		WHERE c.telegram_id = $1 AND w.status IN ('waiting', 'offered') AND w.expires_at > $2
		ORDER BY w.joined_at, w.id`, telegramID, now)
	if err != nil {
		return nil, wrap("waiting list entries", err)
	}
	defer rows.Close()
	var out []booking.WaitEntry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, wrap("waiting list entries", err)
		}
		out = append(out, e)
	}
	return out, wrap("waiting list entries", rows.Err())
}

// Leave takes the citizen's entry out of line; its live offer, if any,
// ends and its hold is released.
func (s *Store) Leave(ctx context.Context, telegramID, id int64, now time.Time, a booking.Actor) (booking.WaitEntry, error) {
	var e booking.WaitEntry
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		e, err = scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+entryFrom+`
			WHERE w.id = $1 AND c.telegram_id = $2 AND w.status IN ('waiting', 'offered') FOR UPDATE OF w`, id, telegramID))
		if errors.Is(err, pgx.ErrNoRows) {
			return booking.Errorf(booking.ENotFound, "no entry %d of citizen %d in line", id, telegramID)
		}
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`WITH ended AS (UPDATE offers SET outcome = 'void', ended_at = $2 WHERE entry = $1 AND outcome IS NULL RETURNING hold)
			UPDATE bookings SET held_until = CASE WHEN held_until IS NOT NULL THEN least(held_until, $2) END, updated_at = now() WHERE id IN (SELECT hold FROM ended) AND status = 'offered'`, id, now)
		b.Queue(`UPDATE waitlist SET status = 'left', ended_at = $2, name = '', phone = '' WHERE id = $1`, id, now)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return writeChange(ctx, tx, a, "wait_leave", 0, now, map[string]any{"entry": id}, nil)
	})
	if err != nil {
		return booking.WaitEntry{}, wrap("leave waiting list", err)
	}
	return e, nil
}

// endHold ends the hold of the row $1 at $2 unless it ended already: the
// row stays, run out, so that while others wait only the next offer takes
// the place (ranOut).
const endHold = `UPDATE bookings SET held_until = CASE WHEN held_until IS NOT NULL THEN least(held_until, $2) END, updated_at = now()
	WHERE id = $1`

// Queue returns dept's entries that can be offered a place now, in order
// of joining, each with the starts it was offered before.
func (s *Store) Queue(ctx context.Context, dept string, now time.Time, maxPerService int) ([]booking.WaitEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+entryColumns+`,
			ARRAY(SELECT lower(h.during) FROM offers o JOIN bookings h ON h.id = o.hold WHERE o.entry = w.id)`+entryFrom+`
		WHERE w.department = $1 AND w.status = 'waiting' AND w.expires_at > $2 AND c.telegram_id IS NOT NULL
			AND NOT c.unreachable -- blocked the bot: an offer would hold a place for nobody
			AND (w.earlier_than IS NULL OR b.status = 'active')
			AND NOT EXISTS (SELECT 1 FROM waitlist x WHERE x.citizen = w.citizen AND x.status = 'offered')
			AND NOT (`+holdsEnough("$2", "$3")+`)
		ORDER BY w.joined_at, w.id`, dept, now, maxPerService)
	if err != nil {
		return nil, wrap("waiting list queue", err)
	}
	defer rows.Close()
	var out []booking.WaitEntry
	for rows.Next() {
		var offered []time.Time
		e, err := scanEntry(rows, &offered)
		if err != nil {
			return nil, wrap("waiting list queue", err)
		}
		e.Offered = offered
		out = append(out, e)
	}
	return out, wrap("waiting list queue", rows.Err())
}

// Taken returns the desk intervals of active bookings of department over
// [from, to) and of holds still running at now.
func (s *Store) Taken(ctx context.Context, department string, from, to, now time.Time) ([]booking.Interval, error) {
	rows, err := s.pool.Query(ctx, `SELECT desk, lower(during), upper(during) FROM bookings
		WHERE department = $1 AND (status = 'active' OR held_until > $4) AND during && tstzrange($2, $3, '[)')`,
		department, from, to, now)
	if err != nil {
		return nil, wrap("taken", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (booking.Interval, error) {
		var iv booking.Interval
		err := r.Scan(&iv.Desk, &iv.Start, &iv.End)
		return iv, err
	})
	return out, wrap("taken", err)
}

// holdsEnough says the entry w is for a new booking and its citizen holds
// max (a placeholder) active bookings of its service ending after now
// (another): the limit per service, which an offer could not go beyond.
func holdsEnough(now, max string) string {
	return `w.earlier_than IS NULL AND ` + max + `::int > 0 AND (SELECT count(*) FROM bookings x
	WHERE x.citizen = w.citizen AND x.service = w.service AND x.status = 'active' AND upper(x.during) > ` + now + `) >= ` + max + `::int`
}

// WaitingDepartments returns the departments with entries waiting.
func (s *Store) WaitingDepartments(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT department FROM waitlist
		WHERE status = 'waiting' AND expires_at > $1 ORDER BY department`, now)
	if err != nil {
		return nil, wrap("waiting departments", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("waiting departments", err)
}

// WaitingCounts returns, per service of dept, the entries in line.
func (s *Store) WaitingCounts(ctx context.Context, dept string, now time.Time) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT service, count(*) FROM waitlist
		WHERE department = $1 AND status IN ('waiting', 'offered') AND expires_at > $2 GROUP BY service`, dept, now)
	if err != nil {
		return nil, wrap("waiting counts", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var svc string
		var n int
		if err := rows.Scan(&svc, &n); err != nil {
			return nil, wrap("waiting counts", err)
		}
		out[svc] = n
	}
	return out, wrap("waiting counts", rows.Err())
}

// SomeoneWaits reports whether dept has an entry in line.
func (s *Store) SomeoneWaits(ctx context.Context, dept string, now time.Time) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM waitlist
		WHERE department = $1 AND status IN ('waiting', 'offered') AND expires_at > $2)`, dept, now).Scan(&ok)
	return ok, wrap("someone waits", err)
}

// Offer holds the place for the entry at the first free desk and records
// the offer, in one transaction:
//
//	BEGIN
//	the entry 'waiting' → 'offered'   -- EConflict when not waiting; one live offer per citizen (unique index)
//	closure lock, shared              -- as Insert: a closure in flight is waited for
//	per desk: release holds that ran out, insert the hold row ON CONFLICT DO NOTHING
//	the offer row, its audit row and its notifications
//	COMMIT
//
// When every desk is refused the transaction rolls back and the entry is
// waiting again, untouched.
func (s *Store) Offer(ctx context.Context, no booking.NewOffer) (booking.Offer, error) {
	e := no.Entry
	var of booking.Offer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var cid int64
		var name, phone string
		err := tx.QueryRow(ctx, `UPDATE waitlist SET status = 'offered'
			WHERE id = $1 AND status = 'waiting' AND expires_at > $2 RETURNING citizen, name, phone`,
			e.ID, no.Now).Scan(&cid, &name, &phone)
		if errors.Is(err, pgx.ErrNoRows) {
			return booking.Errorf(booking.EConflict, "entry %d is not waiting", e.ID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, lockClosuresShared, closureLockClass, e.Department); err != nil {
			return err
		}
		desks, err := openDesks(ctx, tx, e.Department, no.Day, no.Desks)
		if err != nil {
			return err
		}
		var hold booking.Booking
		for _, desk := range desks {
			ref, err := newRef()
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, releaseRunOut, e.Department, desk, no.Start, no.End, no.Now); err != nil {
				return err
			}
			hold, err = scanBooking(tx.QueryRow(ctx, `INSERT INTO bookings (ref, department, desk, service, citizen, name, phone, lang,
					during, status, held_until, via)
				SELECT $1, $2, $3, $4, c.id, CASE WHEN $6 <> '' THEN $6 ELSE c.name END, CASE WHEN $7 <> '' THEN $7 ELSE c.phone END,
					c.lang, tstzrange($8, $9, '[)'), 'offered', $10, 'telegram'
				FROM citizens c WHERE c.id = $5
				ON CONFLICT DO NOTHING RETURNING `+bookingColumns,
				ref, e.Department, desk, e.Service, cid, name, phone, no.Start, no.End, no.Until))
			if errors.Is(err, pgx.ErrNoRows) {
				continue // held or booked: the next desk
			}
			if err != nil {
				return err
			}
			break
		}
		if hold.ID == 0 {
			return booking.Errorf(booking.ESlotTaken, "no free desk at %s", no.Start.UTC().Format(time.RFC3339))
		}
		// The place was freed when it was first offered, if it has gone
		// from one citizen in line to the next since.
		var freed time.Time
		if err := tx.QueryRow(ctx, `SELECT coalesce(min(o.freed_at), $4::timestamptz) FROM offers o JOIN bookings h ON h.id = o.hold
			WHERE h.department = $1 AND h.during && tstzrange($2, $3, '[)') AND o.outcome IN ('declined', 'expired', 'void')
				AND o.ended_at > $4::timestamptz - interval '1 day'`, e.Department, no.Start, no.End, no.Now).Scan(&freed); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO offers (entry, hold, freed_at, offered_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, e.ID, hold.ID, freed, no.Now, no.Until).Scan(&id); err != nil {
			return err
		}
		of = booking.Offer{ID: id, Entry: e, Hold: hold, FreedAt: freed, OfferedAt: no.Now, ExpiresAt: no.Until}
		of.Entry.Status = booking.WaitOffered
		return writeChange(ctx, tx, booking.Actor{Kind: booking.ActorSystem}, "offer", hold.ID, no.Now, map[string]any{
			"offer": id, "entry": e.ID, "ref": hold.Ref, "desk": hold.Desk, "start": hold.Start, "until": no.Until,
		}, no.Notify)
	})
	if uniqueOn(err, constraintOneOffer) {
		return booking.Offer{}, booking.Errorf(booking.EConflict, "citizen %d has a live offer", e.CitizenID)
	}
	if err != nil {
		return booking.Offer{}, wrap("offer", err)
	}
	return of, nil
}

// liveOffer reads and locks the offer whose hold is ref, for the citizen
// telegramID; ENotFound when there is none of theirs, EConflict when it
// has ended (taken, declined, run out by now).
func liveOffer(ctx context.Context, tx pgx.Tx, telegramID int64, ref string, now time.Time) (booking.Offer, error) {
	var of booking.Offer
	var outcome *string
	e, err := scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+`, o.id, o.hold, h.department, h.desk, lower(h.during),
			o.freed_at, o.offered_at, o.expires_at, o.outcome
		FROM offers o JOIN bookings h ON h.id = o.hold JOIN waitlist w ON w.id = o.entry JOIN citizens c ON c.id = w.citizen
		LEFT JOIN bookings b ON b.id = w.earlier_than
		WHERE h.ref = $1 AND c.telegram_id = $2
		FOR UPDATE OF o`, ref, telegramID),
		&of.ID, &of.Hold.ID, &of.Hold.Department, &of.Hold.Desk, &of.Hold.Start,
		&of.FreedAt, &of.OfferedAt, &of.ExpiresAt, &outcome)
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Offer{}, booking.Errorf(booking.ENotFound, "no offer %q of citizen %d", ref, telegramID)
	}
	if err != nil {
		return booking.Offer{}, err
	}
	of.Entry = e
	if outcome != nil {
		return of, booking.Errorf(booking.EConflict, "offer %q was %s", ref, *outcome)
	}
	if !of.ExpiresAt.After(now) {
		return of, booking.Errorf(booking.EConflict, "offer %q ran out at %s", ref, of.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return of, nil
}

// TakeOffer takes the citizen's live offer of hold ref. For a new booking
// the hold row itself becomes the booking, in one UPDATE, so the place is
// never free in between; for an earlier time the hold is cleared and the
// booking moved onto its place in the same transaction, which frees the
// booking's old place.
func (s *Store) TakeOffer(ctx context.Context, t booking.TakeOffer) (booking.Booking, booking.Offer, error) {
	var b booking.Booking
	var of booking.Offer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Locks in the order Insert and Move take them: the citizen (a new
		// booking) or the move queue (a move), then the closure lock, then
		// the rows.
		var dept string
		var earlier bool
		if err := tx.QueryRow(ctx, `SELECT h.department, w.earlier_than IS NOT NULL FROM bookings h
			JOIN offers o ON o.hold = h.id JOIN waitlist w ON w.id = o.entry WHERE h.ref = $1`, t.Ref).Scan(&dept, &earlier); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return booking.Errorf(booking.ENotFound, "no offer %q", t.Ref)
			}
			return err
		}
		if earlier {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, hashtext($3)), pg_advisory_xact_lock($2, hashtext($3))`,
				closureLockClass, moveLockClass, dept); err != nil {
				return err
			}
		} else {
			if _, err := tx.Exec(ctx, `SELECT 1 FROM citizens WHERE telegram_id = $1 FOR UPDATE`, t.TelegramID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, lockClosuresShared, closureLockClass, dept); err != nil {
				return err
			}
		}
		var err error
		if of, err = liveOffer(ctx, tx, t.TelegramID, t.Ref, t.Now); err != nil {
			return err
		}
		if err := checkOpen(ctx, tx, of.Hold, t.DayOf); err != nil {
			return err
		}
		var old *booking.Booking
		if earlier {
			prev, err := lockActive(ctx, tx, of.Entry.EarlierThan)
			if err != nil {
				return err
			}
			var desk string
			var start, end time.Time
			err = tx.QueryRow(ctx, `UPDATE bookings SET held_until = NULL, updated_at = now()
				WHERE id = $1 AND status = 'offered' AND held_until > $2 RETURNING desk, lower(during), upper(during)`,
				of.Hold.ID, t.Now).Scan(&desk, &start, &end)
			if errors.Is(err, pgx.ErrNoRows) {
				return booking.Errorf(booking.EConflict, "offer %q no longer holds its place", t.Ref)
			}
			if err != nil {
				return err
			}
			if !start.Before(prev.Start) {
				return booking.Errorf(booking.EConflict, "offer %q is not earlier than booking %s", t.Ref, prev.Ref)
			}
			b, err = scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET desk = $2, during = tstzrange($3, $4, '[)'), updated_at = now()
				WHERE id = $1 RETURNING `+bookingColumns, prev.ID, desk, start, end))
			if err != nil {
				return err
			}
			if err := dropReminders(ctx, tx, prev.ID); err != nil {
				return err
			}
			old = &prev
		} else {
			var total, same int
			if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE service = $2) FROM bookings
				WHERE citizen = $1 AND status = 'active' AND upper(during) > $3`, of.Entry.CitizenID, of.Entry.Service, t.Now).Scan(&total, &same); err != nil {
				return err
			}
			if t.MaxActive > 0 && total >= t.MaxActive {
				return booking.Errorf(booking.ELimit, "citizen holds %d active bookings (max %d)", total, t.MaxActive)
			}
			if t.MaxPerService > 0 && same >= t.MaxPerService {
				return booking.Errorf(booking.ELimit, "citizen holds %d active bookings of %s (max %d)", same, of.Entry.Service, t.MaxPerService)
			}
			b, err = scanBooking(tx.QueryRow(ctx, `UPDATE bookings SET status = 'active', held_until = NULL, created_at = $3, updated_at = now()
				WHERE id = $1 AND status = 'offered' AND held_until > $2 RETURNING `+bookingColumns, of.Hold.ID, t.Now, t.Now))
			if errors.Is(err, pgx.ErrNoRows) {
				return booking.Errorf(booking.EConflict, "offer %q no longer holds its place", t.Ref)
			}
			if err != nil {
				return err
			}
		}
		bt := &pgx.Batch{}
		bt.Queue(`UPDATE offers SET outcome = 'taken', ended_at = $2 WHERE id = $1`, of.ID, t.Now)
		bt.Queue(`UPDATE waitlist SET status = 'booked', ended_at = $2, name = '', phone = '' WHERE id = $1`, of.Entry.ID, t.Now)
		if err := tx.SendBatch(ctx, bt).Close(); err != nil {
			return err
		}
		action := "book"
		details := map[string]any{"ref": b.Ref, "service": b.Service, "desk": b.Desk, "start": b.Start, "end": b.End, "offer": of.ID}
		if old != nil {
			action = "reschedule"
			details["from_desk"], details["from_start"] = old.Desk, old.Start
		}
		var ns []booking.Notification
		if t.Notify != nil {
			ns = t.Notify(b, old)
		}
		return writeChange(ctx, tx, t.Actor, action, b.ID, t.Now, details, ns)
	})
	if err != nil {
		return booking.Booking{}, booking.Offer{}, wrap("take offer", err)
	}
	return b, of, nil
}

// checkOpen refuses, with EClosed, the place of hold (its department,
// desk and start) when a closure added since the offer covers its day
// (dayOf gives the office's day of an instant; the store knows no time
// zone).
func checkOpen(ctx context.Context, tx pgx.Tx, hold booking.Booking, dayOf func(time.Time) booking.Date) error {
	if dayOf == nil {
		return nil
	}
	dept, desk := hold.Department, hold.Desk
	day := dateValue(dayOf(hold.Start))
	var closed bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM closures WHERE department = $1 AND (desk = '' OR desk = $2)
		AND from_day <= $3 AND to_day >= $3)`, dept, desk, day).Scan(&closed); err != nil {
		return err
	}
	if closed {
		return booking.Errorf(booking.EClosed, "%s closed on %s", dept, day.Format(time.DateOnly))
	}
	return nil
}

// DeclineOffer ends the citizen's live offer of hold ref: its hold is
// left run out (so that, while others wait, only their offer takes the
// place: see ranOut) and the entry is back in line, not offered that
// place again.
func (s *Store) DeclineOffer(ctx context.Context, telegramID int64, ref string, now time.Time, a booking.Actor) (booking.Offer, error) {
	var of booking.Offer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if of, err = liveOffer(ctx, tx, telegramID, ref, now); err != nil {
			return err
		}
		if of.Hold, err = scanBooking(tx.QueryRow(ctx, endHold+` RETURNING `+bookingColumns, of.Hold.ID, now)); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE offers SET outcome = 'declined', ended_at = $2 WHERE id = $1`, of.ID, now)
		b.Queue(`UPDATE waitlist SET status = 'waiting', ignored = 0 WHERE id = $1 AND status = 'offered'`, of.Entry.ID)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		of.Entry.Status = booking.Waiting
		return writeChange(ctx, tx, a, "offer_declined", of.Hold.ID, now, map[string]any{"offer": of.ID, "entry": of.Entry.ID}, nil)
	})
	if err != nil {
		return booking.Offer{}, wrap("decline offer", err)
	}
	return of, nil
}

// maxExpiredPerRun bounds one ExpireOffers transaction; the next tick
// takes the rest.
const maxExpiredPerRun = 200

// ExpireOffers ends the offers that ran out by e.Now: each is locked with
// SKIP LOCKED and ended only while it has no outcome, so with any number
// of replicas each offer runs out once and its citizen is told once. The
// entry goes back in line; a citizen whose last e.DropAfter offers all ran
// out is taken off the list, every entry of theirs. Entries whose days
// are over end too.
func (s *Store) ExpireOffers(ctx context.Context, e booking.ExpireOffers) ([]booking.Offer, error) {
	var out []booking.Offer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT o.id FROM offers o WHERE o.outcome IS NULL AND o.expires_at <= $1
			ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED`, e.Now, maxExpiredPerRun)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			var of booking.Offer
			entry, err := scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+`, o.hold, o.freed_at, o.offered_at, o.expires_at
				FROM offers o JOIN waitlist w ON w.id = o.entry JOIN citizens c ON c.id = w.citizen
				LEFT JOIN bookings b ON b.id = w.earlier_than WHERE o.id = $1`, id),
				&of.Hold.ID, &of.FreedAt, &of.OfferedAt, &of.ExpiresAt)
			if err != nil {
				return err
			}
			of.ID, of.Entry = id, entry
			// The hold stays, run out: nobody but the next offer takes the
			// place while citizens wait (ranOut), and the tick releases it.
			if of.Hold, err = scanBooking(tx.QueryRow(ctx, endHold+` RETURNING `+bookingColumns, of.Hold.ID, e.Now)); err != nil {
				return err
			}
			b := &pgx.Batch{}
			b.Queue(`UPDATE offers SET outcome = 'expired', ended_at = $2 WHERE id = $1`, id, e.Now)
			b.Queue(`UPDATE waitlist SET ignored = ignored + 1, status = 'waiting' WHERE id = $1 AND status = 'offered'`, entry.ID)
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			// Dropped: the citizen's last DropAfter offers, over all their
			// entries, all ran out.
			if e.DropAfter > 0 {
				if err := tx.QueryRow(ctx, `SELECT count(*) = $2 AND bool_and(outcome = 'expired') FROM (
					SELECT o.outcome FROM offers o JOIN waitlist w ON w.id = o.entry
					WHERE w.citizen = $1 AND o.outcome IS NOT NULL ORDER BY o.ended_at DESC, o.id DESC LIMIT $2) last`,
					entry.CitizenID, e.DropAfter).Scan(&of.Dropped); err != nil {
					return err
				}
			}
			status := booking.Waiting
			if of.Dropped {
				status = booking.WaitDropped
				if _, err := tx.Exec(ctx, `UPDATE waitlist SET status = 'dropped', ended_at = $2, name = '', phone = ''
					WHERE citizen = $1 AND status IN ('waiting', 'offered')`, entry.CitizenID, e.Now); err != nil {
					return err
				}
			}
			of.Entry.Status, of.Entry.Ignored = status, entry.Ignored+1
			var ns []booking.Notification
			if e.Notify != nil && entry.TelegramID > 0 {
				ns = e.Notify(of)
			}
			if err := writeChange(ctx, tx, booking.Actor{Kind: booking.ActorSystem}, "offer_expired", of.Hold.ID, e.Now,
				map[string]any{"offer": id, "entry": entry.ID, "dropped": of.Dropped}, ns); err != nil {
				return err
			}
			out = append(out, of)
		}
		// Entries whose days are over, or whose booking to bring forward
		// is no longer on; and those whose citizen has booked the service
		// meanwhile, as many times as one may.
		if _, err := tx.Exec(ctx, `UPDATE waitlist w SET status = 'expired', ended_at = $1, name = '', phone = ''
			WHERE w.status = 'waiting' AND (w.expires_at <= $1
				OR w.earlier_than IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = w.earlier_than AND b.status = 'active'))`, e.Now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE waitlist w SET status = 'booked', ended_at = $1, name = '', phone = ''
			WHERE w.status = 'waiting' AND `+holdsEnough("$1", "$2"), e.Now, e.MaxPerService)
		return err
	})
	if err != nil {
		return nil, wrap("expire offers", err)
	}
	return out, nil
}

// WaitingTotal counts the entries on the waiting list now and the offers
// holding a place, for the metrics.
func (s *Store) WaitingTotal(ctx context.Context) (waiting, offered int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('waiting', 'offered') AND expires_at > now()),
		count(*) FILTER (WHERE status = 'offered') FROM waitlist WHERE status IN ('waiting', 'offered')`).Scan(&waiting, &offered)
	return waiting, offered, wrap("waiting total", err)
}
