-- Three indexes of bookings were on the citizen: bookings_citizen (active
-- bookings, 001), bookings_citizen_named (not yet anonymised, 005) and
-- bookings_citizen_all (every booking, 008). A citizen has a handful of
-- bookings, so the last serves every look-up by citizen as well as the
-- two partial ones did (an index scan on the citizen, the rest a filter),
-- while each booking, cancellation and move wrote an entry into all three:
-- under load, two index entries fewer for every booking and every change.
DROP INDEX IF EXISTS bookings_citizen;
DROP INDEX IF EXISTS bookings_citizen_named;
