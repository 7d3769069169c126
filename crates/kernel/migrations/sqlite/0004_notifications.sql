-- Notifications: an outbox of messages to users (站内信 on the site, SMS through a provider), and
-- each user's choice of channels.
--
-- One row per message and channel. `idempotency_key` names the event that caused the message
-- (e.g. "deadline:42:reminder"); UNIQUE(channel, idempotency_key) makes a repeated event queue
-- nothing. Site messages are delivered when queued (state 'sent'); SMS wait as 'pending' until a
-- delivery run claims them, and are retried with back-off via `next_attempt_at` until 'sent' or
-- 'failed'. `address` is the phone number an SMS goes to, fixed when it was queued.
CREATE TABLE outbox_message (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_user_id BIGINT NOT NULL REFERENCES app_user(id),
    channel           TEXT NOT NULL,
    address           TEXT,
    template          TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    state             TEXT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   TEXT,
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    sent_at           TEXT,
    -- The provider that delivered an SMS: 'recording' (kept here, not sent) or 'webhook'.
    sent_via          TEXT,
    read_at           TEXT,
    UNIQUE (channel, idempotency_key)
);
-- A user's inbox and its unread count (shown on every page).
CREATE INDEX outbox_message_inbox ON outbox_message(recipient_user_id, channel, read_at);
-- The delivery run's query: pending messages whose next attempt is due.
CREATE INDEX outbox_message_due ON outbox_message(state, next_attempt_at);

-- Channels a user accepts besides the site (which cannot be turned off). No row: the defaults.
CREATE TABLE notification_preference (
    user_id     BIGINT PRIMARY KEY REFERENCES app_user(id) ON DELETE CASCADE,
    sms_enabled BIGINT NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);
