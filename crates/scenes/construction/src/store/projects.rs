//! `construction_project`.

use super::{optional_time, required_time};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::in_list;
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub enterprise_id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region_code: String,
    pub name: String,
    pub parcel: String,
    pub location: String,
    pub investment: i64,
    pub floor_area: i64,
    pub agreement_no: Option<String>,
    pub land_title_no: Option<String>,
    pub land_title_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct NewProject<'a> {
    pub code: &'a str,
    pub enterprise_id: i64,
    pub region_code: &'a str,
    pub name: &'a str,
    pub parcel: &'a str,
    pub location: &'a str,
    pub investment: i64,
    pub floor_area: i64,
    pub agreement_no: Option<&'a str>,
    pub land_title_no: Option<&'a str>,
    pub registered_by: i64,
    pub submit_key: Option<&'a str>,
}

const SELECT: &str = "SELECT p.id, p.code, p.enterprise_id, e.credit_code, e.name AS enterprise_name, \
     p.region_code, p.name, p.parcel, p.location, p.investment, p.floor_area, p.agreement_no, \
     p.land_title_no, p.land_title_at, p.created_at \
     FROM construction_project p JOIN enterprise e ON e.id = p.enterprise_id";

fn from_row(r: &AnyRow) -> Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        enterprise_id: r.try_get("enterprise_id")?,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("enterprise_name")?,
        region_code: r.try_get("region_code")?,
        name: r.try_get("name")?,
        parcel: r.try_get("parcel")?,
        location: r.try_get("location")?,
        investment: r.try_get("investment")?,
        floor_area: r.try_get("floor_area")?,
        agreement_no: r.try_get("agreement_no")?,
        land_title_no: r.try_get("land_title_no")?,
        land_title_at: optional_time(r, "land_title_at")?,
        created_at: required_time(r, "created_at")?,
    })
}

pub async fn insert(conn: &mut Conn, p: &NewProject<'_>, now: DateTime<Utc>) -> Result<i64> {
    let land_title_at = p.land_title_no.map(|_| time::to_text(now));
    let row = sqlx::query(
        "INSERT INTO construction_project (code, enterprise_id, region_code, name, parcel, \
         location, investment, floor_area, agreement_no, land_title_no, land_title_at, \
         registered_by, submit_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
    )
    .bind(p.code)
    .bind(p.enterprise_id)
    .bind(p.region_code)
    .bind(p.name)
    .bind(p.parcel)
    .bind(p.location)
    .bind(p.investment)
    .bind(p.floor_area)
    .bind(p.agreement_no)
    .bind(p.land_title_no)
    .bind(land_title_at)
    .bind(p.registered_by)
    .bind(p.submit_key)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn by_code(conn: &mut Conn, code: &str) -> Result<Option<ProjectRow>> {
    let sql = format!("{SELECT} WHERE p.code = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_submit_key(
    conn: &mut Conn,
    enterprise_id: i64,
    key: &str,
) -> Result<Option<ProjectRow>> {
    let sql = format!("{SELECT} WHERE p.enterprise_id = $1 AND p.submit_key = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(enterprise_id)
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The projects of these enterprises (by credit code), newest first.
pub async fn of_enterprises(conn: &mut Conn, codes: &[&str]) -> Result<Vec<ProjectRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} WHERE e.credit_code IN ({}) ORDER BY p.id DESC",
        in_list(1, codes.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for code in codes {
        q = q.bind(*code);
    }
    q.fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Every project whose region starts with `prefix` ("" for all), newest first.
pub async fn in_region(conn: &mut Conn, prefix: &str) -> Result<Vec<ProjectRow>> {
    let sql = format!("{SELECT} WHERE p.region_code LIKE $1 ORDER BY p.id DESC");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(format!("{prefix}%"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Records the land's title; false when the project already has one.
pub async fn set_land_title(
    conn: &mut Conn,
    id: i64,
    title: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_project SET land_title_no = $1, land_title_at = $2, updated_at = $2 \
         WHERE id = $3 AND land_title_no IS NULL",
    )
    .bind(title)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the project's row until the transaction ends: a decision that depends on the land's
/// title and the title's registration are made one after the other.
pub async fn lock(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE construction_project SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
