-- 好差评: the enterprise rates the service of one application after its decision or payment, on
-- the five levels of GB/T 39734 (非常满意 5 … 非常不满意 1). A bad rating (1 or 2) opens a
-- follow-up with a 15-working-day clock that the supervising office watches.

CREATE TABLE service_rating (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL UNIQUE REFERENCES application(id),
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    policy_id      BIGINT NOT NULL REFERENCES policy(id),
    region_code    TEXT NOT NULL,
    level          BIGINT NOT NULL,
    comment        TEXT,
    rated_by       BIGINT,
    rated_at       TEXT NOT NULL,
    -- Set for bad ratings: the follow-up (整改回访) and who did it.
    follow_up_note TEXT,
    followed_up_by BIGINT,
    followed_up_at TEXT
);
CREATE INDEX service_rating_policy ON service_rating(policy_id);
