-- 督办 (issue 18): a supervisor (效能办 or 纪检) orders the department answering for a late or
-- warned clock to act within a number of working days. The order carries its own clock (kind
-- 'supervision_order' on object ('supervision_order', id)), so it is warned of and counted like
-- any other. Status: 'open' (awaiting the department's result), 'answered' (result given,
-- awaiting the supervisor), 'closed' (办结). A result sent back (退回) reopens the order.
CREATE TABLE supervision_order (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The clock supervised; its object is the item the order is about.
    deadline_id     BIGINT NOT NULL REFERENCES deadline(id),
    -- The department ordered to act (the clock's); empty: the region's leads.
    org_id          BIGINT REFERENCES organisation(id),
    region_code     TEXT NOT NULL,
    issued_by       BIGINT NOT NULL REFERENCES app_user(id),
    issued_at       TEXT NOT NULL,
    note            TEXT NOT NULL,
    days            BIGINT NOT NULL,
    status          TEXT NOT NULL,
    result          TEXT,
    answered_by     BIGINT REFERENCES app_user(id),
    answered_at     TEXT,
    returned_reason TEXT,
    closed_by       BIGINT REFERENCES app_user(id),
    closed_at       TEXT
);
CREATE INDEX supervision_order_deadline ON supervision_order(deadline_id);
CREATE INDEX supervision_order_status ON supervision_order(status, issued_at);
