//! `construction_entrustment`.

use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct EntrustmentRow {
    pub id: i64,
    pub matter_code: String,
    pub from_org_id: i64,
    pub from_name: String,
    pub to_org_id: i64,
    pub to_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

pub struct NewEntrustment<'a> {
    pub matter_code: &'a str,
    pub from_org_id: i64,
    pub to_org_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_by: i64,
}

const SELECT: &str = "SELECT t.id, t.matter_code, t.from_org_id, f.name AS from_name, t.to_org_id, \
     o.name AS to_name, t.starts_on, t.ends_on FROM construction_entrustment t \
     JOIN organisation f ON f.id = t.from_org_id JOIN organisation o ON o.id = t.to_org_id";

fn from_row(r: &AnyRow) -> Result<EntrustmentRow> {
    Ok(EntrustmentRow {
        id: r.try_get("id")?,
        matter_code: r.try_get("matter_code")?,
        from_org_id: r.try_get("from_org_id")?,
        from_name: r.try_get("from_name")?,
        to_org_id: r.try_get("to_org_id")?,
        to_name: r.try_get("to_name")?,
        starts_on: time::date_from_text(&r.try_get::<String, _>("starts_on")?)?,
        ends_on: time::date_from_text(&r.try_get::<String, _>("ends_on")?)?,
    })
}

pub async fn insert(conn: &mut Conn, e: &NewEntrustment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO construction_entrustment (matter_code, from_org_id, to_org_id, starts_on, \
         ends_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.matter_code)
    .bind(e.from_org_id)
    .bind(e.to_org_id)
    .bind(time::date_to_text(e.starts_on))
    .bind(time::date_to_text(e.ends_on))
    .bind(e.created_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<EntrustmentRow>> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The entrustment of a department's matter in force on `day`, the latest made if several.
pub async fn in_force(
    conn: &mut Conn,
    matter_code: &str,
    from_org_id: i64,
    day: NaiveDate,
) -> Result<Option<EntrustmentRow>> {
    let sql = format!(
        "{SELECT} WHERE t.matter_code = $1 AND t.from_org_id = $2 AND t.starts_on <= $3 \
         AND t.ends_on >= $3 ORDER BY t.id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(matter_code)
        .bind(from_org_id)
        .bind(time::date_to_text(day))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every entrustment, newest first.
pub async fn list(conn: &mut Conn) -> Result<Vec<EntrustmentRow>> {
    let sql = format!("{SELECT} ORDER BY t.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
