-- 惠企政策兑现, cross-policy rules at every grant.
-- One row per enterprise and policy year in which money has been committed. Every grant takes
-- (upserts) its row before reading what the enterprise was already granted that year, so on
-- PostgreSQL grants to one enterprise in one year run one after the other and exclusive groups
-- and annual caps over several policies hold however many approvals happen at once.
CREATE TABLE grant_lock (
    enterprise_id BIGINT NOT NULL REFERENCES enterprise(id),
    year          BIGINT NOT NULL,
    grants        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (enterprise_id, year)
);
