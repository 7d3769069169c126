//! The organisation tree: government (district → town → village, departments under any of them),
//! banks and enterprises.

use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::DivisionCode;
use qinqing_domain::org::OrgKind;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: String,
    pub division_code: Option<DivisionCode>,
    /// False once deactivated: kept for the records, closed to new accounts and children.
    pub active: bool,
}

pub struct NewOrganisation<'a> {
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: &'a str,
    pub division_code: Option<&'a DivisionCode>,
}

pub async fn insert(conn: &mut Conn, org: &NewOrganisation<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO organisation (parent_id, kind, name, division_code, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(org.parent_id)
    .bind(org.kind.as_str())
    .bind(org.name)
    .bind(org.division_code.map(|d| d.as_str()))
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const COLUMNS: &str = "SELECT id, parent_id, kind, name, division_code, active FROM organisation";

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Organisation>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// The names of the town and village organisations holding `code` and its town (for a
/// village; departments of a town share its code), town first:
/// "东石镇 东石村"; empty when none is on the platform.
pub async fn division_path(conn: &mut Conn, code: &DivisionCode) -> Result<Vec<String>> {
    let town = match code.level() {
        qinqing_domain::region::DivisionLevel::Village => code.parent(),
        _ => None,
    }
    .unwrap_or_else(|| code.clone());
    let rows = sqlx::query(
        "SELECT name FROM organisation WHERE division_code IN ($1, $2) AND kind IN ($3, $4) \
         AND active = 1 ORDER BY division_code",
    )
    .bind(town.as_str())
    .bind(code.as_str())
    .bind(OrgKind::Town.as_str())
    .bind(OrgKind::Village.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}

/// Government organisations and banks, in tree order of insertion (enterprises are listed
/// through the enterprise register, not here).
pub async fn list_non_enterprise(conn: &mut Conn) -> Result<Vec<Organisation>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE kind <> 'enterprise' ORDER BY id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Renames an organisation.
pub async fn rename(conn: &mut Conn, id: i64, name: &str) -> Result<()> {
    sqlx::query("UPDATE organisation SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Places an organisation under another parent, with the division code it covers there.
pub async fn move_to(
    conn: &mut Conn,
    id: i64,
    parent_id: Option<i64>,
    division_code: Option<&DivisionCode>,
) -> Result<()> {
    sqlx::query("UPDATE organisation SET parent_id = $1, division_code = $2 WHERE id = $3")
        .bind(parent_id)
        .bind(division_code.map(|d| d.as_str()))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn deactivate(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE organisation SET active = 0 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many active organisations sit directly under `id`.
pub async fn active_children(conn: &mut Conn, id: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM organisation WHERE parent_id = $1 AND active = 1")
            .bind(id)
            .fetch_one(conn)
            .await?
            .try_get("n")?,
    )
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM organisation")
        .fetch_one(conn)
        .await?
        .try_get("n")?)
}

fn from_row(row: &AnyRow) -> Result<Organisation> {
    let kind: String = row.try_get("kind")?;
    let division: Option<String> = row.try_get("division_code")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        kind: stored(
            "organisation.kind",
            OrgKind::parse(&kind).ok_or(kind.clone()),
        )?,
        name: row.try_get("name")?,
        division_code: division
            .map(|d| stored("organisation.division_code", DivisionCode::parse(&d)))
            .transpose()?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}
