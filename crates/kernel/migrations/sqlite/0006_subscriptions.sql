-- Subscriptions and pushes (可订阅、精准推送): an enterprise subscribes to a topic, a department
-- or a level; when a policy is published (or the enterprise's profile changes) the platform
-- tells the enterprises it matches, and staff may push a policy to a filtered set. The push log
-- records who was told what, when and how; an enterprise is told about a policy once.

CREATE TABLE policy_subscription (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    -- topic | department | level
    kind           TEXT NOT NULL,
    -- The topic word, the department's organisation id, or national | provincial | municipal | district.
    value          TEXT NOT NULL,
    created_by     BIGINT,
    created_at     TEXT NOT NULL,
    UNIQUE (enterprise_id, kind, value)
);
CREATE INDEX policy_subscription_match ON policy_subscription(kind, value);

CREATE TABLE policy_push (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id      BIGINT NOT NULL REFERENCES policy(id),
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    -- The published version the enterprise was told about.
    policy_version BIGINT NOT NULL,
    -- machine (精准推送: the enterprise is eligible) | subscription | staff
    channel        TEXT NOT NULL,
    -- The staff member who pushed it (channel staff); NULL when the platform did.
    pushed_by      BIGINT REFERENCES app_user(id),
    pushed_at      TEXT NOT NULL,
    -- Fen: what the policy gives the enterprise, when it was eligible at the push.
    amount         BIGINT,
    UNIQUE (policy_id, enterprise_id)
);
CREATE INDEX policy_push_enterprise ON policy_push(enterprise_id);
