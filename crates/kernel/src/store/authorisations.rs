//! 亲情代办 authorisations: an enterprise lets an account act for it on some matters until a
//! date. Rows are kept after revocation, so the history of who could act stays readable.

use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorisation {
    pub id: i64,
    pub credit_code: CreditCode,
    pub enterprise_name: String,
    pub grantee_id: i64,
    pub grantee_name: String,
    pub grantee_role: Role,
    /// Matter keys, as declared by the kernel and the scenes.
    pub matters: Vec<String>,
    pub valid_until: NaiveDate,
    pub granted_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NewAuthorisation<'a> {
    pub enterprise_id: i64,
    pub grantee_id: i64,
    pub matters: &'a [String],
    pub valid_until: NaiveDate,
    pub granted_by: Option<i64>,
}

pub async fn insert(
    conn: &mut Conn,
    new: &NewAuthorisation<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO authorisation (enterprise_id, grantee_id, matters, valid_until, granted_by, \
         granted_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.enterprise_id)
    .bind(new.grantee_id)
    .bind(new.matters.join(","))
    .bind(time::date_to_text(new.valid_until))
    .bind(new.granted_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const SELECT: &str = "SELECT a.id, e.credit_code, e.name AS enterprise_name, a.grantee_id, \
     u.display_name AS grantee_name, u.role AS grantee_role, a.matters, a.valid_until, \
     a.granted_at, a.revoked_at FROM authorisation a \
     JOIN enterprise e ON e.id = a.enterprise_id JOIN app_user u ON u.id = a.grantee_id";

/// An enterprise's authorisations, newest first.
pub async fn of_enterprise(conn: &mut Conn, enterprise_id: i64) -> Result<Vec<Authorisation>> {
    let sql = format!("{SELECT} WHERE a.enterprise_id = $1 ORDER BY a.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(enterprise_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The authorisations held by an account that are neither revoked nor past `today`.
pub async fn in_force_for(
    conn: &mut Conn,
    grantee_id: i64,
    today: NaiveDate,
) -> Result<Vec<Authorisation>> {
    let sql = format!(
        "{SELECT} WHERE a.grantee_id = $1 AND a.revoked_at IS NULL AND a.valid_until >= $2 \
         ORDER BY a.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(grantee_id)
        .bind(time::date_to_text(today))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The latest authorisation an enterprise gave an account, in force or not.
pub async fn latest(
    conn: &mut Conn,
    grantee_id: i64,
    enterprise_id: i64,
) -> Result<Option<Authorisation>> {
    let sql = format!(
        "{SELECT} WHERE a.grantee_id = $1 AND a.enterprise_id = $2 ORDER BY a.id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(grantee_id)
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Authorisation>> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Revokes one authorisation unless it already is; true when this call revoked it.
pub async fn revoke(conn: &mut Conn, id: i64, by: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE authorisation SET revoked_by = $1, revoked_at = $2 \
         WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(by)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every unrevoked authorisation an enterprise gave an account (its steward is
/// unassigned); returns how many.
pub async fn revoke_all_of(
    conn: &mut Conn,
    grantee_id: i64,
    enterprise_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE authorisation SET revoked_by = $1, revoked_at = $2 \
         WHERE grantee_id = $3 AND enterprise_id = $4 AND revoked_at IS NULL",
    )
    .bind(by)
    .bind(time::to_text(now))
    .bind(grantee_id)
    .bind(enterprise_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

fn from_row(row: &AnyRow) -> Result<Authorisation> {
    let code: String = row.try_get("credit_code")?;
    let matters: String = row.try_get("matters")?;
    let until: String = row.try_get("valid_until")?;
    let granted_at: String = row.try_get("granted_at")?;
    let revoked_at: Option<String> = row.try_get("revoked_at")?;
    let role: String = row.try_get("grantee_role")?;
    Ok(Authorisation {
        id: row.try_get("id")?,
        credit_code: stored("enterprise.credit_code", CreditCode::parse(&code))?,
        enterprise_name: row.try_get("enterprise_name")?,
        grantee_id: row.try_get("grantee_id")?,
        grantee_name: row.try_get("grantee_name")?,
        grantee_role: stored("app_user.role", Role::parse(&role).ok_or(role.clone()))?,
        matters: matters
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
        valid_until: time::date_from_text(&until)?,
        granted_at: time::from_text(&granted_at)?,
        revoked_at: revoked_at.as_deref().map(time::from_text).transpose()?,
    })
}
