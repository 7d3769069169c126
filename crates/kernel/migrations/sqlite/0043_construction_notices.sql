-- 厂房报建全网办: 集中公示. The public notices of several approvals of a project (环评, 水保,
-- 规划 …) merged into one notice period on a public page; anyone may object during it, with
-- contact details, and the office that published it answers, the answer shown.
CREATE TABLE construction_notice (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 公示编号 as people quote it (GS + Beijing date + random hex).
    code           TEXT NOT NULL UNIQUE,
    project_id     BIGINT NOT NULL REFERENCES construction_project(id),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    -- The notice period, Beijing dates, both included.
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    -- The office that published it and answers its objections.
    org_id         BIGINT NOT NULL REFERENCES organisation(id),
    created_by     BIGINT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX construction_notice_period ON construction_notice(ends_on);
CREATE INDEX construction_notice_project ON construction_notice(project_id);

-- The cases whose notices the notice merges.
CREATE TABLE construction_notice_case (
    notice_id      BIGINT NOT NULL REFERENCES construction_notice(id),
    case_id        BIGINT NOT NULL REFERENCES construction_case(id),
    PRIMARY KEY (notice_id, case_id)
);

-- An objection from anyone during the period; the phone is shown only to the office.
CREATE TABLE construction_objection (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id      BIGINT NOT NULL REFERENCES construction_notice(id),
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    content        TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    answer         TEXT,
    answered_by    BIGINT,
    answered_at    TEXT
);
CREATE INDEX construction_objection_notice ON construction_objection(notice_id, phone);
