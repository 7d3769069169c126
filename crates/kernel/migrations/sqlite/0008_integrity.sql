-- Integrity (诚信): a pledge found false, or an entry of a credit blacklist, blocks pledges and
-- benefits until a date; money obtained by a false pledge is clawed back (追回).

CREATE TABLE integrity_record (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    -- false_pledge | blacklist
    kind           TEXT NOT NULL,
    application_id BIGINT REFERENCES application(id),
    reason         TEXT NOT NULL,
    -- Inclusive, Beijing date (YYYY-MM-DD).
    blocked_until  TEXT NOT NULL,
    -- Where a blacklist entry came from (the imported file's name).
    source         TEXT,
    recorded_by    BIGINT,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX integrity_record_enterprise ON integrity_record(enterprise_id, blocked_until);

CREATE TABLE clawback (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL UNIQUE REFERENCES application(id),
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    amount_due     BIGINT NOT NULL,
    -- Never above amount_due (checked by a conditional update).
    repaid         BIGINT NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
