//! 免申即享 runs: the offers of a run wait for staff to check them until the run is released.
//! A run works through the enterprises in chunks; its cursor and tallies move with each chunk.

use crate::status::RunStatus;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::{in_list, statement_batches, value_rows};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub policy_id: i64,
    pub year: i32,
    /// running | checking | released | empty
    pub status: RunStatus,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    /// Its progress, for runs made since runs went in chunks.
    pub work_id: Option<i64>,
    /// The last enterprise (by id) whose outcome is written.
    pub after_enterprise: i64,
    /// The highest enterprise id when the run started: the run covers those up to it.
    pub up_to_enterprise: i64,
    pub tally: Tally,
}

/// What a run's chunks found, added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub offered: i64,
    pub already_offered: i64,
    pub credit_blocked: i64,
    /// Fen.
    pub total_offered: i64,
}

const COLUMNS: &str = "SELECT id, policy_id, year, status, created_by, created_at, released_at, \
    work_id, after_enterprise, up_to_enterprise, offered, already_offered, credit_blocked, \
    total_offered FROM auto_grant_run";

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
        created_by: r.try_get("created_by")?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        released_at: r
            .try_get::<Option<String>, _>("released_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
        work_id: r.try_get("work_id")?,
        after_enterprise: r.try_get("after_enterprise")?,
        up_to_enterprise: r.try_get("up_to_enterprise")?,
        tally: Tally {
            offered: r.try_get("offered")?,
            already_offered: r.try_get("already_offered")?,
            credit_blocked: r.try_get("credit_blocked")?,
            total_offered: r.try_get("total_offered")?,
        },
    })
}

pub struct NewRun {
    pub policy_id: i64,
    pub year: i32,
    pub created_by: i64,
    pub work_id: i64,
    pub up_to_enterprise: i64,
}

/// A running run; `Duplicate` when the policy already has one running.
pub async fn insert(conn: &mut Conn, run: &NewRun, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO auto_grant_run (policy_id, year, status, created_by, created_at, work_id, \
         up_to_enterprise) VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING id",
    )
    .bind(run.policy_id)
    .bind(i64::from(run.year))
    .bind(run.created_by)
    .bind(time::to_text(now))
    .bind(run.work_id)
    .bind(run.up_to_enterprise)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The run of a policy still working, if any.
pub async fn running_of_policy(conn: &mut Conn, policy_id: i64) -> Result<Option<RunRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE policy_id = $1 AND status = 'running'"
    )))
    .bind(policy_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Every run still working, oldest first.
pub async fn running(conn: &mut Conn) -> Result<Vec<RunRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE status = 'running' ORDER BY id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Moves the run's cursor from `from` to `to` and adds a chunk's tally, in the chunk's
/// transaction; false when another worker wrote this chunk first (or the run ended).
pub async fn advance(conn: &mut Conn, id: i64, (from, to): (i64, i64), t: &Tally) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE auto_grant_run SET after_enterprise = $1, offered = offered + $2, \
         already_offered = already_offered + $3, credit_blocked = credit_blocked + $4, \
         total_offered = total_offered + $5 \
         WHERE id = $6 AND status = 'running' AND after_enterprise = $7",
    )
    .bind(to)
    .bind(t.offered)
    .bind(t.already_offered)
    .bind(t.credit_blocked)
    .bind(t.total_offered)
    .bind(id)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a running run: `checking` when it offered something, else `empty`; false when it had
/// already ended.
pub async fn finish(conn: &mut Conn, id: i64, status: RunStatus) -> Result<bool> {
    let done =
        sqlx::query("UPDATE auto_grant_run SET status = $1 WHERE id = $2 AND status = 'running'")
            .bind(status.as_str())
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Which of these enterprises already have a live offer or application for the policy and year.
pub async fn live_among(
    conn: &mut Conn,
    policy_id: i64,
    year: i32,
    enterprise_ids: &[i64],
) -> Result<HashSet<i64>> {
    let mut live = HashSet::new();
    for chunk in statement_batches(enterprise_ids, 1) {
        let sql = format!(
            "SELECT DISTINCT enterprise_id FROM application WHERE policy_id = $1 AND year = $2 \
             AND status NOT IN ('withdrawn', 'rejected', 'declined', 'excluded') \
             AND enterprise_id IN ({})",
            in_list(3, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(policy_id)
            .bind(i64::from(year));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            live.insert(row.try_get("enterprise_id")?);
        }
    }
    Ok(live)
}

/// Why a run offered nothing to an enterprise it found eligible or could not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Data missing to decide.
    Undetermined,
    /// The budget left could not cover it.
    OverBudget,
}

impl NoteKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Undetermined => "undetermined",
            Self::OverBudget => "over_budget",
        }
    }
}

/// Why a run offered an enterprise nothing.
pub struct NewNote<'a> {
    pub enterprise_id: i64,
    pub kind: NoteKind,
    /// What is missing to decide (undetermined).
    pub missing: &'a [String],
}

/// Writes a chunk's notes, a few hundred per statement.
pub async fn add_notes(conn: &mut Conn, run_id: i64, notes: &[NewNote<'_>]) -> Result<()> {
    for chunk in statement_batches(notes, 4) {
        let sql = format!(
            "INSERT INTO auto_grant_note (run_id, enterprise_id, kind, missing) VALUES {}",
            value_rows(chunk.len(), 4)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for note in chunk {
            query = query
                .bind(run_id)
                .bind(note.enterprise_id)
                .bind(note.kind.as_str())
                .bind(serde_json::to_string(note.missing).unwrap_or_else(|_| "[]".into()));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A run's notes of one kind: (credit code, name, what is missing), in the order written.
pub async fn notes(
    conn: &mut Conn,
    run_id: i64,
    kind: NoteKind,
) -> Result<Vec<(String, String, Vec<String>)>> {
    let rows = sqlx::query(
        "SELECT e.credit_code, e.name, n.missing FROM auto_grant_note n \
         JOIN enterprise e ON e.id = n.enterprise_id WHERE n.run_id = $1 AND n.kind = $2 \
         ORDER BY n.id",
    )
    .bind(run_id)
    .bind(kind.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let missing: String = r.try_get("missing")?;
            Ok((
                r.try_get("credit_code")?,
                r.try_get("name")?,
                stored("auto_grant_note.missing", serde_json::from_str(&missing))?,
            ))
        })
        .collect()
}

/// How many notes of one kind a run has.
pub async fn note_count(conn: &mut Conn, run_id: i64, kind: NoteKind) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM auto_grant_note WHERE run_id = $1 AND kind = $2")
            .bind(run_id)
            .bind(kind.as_str())
            .fetch_one(conn)
            .await?;
    Ok(row.try_get("n")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<RunRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// A policy's runs, newest first, but those that ended offering nothing.
pub async fn of_policy(conn: &mut Conn, policy_id: i64) -> Result<Vec<RunRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE policy_id = $1 AND status <> 'empty' ORDER BY id DESC"
    )))
    .bind(policy_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Released runs with offers still in `pending` (their release was cut off), with who released
/// each.
pub async fn released_with_unsent(conn: &mut Conn, pending: &str) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT r.id, r.released_by FROM auto_grant_run r \
         JOIN application a ON a.run_id = r.id \
         WHERE r.status = 'released' AND r.released_by IS NOT NULL AND a.status = $1 ORDER BY r.id",
    )
    .bind(pending)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("released_by")?)))
        .collect()
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
