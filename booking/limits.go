package booking

import "time"

// CitizenLimits bound what one citizen may do, so that no account can
// hoard or trade the office's time. The zero value limits nothing.
type CitizenLimits struct {
	// ReleaseDelay is how long a slot a citizen cancels stays held from
	// every other citizen (they may take it back themselves): a slot is
	// not handed from one account to another by cancelling it at an
	// agreed moment. Cancellations by staff release at once.
	ReleaseDelay time.Duration
	// ChangesPerHour is how many bookings, cancellations and moves one
	// citizen may make in any hour, counted by the store from the audit
	// log in the change's own transaction (so across replicas and
	// channels); more are refused with ETooOften. A repeat of a request
	// already made is not a change. Staff are not limited.
	ChangesPerHour int
}

// ChangeWindow is the period over which CitizenLimits.ChangesPerHour counts.
const ChangeWindow = time.Hour

// Limit sets the citizens' limits. Call it before the Office is shared.
func (o *Office) Limit(l CitizenLimits) { o.limits = l }

// maxChanges is the changes limit of a's requests: citizens' only.
func (o *Office) maxChanges(a Actor) int {
	if a.Kind != ActorCitizen {
		return 0
	}
	return o.limits.ChangesPerHour
}
