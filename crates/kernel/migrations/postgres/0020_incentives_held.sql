-- 政企合同双兑现: the Beijing day an enterprise breach began holding the agreement's incentive
-- payouts (奖补暂停兑现); cleared when a waiver lifts it. The government's time to pay does not
-- run while held, so on resumption each incentive item is moved on by the days it was held.
ALTER TABLE agreement ADD COLUMN incentives_held_since TEXT;
