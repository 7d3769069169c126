-- Organisations are deactivated, never deleted: accounts, cases and the audit trail keep
-- pointing at them. A deactivated organisation takes no new accounts or children.
ALTER TABLE organisation ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
