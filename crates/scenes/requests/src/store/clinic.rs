//! 会诊日: the monthly sessions, their attendance, agenda (hard requests) and decisions. A
//! decision's "done" report is a conditional UPDATE on an empty report, so it is made once.

use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

fn optional_time(r: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| time::from_text(&s))
        .transpose()
}

fn date(r: &AnyRow, column: &str) -> Result<NaiveDate> {
    time::date_from_text(&r.try_get::<String, _>(column)?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicDayRow {
    pub id: i64,
    pub held_on: NaiveDate,
    pub attendees: Option<String>,
    pub minutes: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: Option<DateTime<Utc>>,
}

const DAY_COLUMNS: &str =
    "SELECT id, held_on, attendees, minutes, recorded_by, recorded_at FROM clinic_day";

fn day_from_row(r: &AnyRow) -> Result<ClinicDayRow> {
    Ok(ClinicDayRow {
        id: r.try_get("id")?,
        held_on: date(r, "held_on")?,
        attendees: r.try_get("attendees")?,
        minutes: r.try_get("minutes")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: optional_time(r, "recorded_at")?,
    })
}

pub async fn get_day(conn: &mut Conn, id: i64) -> Result<Option<ClinicDayRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{DAY_COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| day_from_row(&r)).transpose()
}

/// The session held on a date, created when it is not yet there.
pub async fn day_on(conn: &mut Conn, held_on: NaiveDate, now: DateTime<Utc>) -> Result<i64> {
    sqlx::query("INSERT INTO clinic_day (held_on, created_at) VALUES ($1, $2) ON CONFLICT (held_on) DO NOTHING")
        .bind(time::date_to_text(held_on))
        .bind(time::to_text(now))
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT id FROM clinic_day WHERE held_on = $1")
        .bind(time::date_to_text(held_on))
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// Every session, latest first.
pub async fn days(conn: &mut Conn) -> Result<Vec<ClinicDayRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{DAY_COLUMNS} ORDER BY held_on DESC"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(day_from_row).collect()
}

/// Writes who was there and the minutes, replacing what was recorded before.
pub async fn record(
    conn: &mut Conn,
    id: i64,
    org_ids: &[i64],
    attendees: &str,
    minutes: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE clinic_day SET attendees = $2, minutes = $3, recorded_by = $4, recorded_at = $5 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(attendees)
    .bind(minutes)
    .bind(by)
    .bind(time::to_text(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM clinic_attendance WHERE clinic_day_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for org in org_ids {
        sqlx::query("INSERT INTO clinic_attendance (clinic_day_id, org_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*org)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The departments present: id and name.
pub async fn attendance(conn: &mut Conn, id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name FROM clinic_attendance a JOIN organisation o ON o.id = a.org_id \
         WHERE a.clinic_day_id = $1 ORDER BY o.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItemRow {
    pub id: i64,
    pub clinic_day_id: i64,
    pub held_on: NaiveDate,
    pub request_id: i64,
    pub receipt_no: String,
    pub enterprise_name: String,
    pub description: String,
    pub owner_org_id: i64,
    pub owner_name: String,
    pub reason: String,
    pub added_at: DateTime<Utc>,
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.clinic_day_id, d.held_on, i.request_id, q.receipt_no, \
    e.name AS enterprise_name, q.description, q.owner_org_id, o.name AS owner_name, i.reason, \
    i.added_at FROM clinic_agenda_item i JOIN clinic_day d ON d.id = i.clinic_day_id \
    JOIN request q ON q.id = i.request_id JOIN enterprise e ON e.id = q.enterprise_id \
    JOIN organisation o ON o.id = q.owner_org_id";

fn item_from_row(r: &AnyRow) -> Result<AgendaItemRow> {
    Ok(AgendaItemRow {
        id: r.try_get("id")?,
        clinic_day_id: r.try_get("clinic_day_id")?,
        held_on: date(r, "held_on")?,
        request_id: r.try_get("request_id")?,
        receipt_no: r.try_get("receipt_no")?,
        enterprise_name: r.try_get("enterprise_name")?,
        description: r.try_get("description")?,
        owner_org_id: r.try_get("owner_org_id")?,
        owner_name: r.try_get("owner_name")?,
        reason: r.try_get("reason")?,
        added_at: time::from_text(&r.try_get::<String, _>("added_at")?)?,
    })
}

/// Puts a request on a session's agenda; `StoreError::Duplicate` when it is already there.
pub async fn add_item(
    conn: &mut Conn,
    day_id: i64,
    request_id: i64,
    reason: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO clinic_agenda_item (clinic_day_id, request_id, reason, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(day_id)
    .bind(request_id)
    .bind(reason)
    .bind(by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Takes an item off its session's agenda while it has no decisions; false when it has.
pub async fn remove_item(conn: &mut Conn, id: i64) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM clinic_agenda_item WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM clinic_decision c WHERE c.agenda_item_id = $1)",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn item(conn: &mut Conn, id: i64) -> Result<Option<AgendaItemRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{ITEM_COLUMNS} WHERE i.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| item_from_row(&r)).transpose()
}

/// A session's agenda in the order it was set.
pub async fn items_of_day(conn: &mut Conn, day_id: i64) -> Result<Vec<AgendaItemRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{ITEM_COLUMNS} WHERE i.clinic_day_id = $1 ORDER BY i.id"
    )))
    .bind(day_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(item_from_row).collect()
}

/// The sessions a request was on the agenda of, latest first.
pub async fn items_of_request(conn: &mut Conn, request_id: i64) -> Result<Vec<AgendaItemRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{ITEM_COLUMNS} WHERE i.request_id = $1 ORDER BY d.held_on DESC"
    )))
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(item_from_row).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    pub agenda_item_id: i64,
    pub content: String,
    pub org_id: i64,
    pub org_name: String,
    pub due_on: NaiveDate,
    pub decided_at: DateTime<Utc>,
    pub done_report: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

const DECISION_COLUMNS: &str = "SELECT c.id, c.agenda_item_id, c.content, c.org_id, \
    o.name AS org_name, c.due_on, c.decided_at, c.done_report, c.done_at \
    FROM clinic_decision c JOIN organisation o ON o.id = c.org_id";

fn decision_from_row(r: &AnyRow) -> Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.try_get("id")?,
        agenda_item_id: r.try_get("agenda_item_id")?,
        content: r.try_get("content")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        due_on: date(r, "due_on")?,
        decided_at: time::from_text(&r.try_get::<String, _>("decided_at")?)?,
        done_report: r.try_get("done_report")?,
        done_at: optional_time(r, "done_at")?,
    })
}

pub struct NewDecision<'a> {
    pub agenda_item_id: i64,
    pub content: &'a str,
    pub org_id: i64,
    pub due_on: NaiveDate,
    pub decided_by: i64,
}

pub async fn insert_decision(
    conn: &mut Conn,
    d: &NewDecision<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO clinic_decision (agenda_item_id, content, org_id, due_on, decided_by, \
         decided_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(d.agenda_item_id)
    .bind(d.content)
    .bind(d.org_id)
    .bind(time::date_to_text(d.due_on))
    .bind(d.decided_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn decision(conn: &mut Conn, id: i64) -> Result<Option<DecisionRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{DECISION_COLUMNS} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| decision_from_row(&r)).transpose()
}

/// The decisions on an agenda item, in the order they were taken.
pub async fn decisions_of_item(conn: &mut Conn, item_id: i64) -> Result<Vec<DecisionRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{DECISION_COLUMNS} WHERE c.agenda_item_id = $1 ORDER BY c.id"
    )))
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decision_from_row).collect()
}

/// Records the "done" report unless one was made already; false when it was.
pub async fn mark_done(
    conn: &mut Conn,
    id: i64,
    report: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE clinic_decision SET done_report = $2, done_by = $3, done_at = $4 \
         WHERE id = $1 AND done_report IS NULL",
    )
    .bind(id)
    .bind(report)
    .bind(by)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a clinic-day decision on the request assigned the organisation something to do.
pub async fn decides_for(conn: &mut Conn, request_id: i64, org_id: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM clinic_decision c \
         JOIN clinic_agenda_item i ON i.id = c.agenda_item_id \
         WHERE i.request_id = $1 AND c.org_id = $2",
    )
    .bind(request_id)
    .bind(org_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
