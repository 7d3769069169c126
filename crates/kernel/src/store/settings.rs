//! Documents an administrator edits as a whole (the working-day calendar, the warning rules),
//! by key. Scenes keep their own settings here under keys they declare.

use crate::store::{Conn, Result, time};
use chrono::{DateTime, Utc};
use sqlx::Row;

pub const CALENDAR: &str = "calendar";
/// When each grade of warning fires, per kind of deadline (JSON; see `WarningRule`).
pub const WARNING_RULES: &str = "warning_rules";

pub async fn get(conn: &mut Conn, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM setting WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}

pub async fn put(conn: &mut Conn, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO setting (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The value of `key` with its row taken until the transaction ends, so a read-change-write
/// of a document loses no edit made meanwhile. A key never set is first set to `empty`, so
/// there is a row to take.
pub async fn get_for_update(
    conn: &mut Conn,
    key: &str,
    empty: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    sqlx::query(
        "INSERT INTO setting (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(empty)
    .bind(time::to_text(now))
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("UPDATE setting SET value = value WHERE key = $1 RETURNING value")
        .bind(key)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("value")?)
}
