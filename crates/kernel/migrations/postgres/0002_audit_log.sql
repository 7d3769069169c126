-- The audit trail as an RFC 6962 Merkle tree: stored hashes in the layout of Go's sumdb/tlog
-- (every node hash at its "stored hash index"), signed checkpoints, and the log's signing key.

CREATE TABLE audit_hash (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE audit_checkpoint (
    size      BIGINT PRIMARY KEY,
    root      BYTEA NOT NULL,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

-- One row: the log's origin and Ed25519 key (created at first start), and how many entries
-- have their hashes stored. Checkpointing updates this row first, which serialises signers
-- across processes on both databases.
CREATE TABLE audit_signer (
    id           BIGINT PRIMARY KEY,
    origin       TEXT NOT NULL,
    signing_key  TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    hashed_size  BIGINT NOT NULL,
    created_at   TEXT NOT NULL
);
