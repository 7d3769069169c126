-- 数智监督 (issue 18): a request bounced between departments is found from its transfers in the
-- trail, read by time. Only transfers are indexed, so the rest of the trail pays nothing.
CREATE INDEX audit_entry_transferred ON audit_entry(recorded_at)
    WHERE action = 'request.transferred';
