-- Single sign-on (OpenID Connect). A started sign-in waits for the provider's answer in
-- oidc_attempt (only a hash of its state is kept; the PKCE verifier and the nonce never leave
-- the server), so any server process of the platform can finish it.
CREATE TABLE oidc_attempt (
    state_hash     TEXT PRIMARY KEY,
    pkce_verifier  TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    next_path      TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);

-- A provider's subject linked to an account. A link found by a verified claim is pending
-- (confirmed_at NULL) until the account's owner confirms it with their password or an
-- administrator confirms it; only confirmed links sign in.
CREATE TABLE oidc_link (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    user_id        BIGINT NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    -- Which verified claim proposed the link: phone_number or credit_code.
    matched_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    confirmed_at   TEXT,
    confirmed_by   BIGINT REFERENCES app_user(id),
    -- The owner's confirmation form carries a one-time ticket; only its hash is kept.
    ticket_hash    TEXT,
    ticket_expires TEXT,
    UNIQUE (issuer, subject)
);
CREATE INDEX oidc_link_by_user ON oidc_link(user_id);
CREATE INDEX oidc_link_by_ticket ON oidc_link(ticket_hash);
