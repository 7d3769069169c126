//! User accounts. Each account holds one role in one organisation; enterprise users and stewards
//! are linked to the enterprises they act for.

use crate::store::sql::{in_list, statement_batches};
use crate::store::{Conn, Result, stored, time};
use chrono::{DateTime, Utc};
use qinqing_domain::CreditCode;
use qinqing_domain::org::Role;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub org_id: i64,
    pub role: Role,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub must_change_password: bool,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub phone: Option<&'a str>,
    pub password_hash: &'a str,
    pub org_id: i64,
    pub role: Role,
    pub must_change_password: bool,
}

/// How a user is linked to an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Member,
    Steward,
}

impl Relation {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Relation::Member => "member",
            Relation::Steward => "steward",
        }
    }
}

pub async fn insert(conn: &mut Conn, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<i64> {
    let now = time::to_text(now);
    let row = sqlx::query(
        "INSERT INTO app_user (username, display_name, phone, password_hash, org_id, role, \
         must_change_password, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.phone)
    .bind(user.password_hash)
    .bind(user.org_id)
    .bind(user.role.as_str())
    .bind(i64::from(user.must_change_password))
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const COLUMNS: &str = "SELECT id, username, display_name, phone, password_hash, org_id, role, \
                       failed_logins, locked_until, disabled, must_change_password FROM app_user";

pub async fn find_by_username(conn: &mut Conn, username: &str) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn list(conn: &mut Conn) -> Result<Vec<User>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} ORDER BY id")))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The enabled users holding one of `roles` (the people a warning or a request for confirmation
/// goes to): read by role, not by walking every enterprise account.
pub async fn enabled_with_roles(conn: &mut Conn, roles: &[Role]) -> Result<Vec<User>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{COLUMNS} WHERE disabled = 0 AND role IN ({}) ORDER BY id",
        in_list(1, roles.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for role in roles {
        query = query.bind(role.as_str());
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Records a failed login: the new failure count and, once the back-off starts, until when the
/// account refuses further attempts.
pub async fn record_failed_login(
    conn: &mut Conn,
    id: i64,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("UPDATE app_user SET failed_logins = $1, locked_until = $2 WHERE id = $3")
        .bind(failed_logins)
        .bind(locked_until.map(time::to_text))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear_failed_logins(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a new password hash; an administrator's reset also clears the lock-out and makes the
/// user choose a new password at next login.
pub async fn set_password(
    conn: &mut Conn,
    id: i64,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE app_user SET password_hash = $1, must_change_password = $2, \
         password_changed_at = $3, failed_logins = 0, locked_until = NULL WHERE id = $4",
    )
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(conn: &mut Conn, id: i64, role: Role) -> Result<()> {
    sqlx::query("UPDATE app_user SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn disable(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE app_user SET disabled = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many enabled accounts an organisation holds.
pub async fn enabled_in_org(conn: &mut Conn, org_id: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM app_user WHERE org_id = $1 AND disabled = 0")
            .bind(org_id)
            .fetch_one(conn)
            .await?
            .try_get("n")?,
    )
}

pub async fn link_enterprise(
    conn: &mut Conn,
    user_id: i64,
    enterprise_id: i64,
    relation: Relation,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_enterprise (user_id, enterprise_id, relation) VALUES ($1, $2, $3)",
    )
    .bind(user_id)
    .bind(enterprise_id)
    .bind(relation.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// The credit codes of the enterprises a user acts for.
pub async fn linked_enterprises(conn: &mut Conn, user_id: i64) -> Result<Vec<CreditCode>> {
    let rows = sqlx::query(
        "SELECT e.credit_code FROM user_enterprise ue JOIN enterprise e ON e.id = ue.enterprise_id \
         WHERE ue.user_id = $1 ORDER BY e.credit_code",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("credit_code")?;
            stored("enterprise.credit_code", CreditCode::parse(&code))
        })
        .collect()
}

fn from_row(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    let locked_until: Option<String> = row.try_get("locked_until")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        phone: row.try_get("phone")?,
        password_hash: row.try_get("password_hash")?,
        org_id: row.try_get("org_id")?,
        role: stored("app_user.role", Role::parse(&role).ok_or(role.clone()))?,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: locked_until.as_deref().map(time::from_text).transpose()?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

/// The users who act for an enterprise (its own users and its stewards), to tell them news of
/// its cases.
pub async fn of_enterprise(conn: &mut Conn, enterprise_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT user_id FROM user_enterprise WHERE enterprise_id = $1 ORDER BY user_id",
    )
    .bind(enterprise_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("user_id")?)).collect()
}

/// The users who act for each of these enterprises, as (enterprise, user) pairs in that order:
/// whom a chunk of long work tells, in one query.
pub async fn of_enterprises(conn: &mut Conn, enterprise_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    let mut pairs = Vec::new();
    for chunk in statement_batches(enterprise_ids, 1) {
        let sql = format!(
            "SELECT enterprise_id, user_id FROM user_enterprise WHERE enterprise_id IN ({}) \
             ORDER BY enterprise_id, user_id",
            in_list(1, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            pairs.push((row.try_get("enterprise_id")?, row.try_get("user_id")?));
        }
    }
    Ok(pairs)
}

/// Whether `user_id` is linked to the enterprise as `relation`.
pub async fn is_linked(
    conn: &mut Conn,
    user_id: i64,
    enterprise_id: i64,
    relation: Relation,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS found FROM user_enterprise \
         WHERE user_id = $1 AND enterprise_id = $2 AND relation = $3",
    )
    .bind(user_id)
    .bind(enterprise_id)
    .bind(relation.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// Removes a steward's link to an enterprise; true when there was one.
pub async fn unlink_steward(conn: &mut Conn, user_id: i64, enterprise_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM user_enterprise WHERE user_id = $1 AND enterprise_id = $2 AND relation = $3",
    )
    .bind(user_id)
    .bind(enterprise_id)
    .bind(Relation::Steward.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One steward serving one enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StewardAssignment {
    pub steward_id: i64,
    pub steward_name: String,
    pub credit_code: CreditCode,
    pub enterprise_name: String,
}

/// Steward assignments, by steward then enterprise; of one enterprise when `enterprise_id` is set.
pub async fn steward_assignments(
    conn: &mut Conn,
    enterprise_id: Option<i64>,
) -> Result<Vec<StewardAssignment>> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, e.credit_code, e.name FROM user_enterprise ue \
         JOIN app_user u ON u.id = ue.user_id JOIN enterprise e ON e.id = ue.enterprise_id \
         WHERE ue.relation = $1 AND ($2 = 0 OR ue.enterprise_id = $2) \
         ORDER BY u.display_name, u.id, e.name",
    )
    .bind(Relation::Steward.as_str())
    .bind(enterprise_id.unwrap_or(0))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("credit_code")?;
            Ok(StewardAssignment {
                steward_id: r.try_get("id")?,
                steward_name: r.try_get("display_name")?,
                credit_code: stored("enterprise.credit_code", CreditCode::parse(&code))?,
                enterprise_name: r.try_get("name")?,
            })
        })
        .collect()
}

/// The enabled enterprise-user accounts with this phone number.
pub async fn enterprise_users_by_phone(conn: &mut Conn, phone: &str) -> Result<Vec<User>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE phone = $1 AND role = $2 AND disabled = 0 ORDER BY id"
    )))
    .bind(phone)
    .bind(Role::EnterpriseUser.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}
