-- Retention: personal data and bookkeeping are kept only as long as they
-- serve (see postgres.Jobs.Retain). Each erasure runs once a day and finds its
-- rows through these partial indexes, which rows already erased leave; only the
-- citizens are read in full (a small table, once a day).

-- A booking whose name and phone were erased, and when; its service, desk,
-- time and status stay for the statistics.
ALTER TABLE bookings ADD COLUMN anonymised_at timestamptz;
CREATE INDEX bookings_to_anonymise ON bookings (upper(during)) WHERE anonymised_at IS NULL;
-- A citizen's own details go when none of their bookings keeps its.
CREATE INDEX bookings_citizen_named ON bookings (citizen) WHERE anonymised_at IS NULL;
-- Idempotency keys (they name the chat) are only needed while a request
-- may be repeated.
CREATE INDEX bookings_idempotency_age ON bookings (created_at) WHERE idempotency_key IS NOT NULL;
CREATE INDEX request_keys_age ON request_keys (created_at);
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX audit_log_details_age ON audit_log (at) WHERE details <> '{}'::jsonb;
