-- 数智监督 (issue 18). Who acted for an enterprise not their own (a 亲清管家 or a mandated agent),
-- kept beside the recorded entry so that the enterprises one person acts for can be counted
-- without parsing every entry; the recorded bytes stay as they were.
ALTER TABLE audit_entry ADD COLUMN on_behalf_of TEXT;
UPDATE audit_entry SET on_behalf_of = json_extract(entry, '$.actor.on_behalf_of')
    WHERE entry LIKE '%"on_behalf_of":"%';
CREATE INDEX audit_entry_acting ON audit_entry(recorded_at) WHERE on_behalf_of IS NOT NULL;

-- Decisions are read by time (a decision outside office hours is flagged).
CREATE INDEX review_step_at ON review_step(at);
