-- Triage policies, radiologist queues and the worklist items triage puts in them.

CREATE TABLE triage_policies (
    version    text        PRIMARY KEY CHECK (version <> ''),
    -- single_reorder: every study stays on a reading worklist, AI only orders it (US rule).
    -- double_reading: two independent blinded reads, arbitration on disagreement (EU/UK).
    mode       text        NOT NULL CHECK (mode IN ('single_reorder', 'double_reading')),
    -- The policy file exactly as loaded, so any decision can be explained later.
    policy_toml text       NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    active     boolean     NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX triage_policies_one_active ON triage_policies ((true)) WHERE active;

CREATE TABLE queues (
    name          text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]*$'),
    title         text        NOT NULL,
    description   text        NOT NULL DEFAULT '',
    -- Default time to due for new items; a policy may set its own per queue.
    sla           interval,
    display_order integer     NOT NULL DEFAULT 100,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The default queues of the design; policies may add more.
INSERT INTO queues (name, title, description, sla, display_order) VALUES
    ('suspicious',      'Suspicious',      'AI BI-RADS 4A-5 or high malignancy probability', interval '1 day',   10),
    ('known-cancer',    'Known cancer',    'AI BI-RADS 6',                                    interval '2 days',  20),
    ('recall-review',   'Recall review',   'AI BI-RADS 0: additional imaging likely',         interval '2 days',  30),
    ('human-full-read', 'Human full read', 'Ineligible study, inference or parse failure, discordant or low-confidence output', interval '3 days', 40),
    ('arbitration',     'Arbitration',     'Double reading: first and second read disagree on recall', interval '2 days', 50),
    ('short-interval',  'Short interval',  'AI BI-RADS 3',                                    interval '5 days',  60),
    ('routine',         'Routine',         'AI BI-RADS 1-2',                                  interval '10 days', 70);

CREATE TABLE worklist_items (
    id               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue            text             NOT NULL REFERENCES queues (name) ON UPDATE CASCADE,
    study_uid        text             NOT NULL REFERENCES studies (study_uid) ON DELETE CASCADE,
    read_role        text             NOT NULL DEFAULT 'single'
                         CHECK (read_role IN ('single', 'first', 'second', 'arbitration')),
    -- Higher is read sooner; ties go to the earlier due time.
    priority         double precision NOT NULL DEFAULT 0,
    due_at           timestamptz,
    status           text             NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'claimed', 'done', 'cancelled')),
    lease_holder     text,
    lease_expires_at timestamptz,
    -- Provenance of the decision: what produced it and which rule fired.
    policy_version   text             REFERENCES triage_policies (version),
    model_version    text             REFERENCES model_versions (version),
    parser_version   text,
    rule_fired       text,
    reason           text,
    flags            jsonb            NOT NULL DEFAULT '[]'::jsonb
                         CHECK (jsonb_typeof(flags) = 'array'),
    created_at       timestamptz      NOT NULL DEFAULT now(),
    updated_at       timestamptz      NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    completed_by     text,
    -- A lease exists exactly while an item is claimed.
    CONSTRAINT worklist_items_lease_iff_claimed CHECK (
        (status = 'claimed') = (lease_holder IS NOT NULL AND lease_expires_at IS NOT NULL)
    )
);
-- Claiming: the best pending item of a queue (FOR UPDATE SKIP LOCKED walks this index).
CREATE INDEX worklist_items_claim_idx
    ON worklist_items (queue, priority DESC, due_at, id) WHERE status = 'pending';
-- Returning expired leases.
CREATE INDEX worklist_items_lease_idx
    ON worklist_items (lease_expires_at) WHERE status = 'claimed';
-- Overdue counts and oldest-item age per queue.
CREATE INDEX worklist_items_open_due_idx
    ON worklist_items (queue, due_at) WHERE status IN ('pending', 'claimed');
CREATE INDEX worklist_items_study_idx ON worklist_items (study_uid);
-- Re-delivered triage events must not create a second live item for the same read of a study.
CREATE UNIQUE INDEX worklist_items_one_live_per_role
    ON worklist_items (study_uid, read_role) WHERE status <> 'cancelled';
