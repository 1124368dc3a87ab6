-- The waiting list: a citizen who finds no free time waits in line for
-- one, and when a place frees up the next citizen in line is offered it,
-- kept for them for a few minutes.
--
-- THE HOLD. An offer keeps its place as a row of bookings: status
-- 'offered', the offered citizen as its citizen, and held_until the end of
-- the offer. Migration 006 already made the exclusion constraint count
-- every row with held_until set, so a live offer refuses an overlapping
-- booking, move or second offer by PostgreSQL alone, on every path (the
-- bot, staff, the call centre), exactly as a booking does: an offer can
-- never be double-sold. As with a cancelled booking's hold, the
-- constraint cannot read the clock, so the offer ends by clearing
-- held_until: when the citizen declines, when the expiry job (or any
-- booking that wants the place after held_until) finds it ran out.
--
-- Taking an offer for a new booking turns that same row into the booking
-- (status 'active', held_until NULL) in one UPDATE: the place is never
-- free in between. Taking an earlier-time offer clears the hold row and
-- moves the citizen's existing booking onto its place in one transaction,
-- which frees the old place for the next in line. A row that stays
-- 'offered' with held_until NULL is the record of an offer that ended;
-- nothing counts it (rosters, limits and look-ups read the other
-- statuses).
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('active', 'cancelled', 'attended', 'no_show', 'offered'));
ALTER TABLE bookings DROP CONSTRAINT bookings_held_cancelled;
ALTER TABLE bookings ADD CONSTRAINT bookings_held_cancelled
    CHECK (held_until IS NULL OR status IN ('cancelled', 'offered'));

-- One line per citizen and wish: a service over a range of days,
-- optionally a part of the day, or an earlier time than a booking they
-- hold (earlier_than). Order of joining is joined_at, then id. An entry
-- is 'offered' while one of its offers is live; 'booked' once an offer
-- was taken; 'left', 'dropped' (too many offers left unanswered in a
-- row: ignored counts them) and 'expired' (its range is over) end it.
CREATE TABLE waitlist (
    id            bigserial PRIMARY KEY,
    citizen       bigint NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    department    text NOT NULL,
    service       text NOT NULL,
    from_day      date NOT NULL,
    to_day        date NOT NULL CHECK (to_day >= from_day),
    part          text NOT NULL DEFAULT 'any' CHECK (part IN ('any', 'morning', 'late')),
    earlier_than  bigint REFERENCES bookings (id) ON DELETE CASCADE,
    name          text NOT NULL DEFAULT '',
    phone         text NOT NULL DEFAULT '',
    joined_at     timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    ignored       int NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'offered', 'booked', 'left', 'dropped', 'expired')),
    ended_at      timestamptz,
    FOREIGN KEY (department, service) REFERENCES services (department, code)
);
CREATE INDEX waitlist_queue ON waitlist (department, joined_at, id) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_citizen ON waitlist (citizen) WHERE status IN ('waiting', 'offered');
-- One wish per service (and per booking to bring forward) at a time.
CREATE UNIQUE INDEX waitlist_one_wish ON waitlist (citizen, service, coalesce(earlier_than, 0))
    WHERE status IN ('waiting', 'offered');
-- One live offer per citizen.
CREATE UNIQUE INDEX waitlist_one_offer ON waitlist (citizen) WHERE status = 'offered';

-- Every offer made: its entry, its hold row, when the place it offers was
-- freed (for the time from freeing to re-booking), and how it ended.
CREATE TABLE offers (
    id          bigserial PRIMARY KEY,
    entry       bigint NOT NULL REFERENCES waitlist (id) ON DELETE CASCADE,
    hold        bigint NOT NULL UNIQUE REFERENCES bookings (id),
    freed_at    timestamptz NOT NULL,
    offered_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    outcome     text CHECK (outcome IN ('taken', 'declined', 'expired', 'void')),
    ended_at    timestamptz
);
CREATE UNIQUE INDEX offers_live ON offers (entry) WHERE outcome IS NULL;
CREATE INDEX offers_due ON offers (expires_at) WHERE outcome IS NULL;
CREATE INDEX offers_entry ON offers (entry);
