-- Models and the reports they generate.
--
-- A report row always names the model version that produced it, so audit can split quality by
-- version and a challenger run in shadow never mixes with the champion's output.

-- BI-RADS assessment codes as the domain crate writes them (BiRads::code); shared by later tables.
CREATE FUNCTION is_birads_code(code text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT code IN ('0', '1', '2', '3', '4', '4A', '4B', '4C', '5', '6') $$;

CREATE TABLE model_versions (
    version           text        PRIMARY KEY CHECK (version <> ''),
    family            text        NOT NULL DEFAULT 'mammorg',
    -- Which configuration of the graph: the official size or the tiny CPU one.
    config            text        NOT NULL CHECK (config <> ''),
    checkpoint_uri    text,
    checkpoint_sha256 text        CHECK (checkpoint_sha256 ~ '^[0-9a-f]{64}$'),
    -- champion: serves triage; challenger: replayed in shadow for comparison.
    role              text        NOT NULL DEFAULT 'challenger'
                          CHECK (role IN ('champion', 'challenger', 'retired')),
    details           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    registered_at     timestamptz NOT NULL DEFAULT now()
);
-- One champion per model family at a time.
CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (family) WHERE role = 'champion';

CREATE TABLE ai_reports (
    id            bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_uid     text             NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    model_version text             NOT NULL REFERENCES model_versions (version),
    report_text   text             NOT NULL,
    -- Class probabilities the model exposes (e.g. per-side malignancy), used by triage rules.
    probabilities jsonb            NOT NULL DEFAULT '{}'::jsonb
                      CHECK (jsonb_typeof(probabilities) = 'object'),
    -- A challenger's output: stored for audit, never routed to a worklist.
    shadow        boolean          NOT NULL DEFAULT false,
    device        text,
    batch_size    integer          CHECK (batch_size >= 1),
    -- Timing: time waiting for a batch slot, and model time for this study's share of the batch.
    queue_ms      double precision CHECK (queue_ms >= 0),
    inference_ms  double precision CHECK (inference_ms >= 0),
    generated_at  timestamptz      NOT NULL DEFAULT now(),
    -- The report.generated event that announced it.
    event_id      uuid             UNIQUE,
    -- Re-delivery of the same study.ready to the same model must not create a second report.
    UNIQUE (study_uid, model_version)
);
CREATE INDEX ai_reports_model_idx ON ai_reports (model_version, generated_at);
