//! Long work and its progress: what runs in chunks, how far it has got.

use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a piece of long work stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    Running,
    Done,
    /// Stopped before the end and not to be resumed (an import cut off by a crash).
    Interrupted,
}

impl WorkState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Running => "进行中",
            Self::Done => "已完成",
            Self::Interrupted => "已中断",
        }
    }
}

impl std::str::FromStr for WorkState {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        [Self::Running, Self::Done, Self::Interrupted]
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| format!("unknown work state {s:?}"))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Work {
    pub id: i64,
    /// auto_grant | enterprise_import
    pub kind: String,
    pub label: String,
    pub link: Option<String>,
    pub state: WorkState,
    pub state_label: &'static str,
    pub done: i64,
    pub total: i64,
    pub started_by: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Work {
    /// How far it has got, in whole percent (100 for work with nothing to do).
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            100
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

pub struct NewWork<'a> {
    pub kind: &'a str,
    pub label: &'a str,
    pub link: Option<&'a str>,
    pub total: i64,
    pub started_by: Option<i64>,
}

const COLUMNS: &str = "SELECT id, kind, label, link, state, done, total, started_by, \
    started_at, updated_at, finished_at FROM long_work";

fn from_row(r: &AnyRow) -> Result<Work> {
    let state: WorkState = stored("long_work.state", r.try_get::<String, _>("state")?.parse())?;
    let at =
        |col: &str| -> Result<DateTime<Utc>> { time::from_text(&r.try_get::<String, _>(col)?) };
    Ok(Work {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        label: r.try_get("label")?,
        link: r.try_get("link")?,
        state_label: state.label_zh(),
        state,
        done: r.try_get("done")?,
        total: r.try_get("total")?,
        started_by: r.try_get("started_by")?,
        started_at: at("started_at")?,
        updated_at: at("updated_at")?,
        finished_at: r
            .try_get::<Option<String>, _>("finished_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
    })
}

pub async fn insert(conn: &mut Conn, w: &NewWork<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = time::to_text(now);
    let row = sqlx::query(
        "INSERT INTO long_work (kind, label, link, state, done, total, started_by, started_at, \
         updated_at) VALUES ($1, $2, $3, 'running', 0, $4, $5, $6, $6) RETURNING id",
    )
    .bind(w.kind)
    .bind(w.label)
    .bind(w.link)
    .bind(w.total)
    .bind(w.started_by)
    .bind(&at)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn set_link(conn: &mut Conn, id: i64, link: &str) -> Result<()> {
    sqlx::query("UPDATE long_work SET link = $1 WHERE id = $2")
        .bind(link)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts `done` more items done, while the work is still running.
pub async fn advance(conn: &mut Conn, id: i64, done: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE long_work SET done = done + $1, updated_at = $2 WHERE id = $3 AND state = 'running'",
    )
    .bind(done)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends running work in `state` (done or interrupted).
pub async fn finish(conn: &mut Conn, id: i64, state: WorkState, now: DateTime<Utc>) -> Result<()> {
    let at = time::to_text(now);
    sqlx::query(
        "UPDATE long_work SET state = $1, updated_at = $2, finished_at = $2 \
         WHERE id = $3 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(&at)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Work>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Work still running, oldest first.
pub async fn running(conn: &mut Conn) -> Result<Vec<Work>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE state = 'running' ORDER BY id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Running work of `kind` whose progress has not moved since `before` (its process is gone).
pub async fn stalled(conn: &mut Conn, kind: &str, before: DateTime<Utc>) -> Result<Vec<Work>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE state = 'running' AND kind = $1 AND updated_at < $2 ORDER BY id"
    )))
    .bind(kind)
    .bind(time::to_text(before))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks running work of `kind` whose progress stopped before `before` interrupted (the process
/// doing it is gone); how many.
pub async fn interrupt_stalled(
    conn: &mut Conn,
    kind: &str,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let at = time::to_text(now);
    let done = sqlx::query(
        "UPDATE long_work SET state = 'interrupted', updated_at = $1, finished_at = $1 \
         WHERE state = 'running' AND kind = $2 AND updated_at < $3",
    )
    .bind(&at)
    .bind(kind)
    .bind(time::to_text(before))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
