-- A slot a citizen cancels is released to others only after a short delay,
-- so that it cannot be handed from one account to another by cancelling it
-- at an agreed moment. The cancelled booking keeps holding its desk and
-- time until held_until: the exclusion constraint, the one guarantee
-- against overbooking, now covers held rows as it covers active ones, so
-- a hold refuses an overlapping insert or move by PostgreSQL alone, even
-- one racing the cancel itself (it waits for the cancel and then finds the
-- hold). A constraint cannot read the clock, so a hold is cleared by
-- setting held_until to NULL: by the booking insert or move that wants the
-- place, when the hold has run out or is its own citizen's, in its own
-- transaction; and by every replica's scheduler a few times a minute, for
-- the calendar to show the place free again.
ALTER TABLE bookings ADD COLUMN held_until timestamptz;
ALTER TABLE bookings ADD CONSTRAINT bookings_held_cancelled CHECK (held_until IS NULL OR status = 'cancelled');
ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
    department WITH =, desk WITH =, during WITH &&
) WHERE (status = 'active' OR held_until IS NOT NULL);
CREATE INDEX bookings_held ON bookings (held_until) WHERE held_until IS NOT NULL;
