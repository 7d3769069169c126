-- 惠企政策兑现, several claims a year (issue 16): a policy marked `per_claim` is claimed once per
-- project or product, each application naming its claim key ('' for every other policy). One
-- live application or grant per enterprise, policy, year and claim key.
ALTER TABLE application ADD COLUMN claim_key TEXT NOT NULL DEFAULT '';
DROP INDEX application_live;
CREATE UNIQUE INDEX application_live ON application(policy_id, enterprise_id, year, claim_key)
    WHERE status NOT IN ('withdrawn', 'rejected', 'declined', 'excluded');
