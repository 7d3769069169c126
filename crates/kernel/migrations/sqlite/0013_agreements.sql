-- 政企合同双兑现: investment agreements (招商引资投资协议) split clause by clause into commitment
-- items (承诺事项) of both sides. An item is due on a fixed date or some time after another item of
-- the same agreement (after_key + offset); planned dates and states are computed, not stored.

CREATE TABLE agreement (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    project_name         TEXT NOT NULL,
    -- The enterprise once registered; until then only the investor's name is known.
    enterprise_id        BIGINT REFERENCES enterprise(id),
    investor_name        TEXT NOT NULL,
    -- Where the project is: decides whose scope covers it.
    region_code          TEXT NOT NULL,
    signed_on            TEXT NOT NULL,
    total_investment_fen BIGINT NOT NULL,
    created_by           BIGINT,
    created_org_id       BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    -- The Beijing day the clocks were last made to follow the passing days (a late upstream
    -- item holds its dependants back from today); claimed once a day by a conditional update.
    synced_on            TEXT
);
CREATE INDEX agreement_enterprise ON agreement(enterprise_id);

CREATE TABLE commitment (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement_id       BIGINT NOT NULL REFERENCES agreement(id),
    item_key           TEXT NOT NULL,
    side               TEXT NOT NULL,
    clause             TEXT NOT NULL,
    content            TEXT NOT NULL,
    -- The government unit answering for a government-side item.
    responsible_org_id BIGINT,
    responsible_unit   TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    -- Either due_on, or after_key with an offset.
    due_on             TEXT,
    after_key          TEXT,
    offset_amount      BIGINT,
    offset_unit        TEXT,
    replanned_on       TEXT,
    evidence           TEXT NOT NULL,
    -- open | reported | fulfilled | waived | breached
    outcome            TEXT NOT NULL,
    outcome_on         TEXT,
    outcome_note       TEXT,
    UNIQUE (agreement_id, item_key)
);
CREATE INDEX commitment_outcome ON commitment(outcome);
