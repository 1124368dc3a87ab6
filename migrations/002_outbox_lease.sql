-- Outbox leases: a worker claims due rows by setting lease_until instead of
-- moving due_at, so the original due time (a reminder's moment) is kept and a
-- killed worker's rows come back by themselves when the lease runs out.
-- lease_token names the claim, so a worker whose lease was taken over can see
-- it lost the row before sending it a second time.
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
ALTER TABLE outbox ADD COLUMN lease_token text NOT NULL DEFAULT '';
