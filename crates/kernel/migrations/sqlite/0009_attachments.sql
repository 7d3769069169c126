-- Files people upload as evidence: an application's materials (申报材料) now; an agreement's
-- document, fulfilment evidence and a request's attachments later. The bytes are kept in the
-- database: a backup of the database is a backup of every file, and no name a user chose ever
-- becomes a path on the server's disk. A removed file keeps its row (removed_at) for the record.

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- What it belongs to, e.g. ('application', the receipt number).
    owner_type   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    -- Which material it is ("营业执照"): one of the guide's materials, or the uploader's words.
    label        TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    -- Hex SHA-256 of the content, shown so a reviewer can match a copy on paper or elsewhere.
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  BIGINT,
    uploaded_at  TEXT NOT NULL,
    removed_at   TEXT,
    removed_by   BIGINT
);
CREATE INDEX attachment_owner ON attachment(owner_type, owner_id);
