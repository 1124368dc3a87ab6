package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// Busy returns the active bookings of department overlapping [from, to),
// and the cancelled ones still holding their place, as desk intervals: the
// rows of the exclusion constraint. The query is served by its GiST index
// over (department, desk, during), and its rows come in order of their
// start: the calendar then groups them by desk without sorting each
// screen's (busyByDesk), and the read cache keeps them so.
func (s *Store) Busy(ctx context.Context, department string, from, to time.Time) ([]booking.Interval, error) {
	rows, err := s.pool.Query(ctx, `SELECT desk, lower(during), upper(during) FROM bookings
		WHERE department = $1 AND (status = 'active' OR held_until IS NOT NULL) AND during && tstzrange($2, $3, '[)')
		ORDER BY lower(during)`, department, from, to)
	if err != nil {
		return nil, wrap("busy", err)
	}
	defer rows.Close()
	out := make([]booking.Interval, 0, 256)
	for rows.Next() {
		var iv booking.Interval
		if err := rows.Scan(&iv.Desk, &iv.Start, &iv.End); err != nil {
			return nil, wrap("busy", err)
		}
		out = append(out, iv)
	}
	return out, wrap("busy", rows.Err())
}

// Booking returns the booking with reference ref.
func (s *Store) Booking(ctx context.Context, ref string) (booking.Booking, error) {
	b, err := scanBooking(s.pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE ref = $1`, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "no booking %q", ref)
	}
	return b, wrap("booking", err)
}

// BookingByID returns the booking with id.
func (s *Store) BookingByID(ctx context.Context, id int64) (booking.Booking, error) {
	b, err := scanBooking(s.pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "no booking %d", id)
	}
	return b, wrap("booking by id", err)
}

// CitizenBookings returns the citizen's active bookings that end after now, by start.
func (s *Store) CitizenBookings(ctx context.Context, telegramID int64, now time.Time) ([]booking.Booking, error) {
	// Each booking's citizen is the one with that Telegram account.
	rows, err := s.pool.Query(ctx, `SELECT `+bookingColumnsOf(`$1::bigint`)+` FROM bookings
		WHERE citizen = (SELECT id FROM citizens WHERE telegram_id = $1)
			AND status = 'active' AND upper(during) > $2 ORDER BY lower(during), id`, telegramID, now)
	if err != nil {
		return nil, wrap("citizen bookings", err)
	}
	bs, err := collectBookings(rows)
	return bs, wrap("citizen bookings", err)
}

// DepartmentBookings returns the department's bookings of any status starting in [from, to), by start;
// the hold rows of offers (status offered) are not bookings and are left out.
func (s *Store) DepartmentBookings(ctx context.Context, department string, from, to time.Time) ([]booking.Booking, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE department = $1 AND lower(during) >= $2 AND lower(during) < $3 AND status <> 'offered'
		ORDER BY lower(during), desk, id`,
		department, from, to)
	if err != nil {
		return nil, wrap("department bookings", err)
	}
	bs, err := collectBookings(rows)
	return bs, wrap("department bookings", err)
}

// BookingsByPhone returns bookings whose contact phone is phone, newest first.
func (s *Store) BookingsByPhone(ctx context.Context, phone string) ([]booking.Booking, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE phone = $1 AND status <> 'offered' ORDER BY lower(during) DESC, id DESC LIMIT 100`, phone)
	if err != nil {
		return nil, wrap("bookings by phone", err)
	}
	bs, err := collectBookings(rows)
	return bs, wrap("bookings by phone", err)
}

// Citizen returns the citizen known by telegramID.
func (s *Store) Citizen(ctx context.Context, telegramID int64) (booking.Citizen, error) {
	var c booking.Citizen
	var lang string
	err := s.pool.QueryRow(ctx, `SELECT id, telegram_id, name, phone, lang FROM citizens WHERE telegram_id = $1`,
		telegramID).Scan(&c.ID, &c.TelegramID, &c.Name, &c.Phone, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return booking.Citizen{}, booking.Errorf(booking.ENotFound, "no citizen %d", telegramID)
	}
	c.Lang = booking.Lang(lang)
	return c, wrap("citizen", err)
}

// SetCitizenLang remembers the citizen's language, creating the citizen if
// new. A citizen choosing a language is writing to the bot, so they are
// reachable again if they had blocked it.
func (s *Store) SetCitizenLang(ctx context.Context, telegramID int64, l booking.Lang) error {
	if l != booking.Greek && l != booking.English {
		return booking.Errorf(booking.EInvalid, "language %q", l)
	}
	// The dialog remembers the language at the first contact and again
	// when it is chosen: a row that has it already is not written again.
	// A soft write (softTx), as MeetCitizen's: a crash of the server that
	// lost it only asks the citizen their language again (and leaves one
	// who had blocked the bot marked so until their next booking).
	_, err := s.softExec(ctx, `INSERT INTO citizens (telegram_id, lang) VALUES ($1, $2)
		ON CONFLICT (telegram_id) DO UPDATE SET lang = EXCLUDED.lang, unreachable = false
		WHERE (citizens.lang, citizens.unreachable) IS DISTINCT FROM (EXCLUDED.lang, false)`, telegramID, string(l))
	return wrap("set citizen lang", err)
}

// MeetCitizen is the lookup of a session's start: it returns the language
// of the citizen known by telegramID (first false), or remembers one not
// known with l and returns l (first true), in one statement instead of a
// read and then a write. A known citizen costs a read only: the insert has
// no row to try, so it neither writes nor draws an id. Of two first
// updates of one account at once, the one whose insert waited on the
// other's gets no row back (its snapshot does not show the row it
// conflicted with), and reports a first contact too: the notice shown
// twice is harmless, a citizen remembered without being shown it is not.
// It is a soft write (softTx): should a crash of the server lose the new
// row, the citizen is only shown the notice again, and the /start that
// every conversation begins with does not wait for the disk.
func (s *Store) MeetCitizen(ctx context.Context, telegramID int64, l booking.Lang) (booking.Lang, bool, error) {
	if l != booking.Greek && l != booking.English {
		return "", false, booking.Errorf(booking.EInvalid, "language %q", l)
	}
	if telegramID < 1 {
		return "", false, booking.Errorf(booking.EInvalid, "meet: citizen %d", telegramID)
	}
	var lang string
	var first bool
	err := softTx(ctx, s.pool, func(b *pgx.Batch) {
		b.Queue(`WITH known AS (SELECT lang FROM citizens WHERE telegram_id = $1),
		ins AS (
			INSERT INTO citizens (telegram_id, lang) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM known)
			ON CONFLICT (telegram_id) DO NOTHING RETURNING lang
		)
		SELECT lang, false FROM known UNION ALL SELECT lang, true FROM ins`, telegramID, string(l))
	}, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&lang, &first) })
	if errors.Is(err, pgx.ErrNoRows) {
		return l, true, nil
	}
	if err != nil {
		return "", false, wrap("meet citizen", err)
	}
	return booking.Lang(lang), first, nil
}

// MarkUnreachable records that the citizen blocked the bot, so nothing more
// is sent to them until they book again or choose a language.
func (s *Store) MarkUnreachable(ctx context.Context, telegramID int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE citizens SET unreachable = true WHERE telegram_id = $1`, telegramID)
	return wrap("mark unreachable", err)
}

// Unreachable reports whether the citizen blocked the bot. An unknown
// citizen is reachable: the bot may still write to a chat it was given.
func (s *Store) Unreachable(ctx context.Context, telegramID int64) (bool, error) {
	var u bool
	err := s.pool.QueryRow(ctx, `SELECT unreachable FROM citizens WHERE telegram_id = $1`, telegramID).Scan(&u)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return u, wrap("unreachable", err)
}
