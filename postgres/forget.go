package postgres

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/rantevou/rantevou/booking"
)

// anonymousCitizen is the citizens row that bookings of forgotten citizens
// are moved to (migration 008).
const anonymousCitizen = 0

// ForgetCitizen erases the citizen telegramID in one transaction: their
// bookings lose name, phone and idempotency keys and are moved to the row
// that stands for no one (status, service, desk and time stay, for the
// statistics); their request keys, their notifications on Telegram and
// their conversation's trace in the audit log (who acted) are unlinked or
// deleted; and their citizens row, language included, is deleted, so that
// the next contact from that account is a new citizen. It does not cancel
// anything: the Office cancels their upcoming bookings first, as any
// cancellation.
func (s *Store) ForgetCitizen(ctx context.Context, telegramID int64) error {
	if telegramID <= anonymousCitizen {
		return booking.Errorf(booking.EInvalid, "forget: citizen %d", telegramID)
	}
	id := strconv.FormatInt(telegramID, 10)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		const mine = `(SELECT id FROM citizens WHERE telegram_id = $1)`
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM request_keys WHERE booking_id IN (SELECT id FROM bookings WHERE citizen = `+mine+`)`, telegramID)
		// Their notifications, on Telegram, are those about their bookings
		// (those of bookings made by phone before they linked included).
		b.Queue(`DELETE FROM outbox WHERE channel = 'telegram'
			AND (recipient = $2 OR booking_id IN (SELECT id FROM bookings WHERE citizen = `+mine+`))`, telegramID, id)
		b.Queue(`UPDATE bookings SET citizen = $2, name = '', phone = '', idempotency_key = NULL,
			anonymised_at = coalesce(anonymised_at, now()), updated_at = now() WHERE citizen = `+mine, telegramID, anonymousCitizen)
		b.Queue(`UPDATE audit_log SET actor_id = '' WHERE actor_kind = 'citizen' AND actor_id = $1`, id)
		b.Queue(`DELETE FROM citizens WHERE telegram_id = $1`, telegramID)
		return tx.SendBatch(ctx, b).Close()
	})
	return wrap("forget citizen", err)
}
