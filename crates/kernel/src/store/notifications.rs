//! The notification outbox: one row per message and channel (站内信 on the site, SMS), with its
//! delivery state, and each user's channel preferences.
//!
//! Queuing is idempotent: a second message with the same channel and idempotency key is silently
//! not stored (`ON CONFLICT DO NOTHING`, which, unlike a failed INSERT, leaves a PostgreSQL
//! transaction usable). SMS delivery claims a message with one conditional UPDATE (see [`claim`]).

use crate::store::sql::{in_list, statement_batches, value_rows};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 站内信: shown in the user's inbox on the site.
    Site,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Site => "site",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "site" => Some(Channel::Site),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Site => "站内信",
            Channel::Sms => "短信",
        }
    }
}

/// Delivery state. Site messages are `Sent` when queued; SMS go `Pending` → `Sent` or, after the
/// last attempt (or a permanent refusal), `Failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "sent" => Some(DeliveryState::Sent),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryState::Pending => "待发送",
            DeliveryState::Sent => "已发送",
            DeliveryState::Failed => "发送失败",
        }
    }
}

#[derive(Clone, Copy)]
pub struct NewMessage<'a> {
    pub recipient_user_id: i64,
    pub channel: Channel,
    /// The phone number of an SMS; `None` for site messages.
    pub address: Option<&'a str>,
    pub template: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub idempotency_key: &'a str,
    pub state: DeliveryState,
    /// When delivery may first be tried (pending messages).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Set for messages delivered as they are queued (site messages).
    pub sent_at: Option<DateTime<Utc>>,
    /// The page of the item the message is about.
    pub link: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: i64,
    pub recipient_user_id: i64,
    /// The recipient's user name and display name (for the administrator's outbox view).
    pub recipient_username: String,
    pub recipient_name: String,
    pub channel: Channel,
    pub address: Option<String>,
    pub template: String,
    pub subject: String,
    pub body: String,
    pub idempotency_key: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The provider that delivered an SMS ("recording": kept here, never sent).
    pub sent_via: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    /// The page of the item the message is about.
    pub link: Option<String>,
}

/// Stores messages, skipping any whose channel and idempotency key are already stored; returns
/// how many were stored. A few hundred rows per statement, so long work queues a chunk's
/// messages in a round trip or two.
pub async fn insert_many(
    conn: &mut Conn,
    messages: &[NewMessage<'_>],
    now: DateTime<Utc>,
) -> Result<u64> {
    const COLUMNS: usize = 12;
    let created = time::to_text(now);
    let mut written = 0;
    for chunk in statement_batches(messages, COLUMNS) {
        let sql = format!(
            "INSERT INTO outbox_message (recipient_user_id, channel, address, template, subject, \
             body, idempotency_key, state, next_attempt_at, created_at, sent_at, link) \
             VALUES {} ON CONFLICT (channel, idempotency_key) DO NOTHING",
            value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            query = query
                .bind(m.recipient_user_id)
                .bind(m.channel.as_str())
                .bind(m.address)
                .bind(m.template)
                .bind(m.subject)
                .bind(m.body)
                .bind(m.idempotency_key)
                .bind(m.state.as_str())
                .bind(m.next_attempt_at.map(time::to_text))
                .bind(created.clone())
                .bind(m.sent_at.map(time::to_text))
                .bind(m.link);
        }
        written += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(written)
}

/// Where a user can be reached: what queuing a message to them needs to know.
#[derive(Debug, Clone)]
pub struct Reach {
    pub user_id: i64,
    pub phone: Option<String>,
    pub disabled: bool,
    /// They have not turned SMS off (no preference stored means on).
    pub sms_enabled: bool,
}

/// How each of these users can be reached; users that do not exist are left out.
pub async fn reach(conn: &mut Conn, user_ids: &[i64]) -> Result<Vec<Reach>> {
    let mut found = Vec::with_capacity(user_ids.len());
    for chunk in statement_batches(user_ids, 1) {
        let sql = format!(
            "SELECT u.id, u.phone, u.disabled, COALESCE(p.sms_enabled, 1) AS sms_enabled \
             FROM app_user u LEFT JOIN notification_preference p ON p.user_id = u.id \
             WHERE u.id IN ({})",
            in_list(1, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(Reach {
                user_id: row.try_get("id")?,
                phone: row.try_get("phone")?,
                disabled: row.try_get::<i64, _>("disabled")? != 0,
                sms_enabled: row.try_get::<i64, _>("sms_enabled")? != 0,
            });
        }
    }
    Ok(found)
}

const COLUMNS: &str = "SELECT m.id, m.recipient_user_id, u.username AS recipient_username, \
                       u.display_name AS recipient_name, \
                       m.channel, m.address, m.template, m.subject, m.body, m.idempotency_key, \
                       m.state, m.attempts, m.next_attempt_at, m.last_error, m.created_at, \
                       m.sent_at, m.sent_via, m.read_at, m.link \
                       FROM outbox_message m JOIN app_user u ON u.id = m.recipient_user_id";

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Message>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// A user's site messages, newest first.
pub async fn inbox(conn: &mut Conn, user_id: i64, limit: i64) -> Result<Vec<Message>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE m.recipient_user_id = $1 AND m.channel = 'site' \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
    )))
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many of a user's site messages are unread: one COUNT over the inbox index.
pub async fn unread_count(conn: &mut Conn, user_id: i64) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM outbox_message \
         WHERE recipient_user_id = $1 AND channel = 'site' AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?
    .try_get("n")?)
}

/// Marks a site message of `user_id` read; false when it was already read (or is not theirs).
pub async fn mark_read(conn: &mut Conn, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE outbox_message SET read_at = $1 \
         WHERE id = $2 AND recipient_user_id = $3 AND channel = 'site' AND read_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which messages the administrator's outbox lists.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub channel: Option<Channel>,
    pub state: Option<DeliveryState>,
    pub limit: i64,
    pub offset: i64,
}

/// Every user's messages, newest first, and how many match in all.
pub async fn list(conn: &mut Conn, filter: &OutboxFilter) -> Result<(Vec<Message>, i64)> {
    // Unset filters match everything: `$1 IS NULL OR ...` keeps one statement for every case.
    let condition = "($1 IS NULL OR m.channel = $1) AND ($2 IS NULL OR m.state = $2)";
    let channel = filter.channel.map(Channel::as_str);
    let state = filter.state.map(DeliveryState::as_str);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE {condition} ORDER BY m.created_at DESC, m.id DESC LIMIT $3 OFFSET $4"
    )))
    .bind(channel)
    .bind(state)
    .bind(filter.limit)
    .bind(filter.offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM outbox_message m WHERE {condition}"
    )))
    .bind(channel)
    .bind(state)
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok((rows.iter().map(from_row).collect::<Result<_>>()?, total))
}

/// The ids of pending SMS whose next attempt is due at `now`, oldest due first.
pub async fn due_sms(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM outbox_message \
         WHERE state = 'pending' AND channel = 'sms' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(time::to_text(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64, _>("id")?))
        .collect()
}

/// Claims a due pending SMS for one delivery attempt; `None` when another delivery run claimed it
/// first (or it is no longer due).
///
/// The claim is a single conditional UPDATE: it counts the attempt and moves `next_attempt_at` to
/// `lease_until`, but only `WHERE state = 'pending' AND next_attempt_at <= now`. Two runs that
/// race for the same row serialise on it — SQLite has one writer at a time; PostgreSQL makes the
/// second UPDATE wait for the first to commit and then re-checks the WHERE against the new row,
/// where `next_attempt_at` now lies in the future — so exactly one of them gets the row back
/// (the others update 0 rows). The lease doubles as crash recovery: if the claiming process dies
/// before recording the outcome, the message becomes due again when the lease ends.
pub async fn claim(
    conn: &mut Conn,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Message>> {
    let claimed = sqlx::query(
        "UPDATE outbox_message SET attempts = attempts + 1, next_attempt_at = $1 \
         WHERE id = $2 AND state = 'pending' AND channel = 'sms' AND next_attempt_at <= $3",
    )
    .bind(time::to_text(lease_until))
    .bind(id)
    .bind(time::to_text(now))
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() != 1 {
        return Ok(None);
    }
    get(conn, id).await
}

/// Records a successful delivery by the provider named `via`.
pub async fn mark_sent(conn: &mut Conn, id: i64, via: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_message SET state = 'sent', sent_at = $1, sent_via = $2, \
         next_attempt_at = NULL, last_error = NULL WHERE id = $3",
    )
    .bind(time::to_text(now))
    .bind(via)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt to be retried at `next_attempt_at`.
pub async fn mark_retry(
    conn: &mut Conn,
    id: i64,
    error: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_message SET state = 'pending', last_error = $1, next_attempt_at = $2 \
         WHERE id = $3",
    )
    .bind(error)
    .bind(time::to_text(next_attempt_at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that delivery has been given up.
pub async fn mark_failed(conn: &mut Conn, id: i64, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_message SET state = 'failed', last_error = $1, next_attempt_at = NULL \
         WHERE id = $2",
    )
    .bind(error)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a user accepts SMS (the default when they never chose).
pub async fn sms_enabled(conn: &mut Conn, user_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT sms_enabled FROM notification_preference WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("sms_enabled")? != 0,
        None => true,
    })
}

pub async fn set_sms_enabled(
    conn: &mut Conn,
    user_id: i64,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_preference (user_id, sms_enabled, updated_at) \
         VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE \
         SET sms_enabled = excluded.sms_enabled, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(i64::from(enabled))
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn from_row(row: &AnyRow) -> Result<Message> {
    let channel: String = row.try_get("channel")?;
    let state: String = row.try_get("state")?;
    let at = |column: &str| -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = row.try_get(column)?;
        text.as_deref().map(time::from_text).transpose()
    };
    let created_at: String = row.try_get("created_at")?;
    Ok(Message {
        id: row.try_get("id")?,
        recipient_user_id: row.try_get("recipient_user_id")?,
        recipient_username: row.try_get("recipient_username")?,
        recipient_name: row.try_get("recipient_name")?,
        channel: stored(
            "outbox_message.channel",
            Channel::parse(&channel).ok_or(channel.clone()),
        )?,
        address: row.try_get("address")?,
        template: row.try_get("template")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        idempotency_key: row.try_get("idempotency_key")?,
        state: stored(
            "outbox_message.state",
            DeliveryState::parse(&state).ok_or(state.clone()),
        )?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: at("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: time::from_text(&created_at)?,
        sent_at: at("sent_at")?,
        sent_via: row.try_get("sent_via")?,
        read_at: at("read_at")?,
        link: row.try_get("link")?,
    })
}
