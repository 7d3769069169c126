-- Time limits (时限) on any object, and their graded warnings (分级预警). Warnings are rows with
-- the time they are due to fire; firing one is a conditional UPDATE of `fired_at`, so each fires
-- exactly once however many schedulers run and whenever they crash.

CREATE TABLE deadline (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    label        TEXT NOT NULL,
    -- The division the object belongs to: whose staff are told.
    region_code  TEXT NOT NULL,
    -- Government-side limits are watched by 效能办, enterprise-side ones by 招商办.
    side         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    started_at   TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    state        TEXT NOT NULL,
    paused_at    TEXT,
    stopped_at   TEXT
);
CREATE INDEX deadline_object ON deadline(object_type, object_id);

CREATE TABLE deadline_warning (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    deadline_id BIGINT NOT NULL REFERENCES deadline(id),
    grade       TEXT NOT NULL,
    fire_at     TEXT NOT NULL,
    fired_at    TEXT,
    acted_at    TEXT,
    acted_by    BIGINT REFERENCES app_user(id),
    act_note    TEXT,
    UNIQUE (deadline_id, grade)
);
CREATE INDEX deadline_warning_pending ON deadline_warning(fire_at) ;
