package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// linkLockClass is the advisory lock class of LinkTelegram, per number.
const linkLockClass = int32(0x6c696e6b)

// LinkTelegram makes the Telegram user telegramID and the citizen that
// phone identifies one citizen, in one transaction with its audit row:
//
//   - a citizen known only by that number (booked by phone or at the desk)
//     hands their bookings over to the Telegram user's row and goes;
//   - a number another Telegram user had linked moves to this one (a
//     number changes hands), their bookings staying theirs;
//   - the Telegram user's row holds the number from then on, so the call
//     centre's next booking for it is theirs.
//
// It returns how many bookings moved over. A citizen shares their number
// at every booking, so linking again must cost little: one statement
// that reads, writes nothing and locks nothing. A first link of a number
// no one holds (no citizen booked by phone with it, no other Telegram
// user linked it) is that same statement: the Telegram user's row takes
// the number, with its audit row. Only when another row holds the number
// does it take the transaction of linkHeld.
func (s *Store) LinkTelegram(ctx context.Context, telegramID int64, phone string, lang booking.Lang, now time.Time) (int, error) {
	// The unique constraint on the number is what makes this safe without
	// the advisory lock: the statement succeeds only if no row holds the
	// number (committed, or by a transaction it waited for), and then the
	// transaction of linkHeld would have moved nothing, deleted nothing and
	// taken the number from no one. Held, it fails on the constraint and
	// changes nothing. It is a soft write (softTx): it moves no booking, and
	// if a crash of the server took it, the citizen's next shared contact
	// would link the number again; the booking that usually follows in the
	// same conversation flushes it to disk with its own commit anyway.
	_, err := s.softExec(ctx, linkUnheld, telegramID, string(lang), phone, now, strconv.FormatInt(telegramID, 10))
	if err == nil {
		return 0, nil
	}
	if !uniqueOn(err, constraintPhoneKey) {
		return 0, wrap("link telegram", err)
	}
	for try := 0; ; try++ {
		moved, err := s.linkHeld(ctx, telegramID, phone, lang, now)
		// A number taken meanwhile by a link of the statement above, or
		// by the call centre's first booking for it, fails the last
		// update on the constraint; the next try sees who took it.
		if uniqueOn(err, constraintPhoneKey) && try < 3 {
			continue
		}
		if err != nil {
			return 0, wrap("link telegram", err)
		}
		return moved, nil
	}
}

// linkUnheld links a number no one holds: the Telegram user's row, made
// if new, takes it and is reachable again (they are writing to the bot).
// A row that holds it already (linking again, or a twin link) is left as
// it is, and only a row that changed gets the audit row.
const linkUnheld = `WITH up AS (
		INSERT INTO citizens (telegram_id, lang, phone_key)
		SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM citizens WHERE telegram_id = $1 AND phone_key = $3)
		ON CONFLICT (telegram_id) DO UPDATE SET phone_key = EXCLUDED.phone_key, unreachable = false
		WHERE citizens.phone_key IS DISTINCT FROM EXCLUDED.phone_key
		RETURNING 1
	)
	INSERT INTO audit_log (at, actor_kind, actor_id, action, details)
	SELECT $4, 'citizen', $5, 'link', jsonb_build_object('bookings', 0) FROM up`

// linkHeld links a number a row holds, in one pipelined transaction of
// seven statements: one round trip.
func (s *Store) linkHeld(ctx context.Context, telegramID int64, phone string, lang booking.Lang, now time.Time) (int, error) {
	var moved int
	err := s.pipelinedTx(ctx, func(b *pgx.Batch) {
		// One link of a number at a time: the row holding the number changes
		// under a second one (it goes, or another takes the number), so a
		// row lock alone would not hold it back. Then the Telegram user's
		// row and the number's, one row each, which is all any booking takes.
		b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, linkLockClass, phone)
		b.Queue(`INSERT INTO citizens (telegram_id, lang) VALUES ($1, $2)
			ON CONFLICT (telegram_id) DO UPDATE SET unreachable = false`, telegramID, string(lang))
		b.Queue(`SELECT id FROM citizens WHERE phone_key = $1 FOR UPDATE`, phone)
		b.Queue(`WITH moved AS (
				UPDATE bookings SET citizen = (SELECT id FROM citizens WHERE telegram_id = $1), updated_at = now()
				WHERE citizen = (SELECT id FROM citizens WHERE phone_key = $2 AND telegram_id IS NULL)
				RETURNING 1
			), n AS (SELECT count(*) AS n FROM moved), audit AS (
				INSERT INTO audit_log (at, actor_kind, actor_id, action, details)
				SELECT $3, 'citizen', $4, 'link', jsonb_build_object('bookings', n.n) FROM n
				WHERE NOT EXISTS (SELECT 1 FROM citizens WHERE telegram_id = $1 AND phone_key = $2)
			)
			SELECT n FROM n`, telegramID, phone, now, strconv.FormatInt(telegramID, 10))
		b.Queue(`DELETE FROM citizens WHERE phone_key = $1 AND telegram_id IS NULL`, phone)
		b.Queue(`UPDATE citizens SET phone_key = NULL WHERE phone_key = $1 AND telegram_id <> $2`, phone, telegramID)
		b.Queue(`UPDATE citizens SET phone_key = $1 WHERE telegram_id = $2`, phone, telegramID)
	}, func(br pgx.BatchResults) error {
		if err := execN(br, 3); err != nil { // the three locks
			return err
		}
		if err := br.QueryRow().Scan(&moved); err != nil {
			return err
		}
		return execN(br, 3)
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}
