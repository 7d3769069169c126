-- 惠企政策兑现, money safety.
-- The bank file of a batch as it was exported (the exact bytes, UTF-8 CSV text): downloaded
-- again it is the same file forever, whatever happens to its payouts afterwards.
ALTER TABLE payout_batch ADD COLUMN exported_file TEXT;

-- Money a 免申即享 offer holds back until the enterprise confirms (then committed) or the offer
-- ends (then released): committed + reserved never exceeds the budget.
ALTER TABLE policy ADD COLUMN budget_reserved BIGINT NOT NULL DEFAULT 0;
UPDATE policy SET budget_reserved = (
    SELECT COALESCE(SUM(a.computed_amount), 0) FROM application a
    WHERE a.policy_id = policy.id AND a.status IN ('pending_check', 'offered')
);
