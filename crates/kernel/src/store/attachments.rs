//! Uploaded files and what they belong to. Listing never reads the content; only `content` does.

use crate::store::{Conn, Result, time};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What an attachment belongs to: ("application", receipt number), …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub kind: &'a str,
    pub id: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: i64,
    pub label: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTime<Utc>,
}

pub struct NewAttachment<'a> {
    pub owner: Owner<'a>,
    pub label: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: i64,
}

pub async fn insert(conn: &mut Conn, a: &NewAttachment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let size = i64::try_from(a.content.len()).unwrap_or(i64::MAX);
    let row = sqlx::query(
        "INSERT INTO attachment (owner_type, owner_id, label, file_name, content_type, size_bytes, \
         sha256, content, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(a.owner.kind)
    .bind(a.owner.id)
    .bind(a.label)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(size)
    .bind(a.sha256)
    .bind(a.content)
    .bind(a.uploaded_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const COLUMNS: &str = "SELECT id, label, file_name, content_type, size_bytes, sha256, uploaded_by, \
    uploaded_at FROM attachment";

fn from_row(r: &AnyRow) -> Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: r.try_get("id")?,
        label: r.try_get("label")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: time::from_text(&r.try_get::<String, _>("uploaded_at")?)?,
    })
}

/// The owner's files that were not removed, in upload order.
pub async fn list(conn: &mut Conn, owner: Owner<'_>) -> Result<Vec<AttachmentRow>> {
    let sql = format!(
        "{COLUMNS} WHERE owner_type = $1 AND owner_id = $2 AND removed_at IS NULL ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner.kind)
        .bind(owner.id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// One of the owner's files that was not removed; `None` for any other id.
pub async fn get(conn: &mut Conn, owner: Owner<'_>, id: i64) -> Result<Option<AttachmentRow>> {
    let sql = format!(
        "{COLUMNS} WHERE id = $1 AND owner_type = $2 AND owner_id = $3 AND removed_at IS NULL"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(owner.kind)
        .bind(owner.id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn content(conn: &mut Conn, id: i64) -> Result<Vec<u8>> {
    let row = sqlx::query("SELECT content FROM attachment WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("content")?)
}

/// Marks a file removed, once; false when it was removed already.
pub async fn remove(conn: &mut Conn, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE attachment SET removed_at = $1, removed_by = $2 WHERE id = $3 AND removed_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(user_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
