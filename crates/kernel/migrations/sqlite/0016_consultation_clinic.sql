-- 诉求必应, the 会商 and the monthly 会诊日.

-- 会商: the owning department of a request asks another department for its opinion by a date.
-- One invitation per department and request; the opinion is given once.
CREATE TABLE request_consultation (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  BIGINT NOT NULL REFERENCES request(id),
    org_id      BIGINT NOT NULL REFERENCES organisation(id),
    question    TEXT NOT NULL,
    -- The Beijing date the opinion is due on (YYYY-MM-DD).
    due_on      TEXT NOT NULL,
    invited_by  BIGINT NOT NULL,
    invited_at  TEXT NOT NULL,
    opinion     TEXT,
    answered_by BIGINT,
    answered_at TEXT,
    UNIQUE (request_id, org_id)
);
CREATE INDEX request_consultation_org ON request_consultation(org_id);

-- 会诊日: one session a month (the platform serves one district), on its date.
CREATE TABLE clinic_day (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    held_on     TEXT NOT NULL UNIQUE,
    -- Names of the people present, as the recorder wrote them.
    attendees   TEXT,
    minutes     TEXT,
    recorded_by BIGINT,
    recorded_at TEXT,
    created_at  TEXT NOT NULL
);

-- The departments present at a session.
CREATE TABLE clinic_attendance (
    clinic_day_id BIGINT NOT NULL REFERENCES clinic_day(id),
    org_id        BIGINT NOT NULL REFERENCES organisation(id),
    PRIMARY KEY (clinic_day_id, org_id)
);

-- The hard cases put on a session's agenda.
CREATE TABLE clinic_agenda_item (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    clinic_day_id BIGINT NOT NULL REFERENCES clinic_day(id),
    request_id    BIGINT NOT NULL REFERENCES request(id),
    reason        TEXT NOT NULL,
    added_by      BIGINT NOT NULL,
    added_at      TEXT NOT NULL,
    UNIQUE (clinic_day_id, request_id)
);
CREATE INDEX clinic_agenda_request ON clinic_agenda_item(request_id);

-- What a session decided about an agenda item: a tracked action of one department by a date.
CREATE TABLE clinic_decision (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    agenda_item_id BIGINT NOT NULL REFERENCES clinic_agenda_item(id),
    content        TEXT NOT NULL,
    org_id         BIGINT NOT NULL REFERENCES organisation(id),
    due_on         TEXT NOT NULL,
    decided_by     BIGINT NOT NULL,
    decided_at     TEXT NOT NULL,
    done_report    TEXT,
    done_by        BIGINT,
    done_at        TEXT
);
CREATE INDEX clinic_decision_agenda ON clinic_decision(agenda_item_id);
