-- 诉求必应: enterprise requests, routed at once to the department that owns them (首接负责),
-- answered within 24 hours and resolved within the category's working days, closed only after
-- a follow-up (回访). Open311 clients reach the same pool through API keys.

-- What an enterprise may ask about, and in how many working days it must be resolved.
CREATE TABLE request_category (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    keywords    TEXT NOT NULL,
    limit_days  BIGINT NOT NULL,
    sort_order  BIGINT NOT NULL
);
INSERT INTO request_category (code, name, description, group_name, keywords, limit_days, sort_order) VALUES
    ('policy', '政策咨询', '惠企政策的内容、条件、申报和兑现进度', '咨询', '政策,补贴,申报,兑现', 1, 1),
    ('finance', '融资服务', '贷款、担保、转贷、融资对接', '要素保障', '融资,贷款,担保,银行', 7, 2),
    ('labour', '用工人才', '招工、用工、人才引进与住房', '要素保障', '招工,用工,人才,社保', 7, 3),
    ('land', '用地规划', '用地、规划、厂房与报建', '要素保障', '用地,规划,厂房,报建', 15, 4),
    ('permit', '审批办证', '行政审批、证照办理与变更', '政务服务', '审批,证照,许可,办证', 7, 5),
    ('other', '其他', '其他需要政府协调解决的问题', '其他', '其他,协调', 7, 6);

-- Which department receives a category's requests from a region. The longest matching
-- region prefix wins; an empty prefix is the category's fallback.
CREATE TABLE request_route (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    category_code TEXT NOT NULL REFERENCES request_category(code),
    region_prefix TEXT NOT NULL,
    org_id        BIGINT NOT NULL REFERENCES organisation(id),
    UNIQUE (category_code, region_prefix)
);

CREATE TABLE request (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_no           TEXT NOT NULL UNIQUE,
    enterprise_id        BIGINT NOT NULL REFERENCES enterprise(id),
    region_code          TEXT NOT NULL,
    category_code        TEXT NOT NULL REFERENCES request_category(code),
    description          TEXT NOT NULL,
    location             TEXT,
    -- WGS84 degrees as given by an Open311 client.
    lat                  TEXT,
    lon                  TEXT,
    -- Who to call back when the request came without an account (Open311: name, phone, email).
    contact              TEXT,
    -- online | steward | hotline | 12345 | rating | window | open311
    channel              TEXT NOT NULL,
    -- The source system's reference (12345 ticket, rating id, API key name).
    source_ref           TEXT,
    registered_by        BIGINT,
    submit_key           TEXT,
    owner_org_id         BIGINT NOT NULL REFERENCES organisation(id),
    -- The one transfer allowed: from whom and why.
    transferred_from     BIGINT REFERENCES organisation(id),
    transfer_reason      TEXT,
    duplicate_of         BIGINT REFERENCES request(id),
    -- open | accepted | replied | reopened | closed | duplicate
    status               TEXT NOT NULL,
    -- Raised by one each time a follow-up finds the enterprise not satisfied.
    grade                BIGINT NOT NULL,
    reply                TEXT,
    replied_by           BIGINT,
    replied_at           TEXT,
    extension_days       BIGINT,
    extension_reason     TEXT,
    -- pending | approved
    extension_status     TEXT,
    -- satisfied | basic | unsatisfied: the latest follow-up.
    follow_up_result     TEXT,
    follow_up_comment    TEXT,
    followed_up_at       TEXT,
    submitted_at         TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (enterprise_id, submit_key)
);
CREATE INDEX request_owner ON request(owner_org_id, status);
CREATE INDEX request_enterprise ON request(enterprise_id, category_code, status);
CREATE INDEX request_region ON request(region_code);

-- Keys of Open311 clients, issued by an administrator; only the SHA-256 of the key is kept.
CREATE TABLE api_key (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    created_by BIGINT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
