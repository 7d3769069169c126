-- 厂房报建全网办: 专家评审. The district's pool of experts, reviews drawn from it for a case with
-- the experts who must stand aside (declared conflicts) recorded, and each drawn expert's seat:
-- the hash of the link they review by, their opinion and score.
CREATE TABLE construction_expert (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL,
    -- planning | architecture | structure | fire | environment | water
    speciality     TEXT NOT NULL,
    employer       TEXT NOT NULL,
    phone          TEXT NOT NULL,
    -- Declared conflicts of interest: enterprises' credit codes or names, one per line.
    conflicts      TEXT NOT NULL,
    active         BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);
CREATE INDEX construction_expert_speciality ON construction_expert(speciality, active);

CREATE TABLE construction_review (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        BIGINT NOT NULL REFERENCES construction_case(id),
    speciality     TEXT NOT NULL,
    -- Opinions are taken until then (UTC).
    due_at         TEXT NOT NULL,
    drawn_by       BIGINT NOT NULL,
    drawn_at       TEXT NOT NULL
);
CREATE INDEX construction_review_case ON construction_review(case_id);

-- An expert drawn for a review, or one who stood aside: at the drawing for a declared conflict
-- (no link), or on opening the link.
CREATE TABLE construction_review_seat (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id      BIGINT NOT NULL REFERENCES construction_review(id),
    expert_id      BIGINT NOT NULL REFERENCES construction_expert(id),
    -- SHA-256 of the link's secret; NULL for an expert recused at the drawing.
    token_sha256   TEXT UNIQUE,
    recusal        TEXT,
    opinion        TEXT,
    score          BIGINT,
    submitted_at   TEXT,
    UNIQUE (review_id, expert_id)
);
