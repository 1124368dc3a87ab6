package booking_test

import (
	"context"
	"testing"

	"github.com/rantevou/rantevou/booking"
)

// TestStaffBooking covers the check Slack makes before every staff action:
// staff see a booking of their own department whole, and of another one
// only which department it belongs to, so the refusal can say so.
func TestStaffBooking(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.book(t, 7101, "family-status", at(2, 9, 0))

	t.Run("OwnDepartmentWhole", func(t *testing.T) {
		got, err := f.office.StaffBooking(ctx, civilStaff, " "+b.Ref+" ")
		if err != nil || got.ID != b.ID || got.Citizen.Phone != b.Citizen.Phone {
			t.Fatalf("%v %+v", err, got)
		}
	})
	t.Run("OtherDepartmentOnlyItsName", func(t *testing.T) {
		got, err := f.office.StaffBooking(ctx, registryStaff, b.Ref)
		wantCode(t, err, booking.EForbidden)
		if want := (booking.Booking{Ref: b.Ref, Department: "civil-registry"}); got != want {
			t.Fatalf("refusal carries %+v, want only %+v", got, want)
		}
	})
	t.Run("CitizenForbidden", func(t *testing.T) {
		_, err := f.office.StaffBooking(ctx, citizenActor(7101), b.Ref)
		wantCode(t, err, booking.EForbidden)
	})
	t.Run("UnknownReference", func(t *testing.T) {
		_, err := f.office.StaffBooking(ctx, civilStaff, "ZZZZZZ")
		wantCode(t, err, booking.ENotFound)
	})
}
