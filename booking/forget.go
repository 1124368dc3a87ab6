package booking

import (
	"context"
)

// Forget does what a citizen asks for with /forget: it cancels their
// upcoming bookings, each as the citizen cancelling it (staff are told, the
// slot is held as after any citizen's cancellation; the changes limit does
// not stop it), then erases them (Store.ForgetCitizen): their name, phone
// and language go, their bookings are unlinked from their Telegram account
// and kept, anonymous, for the statistics. A booking already under way is
// not cancelled, only unlinked. It returns the bookings it cancelled. A
// failure part way leaves the cancellations made; asking again cancels
// nothing twice and finishes the erasure.
func (o *Office) Forget(ctx context.Context, telegramID int64) ([]Booking, error) {
	if telegramID <= 0 {
		return nil, Errorf(EInvalid, "forget: no citizen")
	}
	now := o.now()
	upcoming, err := o.store.CitizenBookings(ctx, telegramID, now)
	if err != nil {
		return nil, err
	}
	a := citizenActor(telegramID)
	var cancelled []Booking
	for _, b := range upcoming {
		if !b.Start.After(now) {
			continue
		}
		c, err := o.cancel(ctx, a, b.Ref, "", 0)
		switch {
		case err == nil:
			cancelled = append(cancelled, c)
		case ErrorCode(err) == EConflict || ErrorCode(err) == ENotFound:
			// Cancelled or changed meanwhile, by staff or another chat.
		default:
			return cancelled, err
		}
	}
	return cancelled, o.store.ForgetCitizen(ctx, telegramID)
}
