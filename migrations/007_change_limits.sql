-- A citizen may book, cancel and move only so often an hour
-- (booking.CitizenLimits.ChangesPerHour): the store counts their audit
-- entries of the last hour in the change's own transaction. This index
-- makes that count read only the citizen's own recent entries.
CREATE INDEX audit_log_citizen_changes ON audit_log (actor_id, at)
    WHERE actor_kind = 'citizen' AND action IN ('book', 'cancel', 'reschedule');
