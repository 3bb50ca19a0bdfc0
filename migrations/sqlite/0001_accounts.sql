-- Accounts (services/users). Times are Unix milliseconds; ids are UUID strings. The same
-- columns as migrations/postgres/0001_accounts.sql, so one SQL text serves both backends.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    username           TEXT NOT NULL,
    -- The username folded for comparison (case and look-alike characters): unique.
    username_key       TEXT NOT NULL UNIQUE,
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,
    display_name       TEXT NOT NULL DEFAULT '',
    bio                TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    avatar_url         TEXT NOT NULL DEFAULT '',
    preferred_language TEXT NOT NULL DEFAULT '',
    role               TEXT NOT NULL DEFAULT 'user',
    verified_at        INTEGER,
    banned_at          INTEGER,
    ban_reason         TEXT,
    banned_until       INTEGER,
    totp_secret        TEXT,
    totp_pending       TEXT,
    totp_last_step     INTEGER,
    failed_logins      INTEGER NOT NULL DEFAULT 0,
    locked_until       INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_created_at ON users (created_at);

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Single-use tokens: email verification, password reset, two-factor login challenges.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    -- Every session a refresh token rotated into shares the first one's family.
    family_id          TEXT NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_hash        TEXT NOT NULL UNIQUE,
    access_expires_at  INTEGER NOT NULL,
    refresh_hash       TEXT NOT NULL UNIQUE,
    refresh_expires_at INTEGER NOT NULL,
    client_ip          TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    replaced_at        INTEGER,
    revoked_at         INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_family ON sessions (family_id);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    actor_id        TEXT NOT NULL DEFAULT '',
    actor_username  TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    target_user_id  TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log (target_user_id);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL
);
