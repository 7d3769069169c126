-- The pushes that follow a policy's publication (精准推送 to every enterprise it finds eligible,
-- then its subscribers) go out after the publication commits, in short chunks, each its own
-- transaction, so publishing in a large district never holds the write lock for long.
-- The publication records its sweep in its own transaction; after_enterprise is the last
-- enterprise whose pushes are written, moved in the same transaction as that chunk's pushes, so
-- a sweep cut off by a crash is finished on restart with no enterprise told twice or forgotten.
CREATE TABLE policy_push_sweep (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id        BIGINT NOT NULL REFERENCES policy(id),
    policy_version   BIGINT NOT NULL,
    work_id          BIGINT NOT NULL REFERENCES long_work(id),
    after_enterprise BIGINT NOT NULL DEFAULT 0,
    up_to_enterprise BIGINT NOT NULL
);
-- The sweep's progress and whether it has finished are its long_work row's.
CREATE UNIQUE INDEX policy_push_sweep_work ON policy_push_sweep(work_id);
