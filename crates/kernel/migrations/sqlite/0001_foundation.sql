-- Foundation schema: organisations, users, sessions, enterprises and their profiles, the audit
-- trail and the working-day calendar. Types are kept to BIGINT and TEXT so that one query layer
-- (sqlx's Any driver) serves SQLite and PostgreSQL alike: timestamps are RFC 3339 UTC text with
-- milliseconds (sortable as text), dates are YYYY-MM-DD, money is BIGINT fen, flags are 0/1.

CREATE TABLE organisation (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id     BIGINT REFERENCES organisation(id),
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    -- Division the organisation covers: its own for district/town/village, the parent's for a
    -- department; NULL for banks and enterprises.
    division_code TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX organisation_parent ON organisation(parent_id);

CREATE TABLE app_user (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    phone                TEXT,
    password_hash        TEXT NOT NULL,
    org_id               BIGINT NOT NULL REFERENCES organisation(id),
    role                 TEXT NOT NULL,
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    locked_until         TEXT,
    disabled             BIGINT NOT NULL DEFAULT 0,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    password_changed_at  TEXT NOT NULL
);

CREATE TABLE session (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX session_by_user ON session(user_id);

CREATE TABLE enterprise (
    id                   BIGINT PRIMARY KEY REFERENCES organisation(id),
    credit_code          TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    legal_representative TEXT,
    contact_phone        TEXT,
    industry_code        TEXT NOT NULL,
    region_code          TEXT NOT NULL,
    ownership            TEXT NOT NULL,
    established_on       TEXT,
    credit_status        TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX enterprise_region ON enterprise(region_code);

-- Enterprises a user acts for: 'member' for the enterprise's own users, 'steward' for the
-- 亲清管家 assigned to it.
CREATE TABLE user_enterprise (
    user_id       BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    relation      TEXT NOT NULL,
    PRIMARY KEY (user_id, enterprise_id)
);

CREATE TABLE enterprise_qualification (
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    name          TEXT NOT NULL,
    recognised_on TEXT,
    expires_on    TEXT,
    PRIMARY KEY (enterprise_id, name)
);

-- One row per enterprise, year and figure; value is fen for money, a count for employees.
CREATE TABLE enterprise_figure (
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    year          BIGINT NOT NULL,
    field         TEXT NOT NULL,
    value         BIGINT NOT NULL,
    source        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, year, field)
);

-- An enterprise's correction of a figure the government supplied: who, when, old -> new.
CREATE TABLE figure_correction (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    year           BIGINT NOT NULL,
    field          TEXT NOT NULL,
    old_value      BIGINT,
    new_value      BIGINT,
    user_id        BIGINT NOT NULL REFERENCES app_user(id),
    on_behalf_of   BIGINT REFERENCES enterprise(id),
    corrected_at   TEXT NOT NULL
);
CREATE INDEX figure_correction_enterprise ON figure_correction(enterprise_id);

-- 诚信承诺书 acceptances: which version, by whom, when.
CREATE TABLE pledge_acceptance (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id   BIGINT NOT NULL REFERENCES enterprise(id),
    user_id         BIGINT NOT NULL REFERENCES app_user(id),
    pledge_version  TEXT NOT NULL,
    accepted_at     TEXT NOT NULL
);

-- The audit trail: append-only, one row per state change, written in the transaction of the
-- change. `seq` is dense from 0 (the Merkle leaf index); `entry` holds the exact bytes recorded.
CREATE TABLE audit_entry (
    seq          BIGINT PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    user_id      BIGINT,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    request_id   TEXT,
    entry        TEXT NOT NULL
);
CREATE INDEX audit_entry_object ON audit_entry(object_type, object_id);

-- The next audit sequence number. Taking it with UPDATE ... RETURNING locks the row until the
-- transaction ends, so concurrent writers get dense, gap-free numbers in commit order on both
-- databases.
CREATE TABLE audit_head (
    id       BIGINT PRIMARY KEY,
    next_seq BIGINT NOT NULL
);
INSERT INTO audit_head (id, next_seq) VALUES (1, 0);

-- Documents an administrator edits as a whole, e.g. 'calendar': the working-day calendar in the
-- text format of qinqing_domain::calendar (one holiday or 调休 working day a line, with its name).
CREATE TABLE setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
