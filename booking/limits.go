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
}

// Limit sets the citizens' limits. Call it before the Office is shared.
func (o *Office) Limit(l CitizenLimits) { o.limits = l }
