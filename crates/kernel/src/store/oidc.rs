//! Single sign-on records: sign-ins waiting for the provider's answer, and the links between a
//! provider's subjects and accounts.

use crate::store::{Conn, Result, time};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A sign-in sent to the provider, kept until its answer comes back (or it expires).
pub struct Attempt {
    pub pkce_verifier: String,
    pub nonce: String,
    pub next_path: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_attempt(conn: &mut Conn, state_hash: &str, attempt: &Attempt) -> Result<()> {
    sqlx::query(
        "INSERT INTO oidc_attempt (state_hash, pkce_verifier, nonce, next_path, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(state_hash)
    .bind(&attempt.pkce_verifier)
    .bind(&attempt.nonce)
    .bind(&attempt.next_path)
    .bind(time::to_text(attempt.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes and returns the attempt with this state: each answer of the provider is used once.
pub async fn take_attempt(conn: &mut Conn, state_hash: &str) -> Result<Option<Attempt>> {
    let row = sqlx::query(
        "DELETE FROM oidc_attempt WHERE state_hash = $1 \
         RETURNING pkce_verifier, nonce, next_path, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let expires: String = r.try_get("expires_at")?;
        Ok(Attempt {
            pkce_verifier: r.try_get("pkce_verifier")?,
            nonce: r.try_get("nonce")?,
            next_path: r.try_get("next_path")?,
            expires_at: time::from_text(&expires)?,
        })
    })
    .transpose()
}

/// Forgets the attempts nobody finished.
pub async fn delete_expired_attempts(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM oidc_attempt WHERE expires_at <= $1")
        .bind(time::to_text(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// A provider's subject linked (or proposed to be linked) to an account.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub user_id: i64,
    pub matched_by: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub ticket_expires: Option<DateTime<Utc>>,
}

const LINK_COLUMNS: &str = "SELECT id, issuer, subject, user_id, matched_by, created_at, \
                            confirmed_at, ticket_expires FROM oidc_link";

fn link_from_row(row: &AnyRow) -> Result<Link> {
    let created: String = row.try_get("created_at")?;
    let confirmed: Option<String> = row.try_get("confirmed_at")?;
    let ticket_expires: Option<String> = row.try_get("ticket_expires")?;
    Ok(Link {
        id: row.try_get("id")?,
        issuer: row.try_get("issuer")?,
        subject: row.try_get("subject")?,
        user_id: row.try_get("user_id")?,
        matched_by: row.try_get("matched_by")?,
        created_at: time::from_text(&created)?,
        confirmed_at: confirmed.as_deref().map(time::from_text).transpose()?,
        ticket_expires: ticket_expires.as_deref().map(time::from_text).transpose()?,
    })
}

pub async fn find_link(conn: &mut Conn, issuer: &str, subject: &str) -> Result<Option<Link>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LINK_COLUMNS} WHERE issuer = $1 AND subject = $2"
    )))
    .bind(issuer)
    .bind(subject)
    .fetch_optional(conn)
    .await?;
    row.map(|r| link_from_row(&r)).transpose()
}

pub async fn get_link(conn: &mut Conn, id: i64) -> Result<Option<Link>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{LINK_COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| link_from_row(&r)).transpose()
}

pub async fn find_by_ticket(conn: &mut Conn, ticket_hash: &str) -> Result<Option<Link>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LINK_COLUMNS} WHERE ticket_hash = $1"
    )))
    .bind(ticket_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|r| link_from_row(&r)).transpose()
}

/// Every link, newest first (the administrator's list).
pub async fn list_links(conn: &mut Conn) -> Result<Vec<Link>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LINK_COLUMNS} ORDER BY id DESC"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(link_from_row).collect()
}

pub async fn links_of_user(conn: &mut Conn, user_id: i64) -> Result<Vec<Link>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LINK_COLUMNS} WHERE user_id = $1 ORDER BY id"
    )))
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(link_from_row).collect()
}

/// A proposed link: a new pending one, or the pending one of the same subject with a fresh
/// ticket (the person signed in again before confirming).
pub struct Proposal<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub user_id: i64,
    pub matched_by: &'a str,
    pub ticket_hash: &'a str,
    pub ticket_expires: DateTime<Utc>,
}

pub async fn propose(conn: &mut Conn, p: &Proposal<'_>, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO oidc_link (issuer, subject, user_id, matched_by, created_at, ticket_hash, \
         ticket_expires) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (issuer, subject) DO UPDATE SET user_id = excluded.user_id, \
         matched_by = excluded.matched_by, ticket_hash = excluded.ticket_hash, \
         ticket_expires = excluded.ticket_expires WHERE oidc_link.confirmed_at IS NULL",
    )
    .bind(p.issuer)
    .bind(p.subject)
    .bind(p.user_id)
    .bind(p.matched_by)
    .bind(time::to_text(now))
    .bind(p.ticket_hash)
    .bind(time::to_text(p.ticket_expires))
    .execute(conn)
    .await?;
    Ok(())
}

/// Confirms a pending link; false when it was no longer pending (confirmed or removed meanwhile).
pub async fn confirm(
    conn: &mut Conn,
    id: i64,
    confirmed_by: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE oidc_link SET confirmed_at = $1, confirmed_by = $2, ticket_hash = NULL, \
         ticket_expires = NULL WHERE id = $3 AND confirmed_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(confirmed_by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_link(conn: &mut Conn, id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM oidc_link WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The enabled accounts that have a phone number, with it as typed (numbers are compared
/// normalised, since "138-0000-0001" and "13800000001" are one number).
pub async fn enabled_users_with_phone(conn: &mut Conn) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, phone FROM app_user WHERE phone IS NOT NULL AND disabled = 0 ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("phone")?)))
        .collect()
}

/// The enabled accounts of an enterprise's own people (not its stewards), by credit code.
pub async fn enabled_members_of_enterprise(conn: &mut Conn, credit_code: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT u.id FROM app_user u JOIN user_enterprise ue ON ue.user_id = u.id \
         JOIN enterprise e ON e.id = ue.enterprise_id \
         WHERE e.credit_code = $1 AND ue.relation = $2 AND u.disabled = 0 ORDER BY u.id",
    )
    .bind(credit_code)
    .bind(crate::store::users::Relation::Member.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}
