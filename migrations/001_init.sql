-- rantevou schema. Times are UTC timestamptz; dates of closures are local
-- calendar days of the office.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE departments (
    code        text PRIMARY KEY,
    name_el     text NOT NULL,
    name_en     text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desks (
    department  text NOT NULL REFERENCES departments(code),
    code        text NOT NULL,
    PRIMARY KEY (department, code)
);

CREATE TABLE services (
    code        text PRIMARY KEY,
    department  text NOT NULL REFERENCES departments(code),
    name_el     text NOT NULL,
    name_en     text NOT NULL,
    minutes     int  NOT NULL CHECK (minutes > 0)
);

CREATE TABLE citizens (
    telegram_id  bigint PRIMARY KEY,
    name         text NOT NULL DEFAULT '',
    phone        text NOT NULL DEFAULT '',
    lang         text NOT NULL DEFAULT 'el' CHECK (lang IN ('el', 'en')),
    unreachable  boolean NOT NULL DEFAULT false, -- blocked the bot: stop sending
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bookings (
    id               bigserial PRIMARY KEY,
    ref              text NOT NULL UNIQUE,
    department       text NOT NULL,
    desk             text NOT NULL,
    service          text NOT NULL REFERENCES services(code),
    citizen          bigint NOT NULL REFERENCES citizens(telegram_id),
    name             text NOT NULL,
    phone            text NOT NULL,
    lang             text NOT NULL,
    during           tstzrange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled', 'attended', 'no_show')),
    cancel_reason    text NOT NULL DEFAULT '',
    idempotency_key  text UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (department, desk) REFERENCES desks(department, code),
    -- The one guarantee against overbooking, on every path: no two active
    -- bookings of one desk overlap.
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        department WITH =, desk WITH =, during WITH &&
    ) WHERE (status = 'active')
);
CREATE INDEX bookings_citizen ON bookings (citizen) WHERE status = 'active';
CREATE INDEX bookings_department_start ON bookings (department, lower(during));
CREATE INDEX bookings_phone ON bookings (phone);

CREATE TABLE closures (
    id          bigserial PRIMARY KEY,
    department  text NOT NULL REFERENCES departments(code),
    desk        text NOT NULL DEFAULT '', -- '' closes the whole department
    from_day    date NOT NULL,
    to_day      date NOT NULL CHECK (to_day >= from_day),
    reason_el   text NOT NULL DEFAULT '',
    reason_en   text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    static      boolean NOT NULL DEFAULT false, -- from the catalog file, kept in step by SyncCatalog
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX closures_department ON closures (department, from_day, to_day);
-- SyncCatalog upserts static closures by what they close, so a restart (or
-- two replicas starting together) does not duplicate them.
CREATE UNIQUE INDEX closures_static ON closures (department, desk, from_day, to_day) WHERE static;

-- Idempotency keys of requests that change an existing booking (a reschedule
-- repeated by a double tap moves it once). New bookings keep theirs in
-- bookings.idempotency_key.
CREATE TABLE request_keys (
    key         text PRIMARY KEY,
    booking_id  bigint NOT NULL REFERENCES bookings(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_kind  text NOT NULL,
    actor_id    text NOT NULL,
    action      text NOT NULL,        -- book, cancel, reschedule, attended, no_show, close, …
    booking_id  bigint REFERENCES bookings(id),
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_booking ON audit_log (booking_id);

-- Notifications waiting to be delivered (transactional outbox).
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('telegram', 'slack')),
    recipient     text NOT NULL,
    booking_id    bigint REFERENCES bookings(id),
    payload       jsonb,
    due_at        timestamptz NOT NULL DEFAULT now(),
    attempts      int NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    parked_at     timestamptz  -- gave up after too many failures; counted, kept for inspection
);
CREATE INDEX outbox_pending ON outbox (due_at) WHERE delivered_at IS NULL AND parked_at IS NULL;

-- Once-a-day jobs (rosters) run once across replicas: the row is the claim.
CREATE TABLE job_runs (
    job     text NOT NULL,
    day     date NOT NULL,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, day)
);
