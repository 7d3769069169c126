-- Long work (a 免申即享 run over every enterprise, an import of a whole enterprise register) goes
-- in short chunks, each its own transaction, so people at the counter never wait behind it.
-- Its progress is kept here: its starter follows it, the supervision cockpit lists what runs.
CREATE TABLE long_work (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- auto_grant | enterprise_import
    kind        TEXT NOT NULL,
    -- What it is, in Chinese (免申即享比对:政策名称,2025 年度).
    label       TEXT NOT NULL,
    -- The page where its starter follows it.
    link        TEXT,
    -- running | done | interrupted
    state       TEXT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    total       BIGINT NOT NULL,
    started_by  BIGINT,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX long_work_state ON long_work(state);

-- A 免申即享 run works through the enterprises in id order up to the highest id when it started;
-- after_enterprise is the last one whose outcome is written, moved in the same transaction as
-- that chunk's offers, so a crash neither loses nor repeats an offer. The tallies add up what
-- the chunks found.
ALTER TABLE auto_grant_run ADD COLUMN work_id BIGINT REFERENCES long_work(id);
ALTER TABLE auto_grant_run ADD COLUMN after_enterprise BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auto_grant_run ADD COLUMN up_to_enterprise BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auto_grant_run ADD COLUMN offered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auto_grant_run ADD COLUMN already_offered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auto_grant_run ADD COLUMN credit_blocked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE auto_grant_run ADD COLUMN total_offered BIGINT NOT NULL DEFAULT 0;
-- One run of a policy works at a time.
CREATE UNIQUE INDEX auto_grant_run_one_running ON auto_grant_run(policy_id) WHERE status = 'running';

-- Enterprises a run could not offer to: data missing (undetermined, with what is missing) or
-- the budget left could not cover them (over_budget).
CREATE TABLE auto_grant_note (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        BIGINT NOT NULL REFERENCES auto_grant_run(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    kind          TEXT NOT NULL,
    missing       TEXT NOT NULL
);
CREATE INDEX auto_grant_note_run ON auto_grant_note(run_id);
