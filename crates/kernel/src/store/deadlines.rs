//! Time limits and their graded warnings as stored.

use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Grade, LimitUnit};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Running,
    Paused,
    Stopped,
}

impl State {
    fn as_str(&self) -> &'static str {
        match self {
            State::Running => "running",
            State::Paused => "paused",
            State::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(State::Running),
            "paused" => Some(State::Paused),
            "stopped" => Some(State::Stopped),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Deadline {
    pub id: i64,
    pub object_type: String,
    pub object_id: String,
    pub kind: String,
    pub label: String,
    pub region_code: String,
    pub side: String,
    pub unit: LimitUnit,
    pub amount: i64,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub state: State,
    pub paused_at: Option<DateTime<Utc>>,
    /// The department answering for the clock, if one does.
    pub org_id: Option<i64>,
}

pub struct NewDeadline<'a> {
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub kind: &'a str,
    pub label: &'a str,
    pub region_code: &'a str,
    pub side: &'a str,
    pub unit: LimitUnit,
    pub amount: i64,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub org_id: Option<i64>,
}

pub async fn insert(conn: &mut Conn, d: &NewDeadline<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO deadline (object_type, object_id, kind, label, region_code, side, unit, \
         amount, started_at, due_at, org_id, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, 'running') RETURNING id",
    )
    .bind(d.object_type)
    .bind(d.object_id)
    .bind(d.kind)
    .bind(d.label)
    .bind(d.region_code)
    .bind(d.side)
    .bind(d.unit.as_str())
    .bind(d.amount)
    .bind(time::to_text(d.started_at))
    .bind(time::to_text(d.due_at))
    .bind(d.org_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub(crate) const COLUMNS: &str = "SELECT id, object_type, object_id, kind, label, region_code, side, unit, \
    amount, started_at, due_at, state, paused_at, org_id FROM deadline";

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Deadline>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn for_object(
    conn: &mut Conn,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<Deadline>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE object_type = $1 AND object_id = $2 ORDER BY id"
    )))
    .bind(object_type)
    .bind(object_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The clocks of several objects of one type in one statement (a page of a list), by object id,
/// each object's in order; objects without clocks are absent.
pub async fn for_objects(
    conn: &mut Conn,
    object_type: &str,
    object_ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<Deadline>>> {
    let mut out: std::collections::HashMap<String, Vec<Deadline>> = Default::default();
    if object_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "{COLUMNS} WHERE object_type = $1 AND object_id IN ({}) ORDER BY id",
        crate::store::sql::in_list(2, object_ids.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(object_type);
    for id in object_ids {
        query = query.bind(*id);
    }
    for row in query.fetch_all(conn).await? {
        let clock = from_row(&row)?;
        out.entry(clock.object_id.clone()).or_default().push(clock);
    }
    Ok(out)
}

/// Hands the open clocks of an object to another department (a request transferred).
pub async fn reassign(
    conn: &mut Conn,
    object_type: &str,
    object_id: &str,
    org_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE deadline SET org_id = $1 WHERE object_type = $2 AND object_id = $3 \
         AND state <> 'stopped'",
    )
    .bind(org_id)
    .bind(object_type)
    .bind(object_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a deadline to another state, with the times that go with it.
pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    state: State,
    due_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<()> {
    let (paused, stopped) = match state {
        State::Paused => (Some(time::to_text(at)), None),
        State::Stopped => (None, Some(time::to_text(at))),
        State::Running => (None, None),
    };
    sqlx::query("UPDATE deadline SET state = $1, due_at = $2, paused_at = $3, stopped_at = $4 WHERE id = $5")
        .bind(state.as_str())
        .bind(time::to_text(due_at))
        .bind(paused)
        .bind(stopped)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Deadline> {
    let unit: String = r.try_get("unit")?;
    let state: String = r.try_get("state")?;
    let paused: Option<String> = r.try_get("paused_at")?;
    Ok(Deadline {
        id: r.try_get("id")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        kind: r.try_get("kind")?,
        label: r.try_get("label")?,
        region_code: r.try_get("region_code")?,
        side: r.try_get("side")?,
        unit: stored("deadline.unit", LimitUnit::parse(&unit).ok_or(unit.clone()))?,
        amount: r.try_get("amount")?,
        started_at: time::from_text(&r.try_get::<String, _>("started_at")?)?,
        due_at: time::from_text(&r.try_get::<String, _>("due_at")?)?,
        state: stored("deadline.state", State::parse(&state).ok_or(state.clone()))?,
        paused_at: paused.as_deref().map(time::from_text).transpose()?,
        org_id: r.try_get("org_id")?,
    })
}

#[derive(Debug, Clone)]
pub struct Warning {
    pub id: i64,
    pub deadline_id: i64,
    pub grade: Grade,
    pub fire_at: DateTime<Utc>,
    pub fired_at: Option<DateTime<Utc>>,
    pub acted_at: Option<DateTime<Utc>>,
    pub act_note: Option<String>,
    /// Set when the warning's own recipients were nobody and it went up the ladder.
    pub climbed: Option<Climb>,
}

/// Where a warning went when nobody of its own grade's recipients could be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Climb {
    /// The recipients of this higher grade were told instead.
    To(Grade),
    /// No one on the whole ladder could be told.
    Nobody,
}

impl Climb {
    fn as_str(self) -> &'static str {
        match self {
            Climb::To(grade) => grade.as_str(),
            Climb::Nobody => "nobody",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "nobody" => Some(Climb::Nobody),
            grade => Grade::parse(grade).map(Climb::To),
        }
    }

    /// Who was told instead, as supervisors read it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Climb::To(Grade::Reminder | Grade::Warning) => "已转部门负责人",
            Climb::To(Grade::Demand) => "已转监督部门",
            Climb::To(Grade::Escalated) => "已转纪检监察",
            Climb::Nobody => "无人可通知",
        }
    }
}

/// Schedules (or reschedules) a grade of warning; an already fired warning keeps its time.
pub async fn schedule_warning(
    conn: &mut Conn,
    deadline_id: i64,
    grade: Grade,
    fire_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deadline_warning (deadline_id, grade, fire_at) VALUES ($1, $2, $3) \
         ON CONFLICT (deadline_id, grade) DO UPDATE SET fire_at = excluded.fire_at \
         WHERE deadline_warning.fired_at IS NULL",
    )
    .bind(deadline_id)
    .bind(grade.as_str())
    .bind(time::to_text(fire_at))
    .execute(conn)
    .await?;
    Ok(())
}

const WARNING_COLUMNS: &str = "SELECT id, deadline_id, grade, fire_at, fired_at, acted_at, act_note, climbed_to FROM deadline_warning";

pub async fn warnings(conn: &mut Conn, deadline_id: i64) -> Result<Vec<Warning>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{WARNING_COLUMNS} WHERE deadline_id = $1 ORDER BY fire_at"
    )))
    .bind(deadline_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(warning_from_row).collect()
}

pub async fn warning(conn: &mut Conn, id: i64) -> Result<Option<Warning>> {
    let row = sqlx::query(AssertSqlSafe(format!("{WARNING_COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| warning_from_row(&r)).transpose()
}

/// Unfired warnings of running deadlines whose time has come, oldest first.
pub async fn due_warnings(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> Result<Vec<Warning>> {
    let rows = sqlx::query(
        "SELECT w.id, w.deadline_id, w.grade, w.fire_at, w.fired_at, w.acted_at, w.act_note, \
         w.climbed_to FROM deadline_warning w JOIN deadline d ON d.id = w.deadline_id \
         WHERE w.fired_at IS NULL AND w.fire_at <= $1 AND d.state = 'running' \
         ORDER BY w.fire_at LIMIT $2",
    )
    .bind(time::to_text(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(warning_from_row).collect()
}

/// Marks a warning fired unless someone already did; true if this call fired it. The condition
/// makes the claim atomic on both databases: of two concurrent claims one updates the row and
/// the other, once the first commits, finds `fired_at` set and updates nothing.
pub async fn claim(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done =
        sqlx::query("UPDATE deadline_warning SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL")
            .bind(time::to_text(now))
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a fired warning went up the ladder because its own recipients were nobody.
pub async fn record_climb(conn: &mut Conn, id: i64, climb: Climb) -> Result<()> {
    sqlx::query("UPDATE deadline_warning SET climbed_to = $1 WHERE id = $2")
        .bind(climb.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records who acted on a fired warning; false if it was not fired or already acted on.
pub async fn act(
    conn: &mut Conn,
    id: i64,
    user_id: i64,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE deadline_warning SET acted_at = $1, acted_by = $2, act_note = $3 \
         WHERE id = $4 AND fired_at IS NOT NULL AND acted_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(user_id)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels the unfired warnings of a deadline (when it is stopped, or a grade is answered).
pub async fn cancel_pending(conn: &mut Conn, deadline_id: i64, grades: &[Grade]) -> Result<()> {
    for grade in grades {
        sqlx::query("DELETE FROM deadline_warning WHERE deadline_id = $1 AND grade = $2 AND fired_at IS NULL")
            .bind(deadline_id)
            .bind(grade.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) const FIRED_COLUMNS: &str = "SELECT w.id AS w_id, w.deadline_id, w.grade, w.fire_at, w.fired_at, \
    w.acted_at, w.act_note, w.climbed_to, d.id, d.object_type, d.object_id, d.kind, d.label, d.region_code, \
    d.side, d.unit, d.amount, d.started_at, d.due_at, d.state, d.paused_at, d.org_id \
    FROM deadline_warning w JOIN deadline d ON d.id = w.deadline_id WHERE w.fired_at IS NOT NULL";

fn grade_list(grades: &[Grade]) -> String {
    let list: Vec<String> = grades.iter().map(|g| format!("'{}'", g.as_str())).collect();
    list.join(", ")
}

pub(crate) fn fired_from_rows(rows: &[AnyRow]) -> Result<Vec<(Warning, Deadline)>> {
    rows.iter()
        .map(|r| {
            let mut w = warning_from_row_at(r, "w_id")?;
            w.deadline_id = r.try_get("deadline_id")?;
            Ok((w, from_row(r)?))
        })
        .collect()
}

/// Warnings of these grades fired since `since`, newest first (for workbenches, which filter
/// them by recipient: a cap here would let other people's warnings crowd out the caller's).
pub async fn fired_since(
    conn: &mut Conn,
    grades: &[Grade],
    since: DateTime<Utc>,
) -> Result<Vec<(Warning, Deadline)>> {
    let sql = format!(
        "{FIRED_COLUMNS} AND w.grade IN ({}) AND w.fired_at >= $1 ORDER BY w.fired_at DESC, w.id DESC",
        grade_list(grades)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(time::to_text(since))
        .fetch_all(conn)
        .await?;
    fired_from_rows(&rows)
}

/// Every fired warning of these grades on clocks of one object type and kind family (`kind` or
/// `kind.<sub-kind>`), newest first
/// (for the supervision of the supervisors, which must not miss an old one).
pub async fn fired_of(
    conn: &mut Conn,
    object_type: &str,
    kind: &str,
    grades: &[Grade],
) -> Result<Vec<(Warning, Deadline)>> {
    let sql = format!(
        "{FIRED_COLUMNS} AND d.object_type = $1 AND (d.kind = $2 OR d.kind LIKE $3) \
         AND w.grade IN ({}) \
         ORDER BY w.fired_at DESC, w.id DESC",
        grade_list(grades)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(object_type)
        .bind(kind)
        .bind(format!("{kind}.%"))
        .fetch_all(conn)
        .await?;
    fired_from_rows(&rows)
}

fn warning_from_row(r: &AnyRow) -> Result<Warning> {
    warning_from_row_at(r, "id")
}

fn warning_from_row_at(r: &AnyRow, id_column: &str) -> Result<Warning> {
    let grade: String = r.try_get("grade")?;
    let opt = |col: &str| -> Result<Option<DateTime<Utc>>> {
        let v: Option<String> = r.try_get(col)?;
        v.as_deref().map(time::from_text).transpose()
    };
    Ok(Warning {
        id: r.try_get(id_column)?,
        deadline_id: r.try_get("deadline_id")?,
        grade: stored(
            "deadline_warning.grade",
            Grade::parse(&grade).ok_or(grade.clone()),
        )?,
        fire_at: time::from_text(&r.try_get::<String, _>("fire_at")?)?,
        fired_at: opt("fired_at")?,
        acted_at: opt("acted_at")?,
        act_note: r.try_get("act_note")?,
        climbed: r
            .try_get::<Option<String>, _>("climbed_to")?
            .map(|c| {
                stored(
                    "deadline_warning.climbed_to",
                    Climb::parse(&c).ok_or(c.clone()),
                )
            })
            .transpose()?,
    })
}

/// Whether a clock of this kind is already running (or paused) on the object.
pub async fn open_of_kind(
    conn: &mut Conn,
    object_type: &str,
    object_id: &str,
    kind: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM deadline WHERE object_type = $1 AND object_id = $2 AND kind = $3 \
         AND state <> 'stopped'",
    )
    .bind(object_type)
    .bind(object_id)
    .bind(kind)
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}
