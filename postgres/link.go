package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

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
// It returns how many bookings moved over. Linking again is harmless.
func (s *Store) LinkTelegram(ctx context.Context, telegramID int64, phone string, lang booking.Lang, now time.Time) (int, error) {
	var moved int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var me int64
		if err := tx.QueryRow(ctx, `INSERT INTO citizens (telegram_id, lang) VALUES ($1, $2)
			ON CONFLICT (telegram_id) DO UPDATE SET unreachable = false RETURNING id`,
			telegramID, string(lang)).Scan(&me); err != nil {
			return err
		}
		var other int64
		var otherTelegram *int64
		err := tx.QueryRow(ctx, `SELECT id, telegram_id FROM citizens WHERE phone_key = $1 FOR UPDATE`, phone).
			Scan(&other, &otherTelegram)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case other == me:
			return nil // linked already
		case otherTelegram == nil:
			tag, err := tx.Exec(ctx, `UPDATE bookings SET citizen = $2, updated_at = now() WHERE citizen = $1`, other, me)
			if err != nil {
				return err
			}
			moved = int(tag.RowsAffected())
			if _, err := tx.Exec(ctx, `DELETE FROM citizens WHERE id = $1`, other); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE citizens SET phone_key = NULL WHERE id = $1`, other); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE citizens SET phone_key = $2 WHERE id = $1`, me, phone); err != nil {
			return err
		}
		a := booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(telegramID, 10)}
		return writeChange(ctx, tx, a, "link", 0, now, map[string]any{"bookings": moved}, nil)
	})
	if err != nil {
		return 0, wrap("link telegram", err)
	}
	return moved, nil
}
