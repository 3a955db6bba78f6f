-- Event backbone: the tables that make at-least-once Kafka delivery effectively-once.
--
-- * inbox: one row per (consumer group, event id) handled. A handler inserts its row in the same
--   transaction as its state change; ON CONFLICT DO NOTHING tells it the event was seen before.
-- * outbox: events to publish, written in the same transaction as the state change that caused
--   them; a relay publishes unpublished rows in id order and marks them.
-- * dead_letters: records that could never be processed (undecodable, invalid, unsupported), kept
--   byte for byte so an operator can inspect and replay them.
-- * audit_log: who did what to which subject; append-only.

CREATE TABLE inbox (
    consumer_group  text        NOT NULL CHECK (consumer_group <> ''),
    event_id        uuid        NOT NULL,
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL CHECK (kafka_partition >= 0),
    kafka_offset    bigint      NOT NULL CHECK (kafka_offset >= 0),
    processed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);
-- Retention pruning deletes by age.
CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

CREATE TABLE outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text        NOT NULL CHECK (topic <> ''),
    -- Kafka message key: the StudyInstanceUID, so one study's events stay on one partition.
    key          text        NOT NULL,
    event_id     uuid        NOT NULL UNIQUE,
    -- The serialized envelope exactly as it goes on the wire.
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay's hot path: unpublished rows in id order. Partial, so it stays small however long
-- published rows are retained.
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE dead_letters (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer_group  text        NOT NULL CHECK (consumer_group <> ''),
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL CHECK (kafka_partition >= 0),
    kafka_offset    bigint      NOT NULL CHECK (kafka_offset >= 0),
    key             text,
    -- Known only when the envelope could be decoded far enough.
    event_id        uuid,
    event_type      text,
    -- Raw record value: bytea, not text, so nothing is lost when it is not UTF-8.
    payload         bytea       NOT NULL,
    reason          text        NOT NULL CHECK (reason <> ''),
    -- Machine-readable class of the failure (decode, unsupported_version, invalid, too_large, ...).
    error_kind      text        NOT NULL CHECK (error_kind ~ '^[a-z][a-z0-9_]*$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- A consumer that dies after writing the dead letter but before committing its offset sees the
    -- record again; the unique key below turns that into a count instead of a duplicate row.
    seen_count      integer     NOT NULL DEFAULT 1 CHECK (seen_count >= 1),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    replayed_at     timestamptz,
    replay_count    integer     NOT NULL DEFAULT 0 CHECK (replay_count >= 0),
    UNIQUE (consumer_group, topic, kafka_partition, kafka_offset)
);
CREATE INDEX dead_letters_created_at_idx ON dead_letters (created_at DESC);
-- Operators' default view: what still needs attention.
CREATE INDEX dead_letters_pending_idx ON dead_letters (id DESC) WHERE replayed_at IS NULL;

CREATE TABLE audit_log (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    -- A person ("user:alice"), a service ("service:ingest") or a machine token.
    actor   text        NOT NULL CHECK (actor <> ''),
    action  text        NOT NULL CHECK (action <> ''),
    -- What was touched, e.g. "study:1.2.840..." or "queue:suspicious".
    subject text        NOT NULL,
    details jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- An audit trail that can be edited is no audit trail: refuse UPDATE and DELETE.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
