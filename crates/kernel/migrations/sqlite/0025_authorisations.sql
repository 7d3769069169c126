-- 亲情代办: an enterprise's user authorises a steward assigned to it, or another account, to act
-- for the enterprise on some matters until a date, and may revoke it. Rows are never deleted:
-- the trail and the pages show who acted under which authorisation.
CREATE TABLE authorisation (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    grantee_id    BIGINT NOT NULL REFERENCES app_user(id),
    -- The matter keys the kernel and the scenes declare, comma-separated.
    matters       TEXT NOT NULL,
    -- The last Beijing date the authorisation holds (YYYY-MM-DD).
    valid_until   TEXT NOT NULL,
    -- NULL when the platform granted it (demo loading).
    granted_by    BIGINT,
    granted_at    TEXT NOT NULL,
    revoked_by    BIGINT,
    revoked_at    TEXT
);
CREATE INDEX authorisation_grantee ON authorisation(grantee_id, enterprise_id);
CREATE INDEX authorisation_enterprise ON authorisation(enterprise_id);
