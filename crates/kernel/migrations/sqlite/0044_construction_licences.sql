-- 厂房报建全网办: 发证. An approved case's electronic licence: what it says, as issued (JSON),
-- and the SHA-256 of those exact bytes, which the trail records at issue; the licence's QR code
-- leads anyone to a page that checks the three agree.
CREATE TABLE construction_licence (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    licence_no     TEXT NOT NULL UNIQUE,
    case_id        BIGINT NOT NULL UNIQUE REFERENCES construction_case(id),
    content        TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    issued_at      TEXT NOT NULL
);
