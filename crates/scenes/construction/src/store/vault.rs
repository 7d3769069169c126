//! `construction_vault_item` (数据云柜) and `construction_case_material`.

use super::required_time;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct VaultRow {
    pub id: i64,
    pub material: String,
    /// A licence issued on the platform; `None` for an uploaded file.
    pub licence_no: Option<String>,
    pub valid_until: Option<NaiveDate>,
    pub added_at: DateTime<Utc>,
    /// The uploaded file's name (none for a licence).
    pub file_name: Option<String>,
}

/// What a case was applied with, material by material.
#[derive(Debug, Clone)]
pub struct CaseMaterialRow {
    pub material: String,
    pub item: VaultRow,
}

// The statements below only append fixed text to SELECT; every value is bound.
/// An uploaded item owns exactly one file, ('construction_vault', its id).
const SELECT: &str = "SELECT v.id, v.material, v.licence_no, v.valid_until, v.added_at, \
     a.file_name FROM construction_vault_item v \
     LEFT JOIN attachment a ON a.owner_type = 'construction_vault' \
     AND a.owner_id = CAST(v.id AS TEXT) AND a.removed_at IS NULL";

fn from_row(r: &AnyRow) -> Result<VaultRow> {
    Ok(VaultRow {
        id: r.try_get("id")?,
        material: r.try_get("material")?,
        licence_no: r.try_get("licence_no")?,
        valid_until: r
            .try_get::<Option<String>, _>("valid_until")?
            .map(|d| time::date_from_text(&d))
            .transpose()?,
        added_at: required_time(r, "added_at")?,
        file_name: r.try_get("file_name")?,
    })
}

/// The project's items in force (one per material, expired ones included), by material.
pub async fn live(conn: &mut Conn, project_id: i64) -> Result<Vec<VaultRow>> {
    let sql = format!(
        "{SELECT} WHERE v.project_id = $1 AND v.replaced_at IS NULL ORDER BY v.material, v.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// One item of the project, replaced or not.
pub async fn get(conn: &mut Conn, project_id: i64, id: i64) -> Result<Option<VaultRow>> {
    let sql = format!("{SELECT} WHERE v.project_id = $1 AND v.id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Files a new item of `material`, replacing the one in force; returns its id.
pub async fn file(
    conn: &mut Conn,
    (project_id, material): (i64, &str),
    (licence_no, valid_until): (Option<&str>, Option<NaiveDate>),
    added_by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    sqlx::query(
        "UPDATE construction_vault_item SET replaced_at = $1 \
         WHERE project_id = $2 AND material = $3 AND replaced_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(project_id)
    .bind(material)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "INSERT INTO construction_vault_item \
         (project_id, material, licence_no, valid_until, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(material)
    .bind(licence_no)
    .bind(valid_until.map(time::date_to_text))
    .bind(added_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Records that `case_id` was applied with `item_id` as its `material` (in place of another
/// item, when the enterprise filed a newer one before the case was taken in).
pub async fn record_case_material(
    conn: &mut Conn,
    case_id: i64,
    material: &str,
    item_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO construction_case_material (case_id, material, vault_item_id) \
         VALUES ($1, $2, $3) \
         ON CONFLICT (case_id, material) DO UPDATE SET vault_item_id = excluded.vault_item_id",
    )
    .bind(case_id)
    .bind(material)
    .bind(item_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The materials a case was applied with.
pub async fn of_case(conn: &mut Conn, case_id: i64) -> Result<Vec<CaseMaterialRow>> {
    let sql = format!(
        "{SELECT} JOIN construction_case_material m ON m.vault_item_id = v.id \
         WHERE m.case_id = $1 ORDER BY v.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let item = from_row(r)?;
            Ok(CaseMaterialRow {
                material: item.material.clone(),
                item,
            })
        })
        .collect()
}
