-- 诉求必应: a 12345 ticket (工单编号) is registered once. The import skips tickets already on
-- file; this index keeps that true when two imports of the same file run at the same time (the
-- later one is refused and, retried, skips what the first registered).
CREATE UNIQUE INDEX request_12345_ticket ON request(source_ref) WHERE channel = '12345';
