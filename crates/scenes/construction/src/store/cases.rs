//! `construction_case`.

use super::{kind, optional_time, required_time};
use crate::catalogue::Stage;
use crate::status::CaseStatus;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub receipt_no: String,
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub enterprise_name: String,
    pub matter_code: String,
    pub matter_name: String,
    pub stage: Stage,
    pub org_id: i64,
    pub org_name: String,
    /// Under an entrustment: which, and the department in whose name the centre acts.
    pub entrustment_id: Option<i64>,
    pub entrusted_by: Option<i64>,
    pub entrusted_by_name: Option<String>,
    pub legal_days: i64,
    pub promised_days: i64,
    pub status: CaseStatus,
    pub note: String,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub conditions: Option<String>,
    pub lapses_on: Option<NaiveDate>,
    pub made_formal_at: Option<DateTime<Utc>>,
    /// The project's land title, if registered.
    pub project_land_title: Option<String>,
    /// The electronic licence issued on its approval.
    pub licence_no: Option<String>,
    /// The project's 建设地点.
    pub project_location: String,
    /// 容缺受理: the material taken in missing, the day it is promised by, when it came.
    pub tolerated: Option<Tolerance>,
}

/// A material a case was taken in without (容缺受理), on the enterprise's dated promise.
#[derive(Debug, Clone)]
pub struct Tolerance {
    pub material: String,
    pub supply_by: NaiveDate,
    pub supplied_at: Option<DateTime<Utc>>,
}

pub struct NewCase<'a> {
    pub receipt_no: &'a str,
    pub project_id: i64,
    pub matter_code: &'a str,
    pub matter_name: &'a str,
    pub stage: Stage,
    pub org_id: i64,
    /// The entrustment it is applied under, and the department that made it.
    pub entrustment: Option<(i64, i64)>,
    pub legal_days: u32,
    pub promised_days: u32,
    pub note: &'a str,
    pub submitted_by: i64,
}

const SELECT: &str = "SELECT c.id, c.receipt_no, c.project_id, p.code AS project_code, \
     p.name AS project_name, e.name AS enterprise_name, c.matter_code, c.matter_name, c.stage, \
     c.org_id, o.name AS org_name, c.entrustment_id, c.entrusted_by, \
     b.name AS entrusted_by_name, c.legal_days, c.promised_days, c.status, c.note, \
     c.submitted_at, c.accepted_at, c.decided_at, c.decision_note, c.conditions, c.lapses_on, \
     c.made_formal_at, p.land_title_no AS project_land_title, l.licence_no, \
     c.tolerated_material, c.supply_by, c.supplied_at, \
     p.location AS project_location \
     FROM construction_case c JOIN construction_project p ON p.id = c.project_id \
     JOIN enterprise e ON e.id = p.enterprise_id JOIN organisation o ON o.id = c.org_id \
     LEFT JOIN organisation b ON b.id = c.entrusted_by \
     LEFT JOIN construction_licence l ON l.case_id = c.id";

fn from_row(r: &AnyRow) -> Result<CaseRow> {
    let stage: String = r.try_get("stage")?;
    Ok(CaseRow {
        id: r.try_get("id")?,
        receipt_no: r.try_get("receipt_no")?,
        project_id: r.try_get("project_id")?,
        project_code: r.try_get("project_code")?,
        project_name: r.try_get("project_name")?,
        enterprise_name: r.try_get("enterprise_name")?,
        matter_code: r.try_get("matter_code")?,
        matter_name: r.try_get("matter_name")?,
        stage: qinqing_kernel::store::stored("stage", Stage::parse(&stage).ok_or(stage))?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        entrustment_id: r.try_get("entrustment_id")?,
        entrusted_by: r.try_get("entrusted_by")?,
        entrusted_by_name: r.try_get("entrusted_by_name")?,
        legal_days: r.try_get("legal_days")?,
        promised_days: r.try_get("promised_days")?,
        status: kind(r, "status")?,
        note: r.try_get("note")?,
        submitted_at: required_time(r, "submitted_at")?,
        accepted_at: optional_time(r, "accepted_at")?,
        decided_at: optional_time(r, "decided_at")?,
        decision_note: r.try_get("decision_note")?,
        conditions: r.try_get("conditions")?,
        lapses_on: r
            .try_get::<Option<String>, _>("lapses_on")?
            .map(|d| time::date_from_text(&d))
            .transpose()?,
        made_formal_at: optional_time(r, "made_formal_at")?,
        project_land_title: r.try_get("project_land_title")?,
        licence_no: r.try_get("licence_no")?,
        project_location: r.try_get("project_location")?,
        tolerated: match r.try_get::<Option<String>, _>("tolerated_material")? {
            None => None,
            Some(material) => Some(Tolerance {
                material,
                supply_by: time::date_from_text(&r.try_get::<String, _>("supply_by")?)?,
                supplied_at: optional_time(r, "supplied_at")?,
            }),
        },
    })
}

pub async fn insert(conn: &mut Conn, c: &NewCase<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_case (receipt_no, project_id, matter_code, matter_name, stage, \
         org_id, legal_days, promised_days, status, note, submitted_by, submitted_at, updated_at, \
         entrustment_id, entrusted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id",
    )
    .bind(c.receipt_no)
    .bind(c.project_id)
    .bind(c.matter_code)
    .bind(c.matter_name)
    .bind(c.stage.as_str())
    .bind(c.org_id)
    .bind(i64::from(c.legal_days))
    .bind(i64::from(c.promised_days))
    .bind(CaseStatus::Submitted.as_str())
    .bind(c.note)
    .bind(c.submitted_by)
    .bind(time::to_text(now))
    .bind(c.entrustment.map(|(id, _)| id))
    .bind(c.entrustment.map(|(_, from)| from))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn by_receipt(conn: &mut Conn, receipt_no: &str) -> Result<Option<CaseRow>> {
    let sql = format!("{SELECT} WHERE c.receipt_no = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(receipt_no)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<CaseRow>> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every case of a project, oldest first.
pub async fn of_project(conn: &mut Conn, project_id: i64) -> Result<Vec<CaseRow>> {
    let sql = format!("{SELECT} WHERE c.project_id = $1 ORDER BY c.id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(project_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The cases a department decides, open ones first, newest first within.
pub async fn of_org(conn: &mut Conn, org_id: i64) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "{SELECT} WHERE c.org_id = $1 ORDER BY CASE WHEN c.status IN ('submitted', 'accepted') \
         THEN 0 ELSE 1 END, c.id DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(org_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Takes a case in for the office `org_id`; false when it was no longer submitted or no longer
/// that office's (given back meanwhile).
pub async fn accept(
    conn: &mut Conn,
    (id, org_id): (i64, i64),
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_case SET status = $1, accepted_by = $2, accepted_at = $3, \
         updated_at = $3 WHERE id = $4 AND status = $5 AND org_id = $6",
    )
    .bind(CaseStatus::Accepted.as_str())
    .bind(by)
    .bind(time::to_text(now))
    .bind(id)
    .bind(CaseStatus::Submitted.as_str())
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a case in as [`accept`] does, with `material` missing until `supply_by` (容缺受理).
pub async fn accept_tolerating(
    conn: &mut Conn,
    (id, org_id): (i64, i64),
    (material, supply_by): (&str, NaiveDate),
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !accept(conn, (id, org_id), by, now).await? {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE construction_case SET tolerated_material = $1, supply_by = $2 WHERE id = $3",
    )
    .bind(material)
    .bind(time::date_to_text(supply_by))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Records the tolerated material supplied on a case still being examined; false when it was
/// supplied already, none was tolerated, or the case was decided meanwhile.
pub async fn supplied(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_case SET supplied_at = $1, updated_at = $1 \
         WHERE id = $2 AND tolerated_material IS NOT NULL AND supplied_at IS NULL \
         AND status = $3",
    )
    .bind(time::to_text(now))
    .bind(id)
    .bind(CaseStatus::Accepted.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A decision on an accepted case: approved, refused, or 模拟 on conditions until a date.
pub struct Decision<'a> {
    pub to: CaseStatus,
    pub note: &'a str,
    pub simulated: Option<(&'a str, NaiveDate)>,
}

/// Records the decision on an accepted case of the office `org_id`; false when it was no longer
/// accepted or no longer that office's.
pub async fn decide(
    conn: &mut Conn,
    (id, org_id): (i64, i64),
    d: &Decision<'_>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_case SET status = $1, decision_note = $2, decided_by = $3, \
         decided_at = $4, updated_at = $4, conditions = $5, lapses_on = $6 \
         WHERE id = $7 AND status = $8 AND org_id = $9",
    )
    .bind(d.to.as_str())
    .bind(d.note)
    .bind(by)
    .bind(time::to_text(now))
    .bind(d.simulated.map(|(conditions, _)| conditions))
    .bind(d.simulated.map(|(_, on)| time::date_to_text(on)))
    .bind(id)
    .bind(CaseStatus::Accepted.as_str())
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a 模拟 case on: to `approved` when the title is registered, to `lapsed` at its date;
/// false when it was no longer 模拟.
pub async fn end_simulation(
    conn: &mut Conn,
    id: i64,
    to: CaseStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    let formal_at = (to == CaseStatus::Approved).then(|| time::to_text(now));
    let done = sqlx::query(
        "UPDATE construction_case SET status = $1, made_formal_at = $2, updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(formal_at)
    .bind(time::to_text(now))
    .bind(id)
    .bind(CaseStatus::Simulated.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The 模拟 cases whose last day was before `today`.
pub async fn simulated_past(conn: &mut Conn, today: NaiveDate) -> Result<Vec<CaseRow>> {
    let sql = format!("{SELECT} WHERE c.status = $1 AND c.lapses_on < $2 ORDER BY c.id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(CaseStatus::Simulated.as_str())
        .bind(time::date_to_text(today))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Gives a case back to the department that entrusted it; false when it was not entrusted.
pub async fn give_back(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_case SET org_id = entrusted_by, entrusted_by = NULL, \
         entrustment_id = NULL, updated_at = $1 WHERE id = $2 AND entrusted_by IS NOT NULL",
    )
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open cases under entrustments that ended before `today`.
pub async fn entrusted_past(conn: &mut Conn, today: NaiveDate) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "{SELECT} JOIN construction_entrustment t ON t.id = c.entrustment_id \
         WHERE c.status IN ($2, $3) AND t.ends_on < $1 ORDER BY c.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(time::date_to_text(today))
        .bind(CaseStatus::Submitted.as_str())
        .bind(CaseStatus::Accepted.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every case of the projects of the region (`prefix` of its division code; "" for all).
pub async fn in_region(conn: &mut Conn, prefix: &str) -> Result<Vec<CaseRow>> {
    let sql = format!("{SELECT} WHERE p.region_code LIKE $1 ORDER BY c.id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(format!("{prefix}%"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What the dashboard counts of a case beyond its row.
#[derive(Debug, Clone)]
pub struct CaseTally {
    pub case_id: i64,
    pub matter_code: String,
    /// Materials it was applied with from the 云柜.
    pub given: usize,
    /// A 容缺 material was supplied on-line.
    pub supplied: bool,
    /// Its fees were paid at the counter.
    pub at_counter: bool,
}

/// The tallies of the cases of the projects of the region.
pub async fn tallies_in_region(conn: &mut Conn, prefix: &str) -> Result<Vec<CaseTally>> {
    let rows = sqlx::query(
        "SELECT c.id, c.matter_code, c.supplied_at, \
         (SELECT COUNT(*) FROM construction_case_material m WHERE m.case_id = c.id) AS given, \
         (SELECT COUNT(*) FROM construction_payment f \
          WHERE f.case_id = c.id AND f.paid_via = 'counter') AS at_counter \
         FROM construction_case c JOIN construction_project p ON p.id = c.project_id \
         WHERE p.region_code LIKE $1",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CaseTally {
                case_id: r.try_get("id")?,
                matter_code: r.try_get("matter_code")?,
                given: usize::try_from(r.try_get::<i64, _>("given")?).unwrap_or(0),
                supplied: r.try_get::<Option<String>, _>("supplied_at")?.is_some(),
                at_counter: r.try_get::<i64, _>("at_counter")? > 0,
            })
        })
        .collect()
}
