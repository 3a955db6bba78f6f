-- Radiologists' reads, structured (parsed) reports from either source, and outcomes.

CREATE TABLE reads (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_uid        text        NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    worklist_item_id bigint      UNIQUE REFERENCES worklist_items (id),
    reader           text        NOT NULL CHECK (reader <> ''),
    role             text        NOT NULL CHECK (role IN ('single', 'first', 'second', 'arbitration')),
    birads_right     text        CHECK (is_birads_code(birads_right)),
    birads_left      text        CHECK (is_birads_code(birads_left)),
    density          text        CHECK (density IN ('a', 'b', 'c', 'd')),
    -- Form findings as structured by the domain crate's Finding type.
    findings         jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(findings) = 'array'),
    free_text        text        NOT NULL DEFAULT '',
    -- MammoRGTool's reading of free_text, kept next to the form values.
    parsed           jsonb,
    parser_version   text,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reads_parsed_has_version CHECK (parsed IS NULL OR parser_version IS NOT NULL)
);
CREATE INDEX reads_study_idx ON reads (study_uid, submitted_at);
CREATE INDEX reads_reader_idx ON reads (reader, submitted_at);

CREATE TABLE parsed_reports (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_uid      text        NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    -- ai: parsed from an AI report; read: parsed from a radiologist's free text.
    source         text        NOT NULL CHECK (source IN ('ai', 'read')),
    ai_report_id   bigint      REFERENCES ai_reports (id) ON DELETE CASCADE,
    read_id        bigint      REFERENCES reads (id) ON DELETE CASCADE,
    parser_version text        NOT NULL CHECK (parser_version <> ''),
    -- The domain crate's StructuredReport.
    structured     jsonb       NOT NULL CHECK (jsonb_typeof(structured) = 'object'),
    warnings       jsonb       NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(warnings) = 'array'),
    confidence     real        CHECK (confidence BETWEEN 0 AND 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT parsed_reports_read_source CHECK ((source = 'read') = (read_id IS NOT NULL)),
    CONSTRAINT parsed_reports_ai_source CHECK (source = 'ai' OR ai_report_id IS NULL),
    -- Parsing the same text with the same parser twice (re-delivery) changes nothing.
    UNIQUE (ai_report_id, parser_version),
    UNIQUE (read_id, parser_version)
);
CREATE INDEX parsed_reports_study_idx ON parsed_reports (study_uid, created_at);

CREATE TABLE outcomes (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_uid    text        NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    side         text        CHECK (side IN ('right', 'left', 'bilateral')),
    kind         text        NOT NULL CHECK (kind IN ('biopsy', 'surgery', 'follow_up')),
    result       text        NOT NULL CHECK (result IN ('benign', 'malignant')),
    -- Pathology wording as reported (e.g. "invasive ductal carcinoma").
    pathology    text,
    outcome_date date        NOT NULL,
    source       text        NOT NULL CHECK (source IN ('api', 'csv')),
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
-- Importing the same CSV twice must not double-count an outcome.
CREATE UNIQUE INDEX outcomes_natural_key
    ON outcomes (study_uid, kind, outcome_date, coalesce(side, ''));
CREATE INDEX outcomes_date_idx ON outcomes (outcome_date);
