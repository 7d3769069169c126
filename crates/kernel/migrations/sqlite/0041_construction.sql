-- 厂房报建全网办: industrial projects and the cases (办件) of their approval matters.

-- A project an enterprise builds on a land parcel; every approval matter is a case of it.
CREATE TABLE construction_project (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 项目编号 as people quote it (XM + Beijing date + random hex).
    code           TEXT NOT NULL UNIQUE,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprise(id),
    -- The enterprise's region at registration: who supervises the project.
    region_code    TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- 地块编号 as the land transfer names it.
    parcel         TEXT NOT NULL,
    location       TEXT NOT NULL,
    -- Fen.
    investment     BIGINT NOT NULL,
    -- Hundredths of a square metre.
    floor_area     BIGINT NOT NULL,
    -- The investment agreement's number, when the project is one's.
    agreement_no   TEXT,
    -- 不动产权证号 of the land, once registered: matters that need it are approved formally.
    land_title_no  TEXT,
    land_title_at  TEXT,
    registered_by  BIGINT NOT NULL,
    submit_key     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (enterprise_id, submit_key)
);
CREATE INDEX construction_project_enterprise ON construction_project(enterprise_id);
CREATE INDEX construction_project_region ON construction_project(region_code);

-- 集中授权: a department entrusts a matter to the 行政服务中心 for a period; cases applied for
-- while it is in force are taken in and decided by the centre in the department's name.
CREATE TABLE construction_entrustment (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    matter_code    TEXT NOT NULL,
    from_org_id    BIGINT NOT NULL REFERENCES organisation(id),
    to_org_id      BIGINT NOT NULL REFERENCES organisation(id),
    -- Beijing dates, both included.
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    created_by     BIGINT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX construction_entrustment_matter ON construction_entrustment(matter_code, from_org_id);

-- One application for one matter of the catalogue; the matter's name, stage and limits are
-- copied in, so a later catalogue does not rewrite what was applied for.
CREATE TABLE construction_case (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_no     TEXT NOT NULL UNIQUE,
    project_id     BIGINT NOT NULL REFERENCES construction_project(id),
    matter_code    TEXT NOT NULL,
    matter_name    TEXT NOT NULL,
    stage          TEXT NOT NULL,
    -- The office that decides: the department, or the centre it entrusted the matter to.
    org_id         BIGINT NOT NULL REFERENCES organisation(id),
    -- Under an entrustment: which, and the department in whose name the centre acts. When it
    -- ends before the case is decided, the case goes back to that department.
    entrustment_id BIGINT REFERENCES construction_entrustment(id),
    entrusted_by   BIGINT REFERENCES organisation(id),
    legal_days     BIGINT NOT NULL,
    promised_days  BIGINT NOT NULL,
    -- submitted | accepted | approved | simulated | refused | lapsed
    status         TEXT NOT NULL,
    -- What the applicant wrote, in words.
    note           TEXT NOT NULL,
    submitted_by   BIGINT NOT NULL,
    submitted_at   TEXT NOT NULL,
    accepted_by    BIGINT,
    accepted_at    TEXT,
    decided_by     BIGINT,
    decided_at     TEXT,
    decision_note  TEXT,
    -- 模拟审批: approved before the land's title on these conditions, lapsing at the end of
    -- lapses_on (a Beijing date) unless the title is registered first (made_formal_at).
    conditions     TEXT,
    lapses_on      TEXT,
    made_formal_at TEXT,
    updated_at     TEXT NOT NULL
);
-- A matter is applied for once at a time: a refused case may be applied for again.
CREATE UNIQUE INDEX construction_case_live ON construction_case(project_id, matter_code)
    WHERE status NOT IN ('refused', 'lapsed');
CREATE INDEX construction_case_simulated ON construction_case(lapses_on) WHERE status = 'simulated';
CREATE INDEX construction_case_org ON construction_case(org_id, status);
CREATE INDEX construction_case_project ON construction_case(project_id);
