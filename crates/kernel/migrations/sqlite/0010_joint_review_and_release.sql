-- 联审: a review stage several departments hold at once; each department's approval is a row,
-- one per application, stage and department. The stage passes when every holder has approved;
-- a return (补正) clears the stage's approvals so every department reviews the corrected form.
CREATE TABLE joint_approval (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES application(id),
    stage          BIGINT NOT NULL,
    org_id         BIGINT NOT NULL REFERENCES organisation(id),
    user_id        BIGINT,
    username       TEXT NOT NULL,
    amount         BIGINT,
    at             TEXT NOT NULL,
    UNIQUE (application_id, stage, org_id)
);

-- 免申即享 runs: offers wait in pending_check (待核对) until staff release (发布) the run; only
-- then are the enterprises told and their confirmation clocks started.
CREATE TABLE auto_grant_run (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id   BIGINT NOT NULL REFERENCES policy(id),
    year        BIGINT NOT NULL,
    -- checking | released
    status      TEXT NOT NULL,
    created_by  BIGINT,
    created_at  TEXT NOT NULL,
    released_by BIGINT,
    released_at TEXT
);
CREATE INDEX auto_grant_run_policy ON auto_grant_run(policy_id);

-- The run that offered a 免申即享 grant (NULL for applications).
ALTER TABLE application ADD COLUMN run_id BIGINT REFERENCES auto_grant_run(id);
CREATE INDEX application_run ON application(run_id);
