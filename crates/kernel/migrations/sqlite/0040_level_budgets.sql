-- 分级承担: where fiscal levels share a policy's awards ("市、区两级按1:1分担"), each level pays
-- its share from its own budget of the policy. A level without a row, or with no total, has no
-- limit; its committed and reserved sums are kept all the same.
CREATE TABLE policy_level_budget (
    policy_id        BIGINT NOT NULL REFERENCES policy(id),
    level            TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'municipal', 'district')),
    budget_total     BIGINT CHECK (budget_total > 0),
    budget_committed BIGINT NOT NULL DEFAULT 0 CHECK (budget_committed >= 0),
    -- Held back by 免申即享 offers not yet confirmed.
    budget_reserved  BIGINT NOT NULL DEFAULT 0 CHECK (budget_reserved >= 0),
    PRIMARY KEY (policy_id, level)
);

-- Each level's share of a grant, written with the grant: what the payout asks each level's
-- treasury for, and what a cancelled payout gives back to each level's budget.
CREATE TABLE grant_share (
    application_id BIGINT NOT NULL REFERENCES application(id),
    level          TEXT NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (application_id, level)
);
