-- Studies as ingest stores them, and the DICOM instances they reference.
--
-- Every study that arrives is stored, eligible or not: an ineligible one keeps its reason and
-- typed problems and still goes on to a human read. Events carry no patient names, so neither
-- does this table: UIDs, site, a pseudonymous patient key.

CREATE TABLE studies (
    study_uid         text        PRIMARY KEY CHECK (length(study_uid) BETWEEN 1 AND 64),
    site              text        NOT NULL CHECK (site <> ''),
    patient_key       text        NOT NULL CHECK (patient_key <> ''),
    accession_number  text,
    manufacturer      text,
    model             text,
    -- DICOM SoftwareVersions (may be multi-valued; stored as written, backslash-separated).
    software_versions text,
    -- DICOM PatientAge as written ("052Y"): kept verbatim, audit derives age bands from it.
    patient_age       text,
    -- Pipeline position. Ingest writes ready or ineligible; later stages move a study on.
    status            text        NOT NULL CHECK (status IN
                          ('ready', 'ineligible', 'inferred', 'parsed', 'triaged', 'failed')),
    -- One human-readable sentence; required whenever the study cannot go the normal way.
    status_reason     text,
    -- Typed problems found on the way: a JSON array of objects (kind, detail, ...).
    problems          jsonb       NOT NULL DEFAULT '[]'::jsonb
                          CHECK (jsonb_typeof(problems) = 'array'),
    correlation_id    uuid        NOT NULL,
    -- The study.arrived event this row came from.
    arrived_event_id  uuid        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT studies_reason_required
        CHECK (status NOT IN ('ineligible', 'failed') OR status_reason IS NOT NULL)
);
CREATE INDEX studies_status_idx ON studies (status, created_at);
CREATE INDEX studies_site_idx ON studies (site, created_at);
CREATE INDEX studies_created_at_idx ON studies (created_at);
CREATE INDEX studies_patient_key_idx ON studies (patient_key);

CREATE TABLE study_instances (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_uid        text   NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    -- NULL when the file could not be read far enough to know it.
    sop_instance_uid text   CHECK (length(sop_instance_uid) BETWEEN 1 AND 64),
    series_uid       text,
    -- Set for the four standard views, and for extra images whose view is known.
    view             text   CHECK (view IN ('RCC', 'LCC', 'RMLO', 'LMLO')),
    -- File path, file:// or DICOMweb URL, exactly as the event gave it.
    uri              text   NOT NULL CHECK (uri <> ''),
    -- standard: one of the four views used downstream; ignored: an extra or non-presentation
    -- image; unreadable: the header could not be read.
    role             text   NOT NULL CHECK (role IN ('standard', 'ignored', 'unreadable')),
    -- Why an instance was ignored or unreadable.
    note             text,
    -- The header attributes ingest extracted (never pixel data).
    header           jsonb  NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(header) = 'object'),
    CONSTRAINT study_instances_standard_has_view CHECK (role <> 'standard' OR view IS NOT NULL)
);
CREATE INDEX study_instances_study_idx ON study_instances (study_uid, id);
-- At most one image per standard view in a study.
CREATE UNIQUE INDEX study_instances_one_per_view
    ON study_instances (study_uid, view) WHERE role = 'standard';
