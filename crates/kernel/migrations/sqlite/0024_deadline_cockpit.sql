-- The supervision cockpit counts the open clocks and those closed in the last year; this index
-- lets it read just those, however many years of closed clocks a district accumulates.
CREATE INDEX deadline_cockpit ON deadline(state, stopped_at);
