-- 厂房报建全网办: 容缺受理. A case taken in with a non-essential material missing, on the
-- enterprise's dated promise to supply it (its own clock); it is approved only once supplied.
ALTER TABLE construction_case ADD COLUMN tolerated_material TEXT;
-- The Beijing date (YYYY-MM-DD) the material is promised by, and when it came.
ALTER TABLE construction_case ADD COLUMN supply_by TEXT;
ALTER TABLE construction_case ADD COLUMN supplied_at TEXT;
