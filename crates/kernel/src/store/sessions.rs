//! Login sessions. Only a hash of the session token is stored, so a leaked database does not
//! hand out live sessions.

use crate::store::{Conn, Result, time};
use chrono::{DateTime, Utc};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO session (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(time::to_text(now))
    .bind(time::to_text(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, token_hash: &str) -> Result<Option<Session>> {
    let row =
        sqlx::query("SELECT user_id, csrf_token, expires_at FROM session WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        let expires: String = r.try_get("expires_at")?;
        Ok(Session {
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            expires_at: time::from_text(&expires)?,
        })
    })
    .transpose()
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM session WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (after a password change or reset).
pub async fn delete_for_user(conn: &mut Conn, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM session WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the sessions that expired by `now` (a presented expired token is refused anyway; this
/// keeps the table from growing with sessions nobody ends). Returns how many went.
pub async fn delete_expired(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    // Timestamps are stored in one fixed RFC 3339 UTC format, so text order is time order.
    let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
        .bind(time::to_text(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
