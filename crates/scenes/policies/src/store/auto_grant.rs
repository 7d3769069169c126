//! 免申即享 runs: the offers of a run wait for staff to check them until the run is released.

use crate::status::RunStatus;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub policy_id: i64,
    pub year: i32,
    /// checking | released
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "SELECT id, policy_id, year, status, created_at, released_at FROM auto_grant_run";

fn from_row(r: &AnyRow) -> Result<RunRow> {
    let year: i64 = r.try_get("year")?;
    Ok(RunRow {
        id: r.try_get("id")?,
        policy_id: r.try_get("policy_id")?,
        year: qinqing_kernel::store::stored("auto_grant_run.year", i32::try_from(year))?,
        status: stored(
            "auto_grant_run.status",
            r.try_get::<String, _>("status")?.parse(),
        )?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        released_at: r
            .try_get::<Option<String>, _>("released_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    policy_id: i64,
    year: i32,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO auto_grant_run (policy_id, year, status, created_by, created_at) \
         VALUES ($1, $2, 'checking', $3, $4) RETURNING id",
    )
    .bind(policy_id)
    .bind(i64::from(year))
    .bind(created_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Removes a run that offered nothing (no application refers to it).
pub async fn discard(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM auto_grant_run WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<RunRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// A policy's runs, newest first.
pub async fn of_policy(conn: &mut Conn, policy_id: i64) -> Result<Vec<RunRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE policy_id = $1 ORDER BY id DESC"
    )))
    .bind(policy_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks the run released if it is still being checked; false when someone released it first.
pub async fn release(
    conn: &mut Conn,
    id: i64,
    released_by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE auto_grant_run SET status = 'released', released_by = $1, released_at = $2 \
         WHERE id = $3 AND status = 'checking'",
    )
    .bind(released_by)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
