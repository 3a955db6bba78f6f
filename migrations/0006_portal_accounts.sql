-- Portal accounts: people (and machine accounts) with one role each, their browser sessions and
-- API tokens. Only hashes of session cookies and API tokens are stored: a database dump does not
-- let anyone sign in.

CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    display_name  text        NOT NULL CHECK (display_name <> ''),
    role          text        NOT NULL CHECK (role IN ('admin', 'operator', 'radiologist', 'auditor')),
    -- PHC string (argon2id); never compared in SQL.
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    -- sha256 of the cookie value.
    token_hash   bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Echoed in every form of the session (synchroniser-token CSRF defence).
    csrf_token   text        NOT NULL CHECK (length(csrf_token) >= 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- What the token is for ("pacs-bridge", "outcomes-import").
    name        text        NOT NULL CHECK (name <> ''),
    -- The account the machine acts as: its role decides what the token may do.
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);
