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
// at every booking, so linking again must cost little: one read, no
// write. The first link is one pipelined transaction, one round trip.
func (s *Store) LinkTelegram(ctx context.Context, telegramID int64, phone string, lang booking.Lang, now time.Time) (int, error) {
	var linked bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM citizens WHERE telegram_id = $1 AND phone_key = $2)`,
		telegramID, phone).Scan(&linked); err != nil {
		return 0, wrap("link telegram", err)
	}
	if linked {
		return 0, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, wrap("link telegram", err)
	}
	// A connection left inside a transaction by a failure is discarded by
	// the pool on release, never reused.
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
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
	b.Queue(`COMMIT`)
	var moved int
	br := conn.SendBatch(ctx, b)
	err = func() error {
		for range 4 { // BEGIN, the three locks
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if err := br.QueryRow().Scan(&moved); err != nil {
			return err
		}
		for range 3 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		tag, err := br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = pgx.ErrTxCommitRollback
		}
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "ROLLBACK")
	}
	if err != nil {
		return 0, wrap("link telegram", err)
	}
	return moved, nil
}
