-- Benefit-policy fulfilment (惠企政策兑现): the policy library with immutable published versions,
-- applications (申报, and 免申即享 grants offered by the platform), their review trail, the
-- enterprises' verified bank accounts, and payouts (直达付) in batches sent to the bank.
-- Money is BIGINT fen; timestamps are RFC 3339 UTC text, as in the foundation.

CREATE TABLE policy (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The rules engine's policy id (the `id` of the definition file); stable across versions.
    slug              TEXT NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    department_org_id BIGINT NOT NULL REFERENCES organisation(id),
    level             TEXT NOT NULL,
    mode              TEXT NOT NULL,
    -- JSON array of topic words.
    topics            TEXT NOT NULL,
    -- draft | review | published | expired | withdrawn
    status            TEXT NOT NULL,
    document_no       TEXT,
    document_text     TEXT NOT NULL,
    -- JSON: the application guide (申报指南): who, conditions in words, materials, deadline, contact.
    guide             TEXT NOT NULL,
    -- Where to go and whom to ask when the policy cannot be applied for on the platform.
    offline_channel   TEXT,
    -- JSON array of review stages: [{"label": "初审", "org_id": 5, "role": "reviewer_1"}, ...].
    review_stages     TEXT NOT NULL,
    decision_days     BIGINT NOT NULL,
    -- NULL: no budget limit. committed never exceeds total (checked by a conditional UPDATE).
    budget_total      BIGINT,
    budget_committed  BIGINT NOT NULL DEFAULT 0,
    effective_from    TEXT,
    effective_to      TEXT,
    current_version   BIGINT NOT NULL,
    published_version BIGINT,
    withdrawn_reason  TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX policy_status ON policy(status);

-- A published version is never changed: an edit of a published policy makes a new version.
CREATE TABLE policy_version (
    policy_id    BIGINT NOT NULL REFERENCES policy(id),
    version      BIGINT NOT NULL,
    -- The rules engine's TOML definition.
    definition   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE application (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_no      TEXT NOT NULL UNIQUE,
    policy_id       BIGINT NOT NULL REFERENCES policy(id),
    policy_version  BIGINT NOT NULL,
    enterprise_id   BIGINT NOT NULL REFERENCES enterprise(id),
    credit_code     TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    -- The policy year the application is for.
    year            BIGINT NOT NULL,
    -- apply (申报) | auto_grant (免申即享, offered by the platform)
    channel         TEXT NOT NULL,
    -- draft | submitted | returned | approved | rejected | withdrawn | offered | declined | excluded
    status          TEXT NOT NULL,
    -- Index into the policy's review stages of the stage that holds it.
    stage           BIGINT NOT NULL DEFAULT 0,
    computed_amount BIGINT,
    approved_amount BIGINT,
    -- JSON: the facts the enterprise added to its profile's, and its pledges with their texts.
    form            TEXT NOT NULL,
    pledges         TEXT NOT NULL,
    note            TEXT,
    -- The client's idempotency key of the submission: a retried submit finds the first.
    submit_key      TEXT,
    created_by      BIGINT,
    created_at      TEXT NOT NULL,
    submitted_at    TEXT,
    decided_at      TEXT,
    updated_at      TEXT NOT NULL,
    UNIQUE (enterprise_id, submit_key)
);
-- One live application or grant per enterprise, policy and year: a double click, a retry or a
-- repeated 免申即享 run cannot make a second one.
CREATE UNIQUE INDEX application_live ON application(policy_id, enterprise_id, year)
    WHERE status NOT IN ('withdrawn', 'rejected', 'declined', 'excluded');
CREATE INDEX application_enterprise ON application(enterprise_id);
CREATE INDEX application_status ON application(status);

CREATE TABLE review_step (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES application(id),
    stage          BIGINT NOT NULL,
    -- submit | approve | return | resubmit | reject | withdraw | offer | confirm | decline | exclude
    action         TEXT NOT NULL,
    user_id        BIGINT,
    username       TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    note           TEXT,
    amount         BIGINT,
    at             TEXT NOT NULL
);
CREATE INDEX review_step_application ON review_step(application_id);

-- The account payouts go to, confirmed by the enterprise (changes are audited).
CREATE TABLE bank_account (
    enterprise_id BIGINT PRIMARY KEY REFERENCES enterprise(id),
    payee_name    TEXT NOT NULL,
    account_no    TEXT NOT NULL,
    bank_name     TEXT NOT NULL,
    confirmed_at  TEXT,
    confirmed_by  BIGINT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE payout_batch (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_no    TEXT NOT NULL UNIQUE,
    created_by  BIGINT,
    created_at  TEXT NOT NULL,
    exported_at TEXT
);

-- One payout per approved application; the reference is the idempotency key the bank sees.
CREATE TABLE payout (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL UNIQUE REFERENCES application(id),
    policy_id      BIGINT NOT NULL REFERENCES policy(id),
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    amount         BIGINT NOT NULL,
    reference      TEXT NOT NULL UNIQUE,
    -- pending | batched | paid | failed
    status         TEXT NOT NULL,
    batch_id       BIGINT REFERENCES payout_batch(id),
    line_no        BIGINT,
    payee_name     TEXT,
    account_no     TEXT,
    bank_name      TEXT,
    failure_reason TEXT,
    bank_txn       TEXT,
    created_at     TEXT NOT NULL,
    paid_at        TEXT
);
CREATE INDEX payout_status ON payout(status);
CREATE INDEX payout_batch_lines ON payout(batch_id);
