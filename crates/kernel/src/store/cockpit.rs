//! What the supervision cockpit reads: every clock of every scene, counted in one pass per view.

use crate::store::deadlines::{Climb, Deadline};
use crate::store::sql::{Arg, bind_all, escape_like, next};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::Grade;
use sqlx::{AssertSqlSafe, Row};

/// The clocks of one department, town and kind, counted.
#[derive(Debug, Clone)]
pub struct Tally {
    /// The department answering for the clocks, if one does.
    pub org_id: Option<i64>,
    /// The 9-digit town code of the clocks' division (shorter when the clock is district-wide).
    pub town: String,
    pub kind: String,
    /// Running or paused.
    pub open: i64,
    /// Running and due before the end of the "soon" window.
    pub due_soon: i64,
    /// Running past their due time.
    pub overdue: i64,
    /// The earliest due time of the overdue ones: the longest delay.
    pub oldest_overdue_due: Option<DateTime<Utc>>,
    /// Stopped (办结) since the start of the period.
    pub closed: i64,
    /// … of which on or before their due time.
    pub closed_on_time: i64,
}

/// The window a count covers.
pub struct Window<'a> {
    /// Only clocks whose division code starts with this (the caller's scope).
    pub region_prefix: Option<&'a str>,
    pub now: DateTime<Utc>,
    /// The end of "due soon".
    pub soon: DateTime<Utc>,
    /// The start of the period closures are counted over.
    pub since: DateTime<Utc>,
}

pub(crate) fn region_condition(window: &Window, args: &mut Vec<Arg>) -> String {
    match window.region_prefix {
        Some(prefix) => format!(
            " AND region_code LIKE {} ESCAPE '\\'",
            next(Arg::Text(format!("{}%", escape_like(prefix))), args)
        ),
        None => String::new(),
    }
}

/// Every clock in the window's scope, counted by department, town and kind: the open ones and
/// those closed in the period, each read through its own index (`deadline_cockpit`), so the
/// years of closed history a district accumulates are not scanned.
pub async fn tallies(conn: &mut Conn, window: &Window<'_>) -> Result<Vec<Tally>> {
    let mut args = Vec::new();
    let now = next(Arg::Text(time::to_text(window.now)), &mut args);
    let soon = next(Arg::Text(time::to_text(window.soon)), &mut args);
    let scope = region_condition(window, &mut args);
    let open = format!(
        "SELECT org_id, SUBSTR(region_code, 1, 9) AS town, kind, COUNT(*) AS open, \
           SUM(CASE WHEN state = 'running' AND due_at >= {now} AND due_at < {soon} THEN 1 ELSE 0 END) AS due_soon, \
           SUM(CASE WHEN state = 'running' AND due_at < {now} THEN 1 ELSE 0 END) AS overdue, \
           MIN(CASE WHEN state = 'running' AND due_at < {now} THEN due_at END) AS oldest_overdue_due, \
           0 AS closed, 0 AS closed_on_time \
         FROM deadline WHERE state IN ('running', 'paused'){scope} \
         GROUP BY org_id, SUBSTR(region_code, 1, 9), kind"
    );
    let mut tallies = read_tallies(conn, &open, &args).await?;
    let mut args = Vec::new();
    let since = next(Arg::Text(time::to_text(window.since)), &mut args);
    let scope = region_condition(window, &mut args);
    let closed = format!(
        "SELECT org_id, SUBSTR(region_code, 1, 9) AS town, kind, 0 AS open, 0 AS due_soon, \
           0 AS overdue, NULL AS oldest_overdue_due, COUNT(*) AS closed, \
           SUM(CASE WHEN stopped_at <= due_at THEN 1 ELSE 0 END) AS closed_on_time \
         FROM deadline WHERE state = 'stopped' AND stopped_at >= {since}{scope} \
         GROUP BY org_id, SUBSTR(region_code, 1, 9), kind"
    );
    tallies.extend(read_tallies(conn, &closed, &args).await?);
    Ok(tallies)
}

async fn read_tallies(conn: &mut Conn, sql: &str, args: &[Arg]) -> Result<Vec<Tally>> {
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql.to_string())), args)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let oldest: Option<String> = r.try_get("oldest_overdue_due")?;
            Ok(Tally {
                org_id: r.try_get("org_id")?,
                town: r.try_get("town")?,
                kind: r.try_get("kind")?,
                open: r.try_get("open")?,
                due_soon: r.try_get("due_soon")?,
                overdue: r.try_get("overdue")?,
                oldest_overdue_due: oldest.as_deref().map(time::from_text).transpose()?,
                closed: r.try_get("closed")?,
                closed_on_time: r.try_get("closed_on_time")?,
            })
        })
        .collect()
}

/// Clocks closed in one month (UTC, `YYYY-MM`), and how many on time.
#[derive(Debug, Clone)]
pub struct MonthClosed {
    pub month: String,
    pub closed: i64,
    pub on_time: i64,
}

/// Clocks closed per Beijing month since the window's start, oldest month first; only those of
/// department `org` when given (a department lead's cockpit).
pub async fn closed_by_month(
    conn: &mut Conn,
    window: &Window<'_>,
    org: Option<i64>,
) -> Result<Vec<MonthClosed>> {
    let mut args = Vec::new();
    let since = next(Arg::Text(time::to_text(window.since)), &mut args);
    let mut scope = region_condition(window, &mut args);
    if let Some(org) = org {
        scope.push_str(&format!(" AND org_id = {}", next(Arg::Int(org), &mut args)));
    }
    // Stored times are UTC text. From 16:00 UTC it is the next day in Beijing, so the rows are
    // counted by UTC day and by which side of 16:00 (two rows a day at most), then folded into
    // Beijing months here.
    let next_day = "CASE WHEN SUBSTR(stopped_at, 12, 2) >= '16' THEN 1 ELSE 0 END";
    let sql = format!(
        "SELECT SUBSTR(stopped_at, 1, 10) AS day, {next_day} AS next_day, COUNT(*) AS closed, \
           SUM(CASE WHEN stopped_at <= due_at THEN 1 ELSE 0 END) AS on_time \
         FROM deadline WHERE state = 'stopped' AND stopped_at >= {since}{scope} \
         GROUP BY SUBSTR(stopped_at, 1, 10), {next_day}"
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    let mut months: std::collections::BTreeMap<String, MonthClosed> = Default::default();
    for r in &rows {
        let day: String = r.try_get("day")?;
        let month = beijing_month(&day, r.try_get::<i64, _>("next_day")? == 1)?;
        let m = months.entry(month.clone()).or_insert(MonthClosed {
            month,
            closed: 0,
            on_time: 0,
        });
        m.closed += r.try_get::<i64, _>("closed")?;
        m.on_time += r.try_get::<i64, _>("on_time")?;
    }
    Ok(months.into_values().collect())
}

/// The Beijing month (`2026-12`) of a UTC day (`2026-11-30`), before or from 16:00 UTC.
fn beijing_month(utc_day: &str, from_four_pm: bool) -> Result<String> {
    let day = time::date_from_text(utc_day)?;
    let day = if from_four_pm {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.format("%Y-%m").to_string())
}

/// Which of a cell's clocks to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Open,
    DueSoon,
    Overdue,
    ClosedLate,
}

/// The clocks behind one cell of the cockpit.
pub struct CellFilter<'a> {
    pub window: Window<'a>,
    /// `Some(None)`: clocks no department answers for.
    pub org_id: Option<Option<i64>>,
    pub town: Option<&'a str>,
    /// Only clocks of these kinds (a scene's); `None`: every kind.
    pub kinds: Option<&'a [String]>,
    pub listed: Listed,
    pub limit: i64,
}

/// The clocks behind one cell, the most urgent (earliest due) first.
pub async fn clocks(conn: &mut Conn, filter: &CellFilter<'_>) -> Result<Vec<Deadline>> {
    let mut args = Vec::new();
    let w = &filter.window;
    let now = next(Arg::Text(time::to_text(w.now)), &mut args);
    let mut sql = String::from(" WHERE 1 = 1");
    sql.push_str(&match filter.listed {
        Listed::Open => " AND state <> 'stopped'".to_string(),
        Listed::Overdue => format!(" AND state = 'running' AND due_at < {now}"),
        Listed::DueSoon => {
            let soon = next(Arg::Text(time::to_text(w.soon)), &mut args);
            format!(" AND state = 'running' AND due_at >= {now} AND due_at < {soon}")
        }
        Listed::ClosedLate => {
            let since = next(Arg::Text(time::to_text(w.since)), &mut args);
            format!(" AND state = 'stopped' AND stopped_at >= {since} AND stopped_at > due_at")
        }
    });
    sql.push_str(&region_condition(w, &mut args));
    match filter.org_id {
        Some(Some(id)) => sql.push_str(&format!(" AND org_id = {}", next(Arg::Int(id), &mut args))),
        Some(None) => sql.push_str(" AND org_id IS NULL"),
        None => {}
    }
    if let Some(town) = filter.town {
        let town = next(Arg::Text(town.to_string()), &mut args);
        sql.push_str(&format!(" AND SUBSTR(region_code, 1, 9) = {town}"));
    }
    if let Some(kinds) = filter.kinds {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = kinds
            .iter()
            .map(|k| next(Arg::Text(k.clone()), &mut args))
            .collect();
        sql.push_str(&format!(" AND kind IN ({})", list.join(", ")));
    }
    let limit = next(Arg::Int(filter.limit), &mut args);
    let sql = format!(
        "{}{sql} ORDER BY due_at, id LIMIT {limit}",
        super::deadlines::COLUMNS
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    rows.iter().map(super::deadlines::from_row).collect()
}

/// A fired warning whose own recipients were nobody, with its clock.
#[derive(Debug, Clone)]
pub struct Unreached {
    pub grade: Grade,
    pub fired_at: DateTime<Utc>,
    pub climbed: Climb,
    pub org_id: Option<i64>,
    pub label: String,
    pub object_type: String,
    pub object_id: String,
}

/// Warnings fired since the window's period start that reached nobody of their own grade, newest
/// first (at most `limit`).
pub async fn unreached(conn: &mut Conn, window: &Window<'_>, limit: i64) -> Result<Vec<Unreached>> {
    let mut args = Vec::new();
    let since = next(Arg::Text(time::to_text(window.since)), &mut args);
    let scope = region_condition(window, &mut args);
    let limit = next(Arg::Int(limit), &mut args);
    let sql = format!(
        "SELECT w.grade, w.fired_at, w.climbed_to, d.org_id, d.label, d.object_type, d.object_id \
         FROM deadline_warning w JOIN deadline d ON d.id = w.deadline_id \
         WHERE w.climbed_to IS NOT NULL AND w.fired_at >= {since}{scope} \
         ORDER BY w.fired_at DESC, w.id DESC LIMIT {limit}"
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let grade: String = r.try_get("grade")?;
            let climbed: String = r.try_get("climbed_to")?;
            Ok(Unreached {
                grade: stored(
                    "deadline_warning.grade",
                    Grade::parse(&grade).ok_or(grade.clone()),
                )?,
                fired_at: time::from_text(&r.try_get::<String, _>("fired_at")?)?,
                climbed: stored(
                    "deadline_warning.climbed_to",
                    Climb::parse(&climbed).ok_or(climbed.clone()),
                )?,
                org_id: r.try_get("org_id")?,
                label: r.try_get("label")?,
                object_type: r.try_get("object_type")?,
                object_id: r.try_get("object_id")?,
            })
        })
        .collect()
}
