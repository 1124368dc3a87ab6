package conversation

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/rantevou/rantevou/booking"
	"github.com/rantevou/rantevou/dialog"
)

// run performs one effect through the Office and describes its outcome. Any
// failure becomes a booking error code for the dialog to explain; the details
// go to the log only (never the phone number).
func (e *Engine) run(ctx context.Context, in Input, ef dialog.Effect) (res dialog.Result) {
	res.Effect = ef.Kind
	defer func() {
		if r := recover(); r != nil {
			e.log.ErrorContext(ctx, "conversation: effect panicked", slog.String("effect", string(ef.Kind)), slog.Any("panic", r))
			res = dialog.Result{Effect: ef.Kind, Err: booking.EInternal}
		}
	}()
	actor := booking.Actor{Kind: booking.ActorCitizen, ID: strconv.FormatInt(in.UserID, 10)}
	var err error
	switch ef.Kind {
	case dialog.LoadDays:
		res.Days, err = e.office.Availability(ctx, ef.Service, ef.From, ef.To)
	case dialog.LoadSlots:
		res.Day, err = e.office.FreeSlots(ctx, ef.Service, ef.Date)
	case dialog.FirstAvailable:
		res.Slot, err = e.office.FirstAvailable(ctx, ef.Service)
	case dialog.Book:
		res.Booking, err = e.office.Book(ctx, booking.Request{
			Citizen:        booking.Citizen{TelegramID: in.UserID, Name: ef.Name, Phone: ef.Phone, Lang: ef.Lang},
			Service:        ef.Service,
			Start:          ef.Start,
			IdempotencyKey: ef.Key,
		})
	case dialog.Reschedule:
		res.Booking, err = e.office.Reschedule(ctx, actor, ef.Ref, ef.Start, ef.Key)
	case dialog.Cancel:
		res.Booking, err = e.office.Cancel(ctx, actor, ef.Ref, "")
	case dialog.MyBookings:
		res.Bookings, err = e.office.MyBookings(ctx, in.UserID)
	case dialog.LoadBooking:
		// As the citizen: someone else's booking is EForbidden, and the
		// dialog learns nothing of it.
		res.Booking, err = e.office.Booking(ctx, actor, ef.Ref)
	case dialog.SetLang, dialog.Remember:
		err = e.office.SetCitizenLang(ctx, in.UserID, ef.Lang)
	case dialog.Forget:
		res.Bookings, err = e.office.Forget(ctx, in.UserID)
	case dialog.Link:
		res.Linked, err = e.office.LinkTelegram(ctx, in.UserID, ef.Phone, ef.Lang)
	case dialog.JoinWaitlist:
		_, err = e.office.JoinWaitlist(ctx, booking.WaitRequest{
			Citizen: booking.Citizen{TelegramID: in.UserID, Name: ef.Name, Phone: ef.Phone, Lang: ef.Lang},
			Service: ef.Service, From: ef.From, To: ef.To, Part: ef.Part, EarlierThan: ef.Ref,
		})
	case dialog.LoadWaitlist:
		res.Entries, err = e.office.MyWaitlist(ctx, in.UserID)
	case dialog.LeaveWaitlist:
		err = e.office.LeaveWaitlist(ctx, in.UserID, ef.Entry)
	case dialog.TakeOffer:
		res.Booking, err = e.office.TakeOffer(ctx, in.UserID, ef.Ref)
	case dialog.DeclineOffer:
		_, err = e.office.DeclineOffer(ctx, in.UserID, ef.Ref)
	default:
		err = fmt.Errorf("conversation: unknown effect %q", ef.Kind)
	}
	if err != nil {
		res.Err = booking.ErrorCode(err)
		level := slog.LevelInfo
		if res.Err == booking.EInternal {
			level = slog.LevelError
		}
		e.log.Log(ctx, level, "conversation: effect failed", slog.String("effect", string(ef.Kind)),
			slog.Int64("chat", in.ChatID), slog.String("code", string(res.Err)), slog.Any("err", err))
	}
	return res
}
