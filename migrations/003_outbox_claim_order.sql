-- The claim takes the oldest due rows, ORDER BY due_at, id LIMIT n. An index
-- on due_at alone made PostgreSQL read and sort every due row for each
-- claim: under a backlog of a few thousand confirmations, ~9,600 index
-- entries per claim and most of the database's CPU. With id in the index
-- the claim reads the rows it takes (and the leased ones it skips).
CREATE INDEX outbox_claim ON outbox (due_at, id) WHERE delivered_at IS NULL AND parked_at IS NULL;
DROP INDEX outbox_pending;
