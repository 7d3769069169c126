-- The department answering for a clock, when one does (a review stage's holder, a request's
-- owner, a government commitment's responsible unit): its reminder and warning go to that
-- department's handlers and lead, not to every department whose scope covers the region.
ALTER TABLE deadline ADD COLUMN org_id BIGINT;
