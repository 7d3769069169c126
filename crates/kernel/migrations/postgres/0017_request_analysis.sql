-- 诉求必应, second part: a short title per request (what 12345 tickets carry as 诉求标题, and
-- what the 研判 page compares to find repeats on one subject), and the indexes the analysis,
-- the 12345 import's idempotency and the auto-close of replies never followed up need.
ALTER TABLE request ADD COLUMN title TEXT;
CREATE INDEX request_source ON request(channel, source_ref);
CREATE INDEX request_status_replied ON request(status, replied_at);
CREATE INDEX request_submitted ON request(submitted_at);
