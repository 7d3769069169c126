-- A warning whose own recipients are nobody (a department without a handler or lead account)
-- goes up the ladder at once: which grade's recipients it reached instead ('warning', 'demand',
-- 'escalated'), or 'nobody' when no one on the whole ladder could be told. Empty: it reached its
-- own recipients.
ALTER TABLE deadline_warning ADD COLUMN climbed_to TEXT;
