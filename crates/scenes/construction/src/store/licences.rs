//! `construction_licence`.

use super::required_time;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct LicenceRow {
    pub licence_no: String,
    pub case_id: i64,
    /// The licence as issued, JSON, exactly the bytes its hash covers.
    pub content: String,
    pub sha256: String,
    pub issued_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, l: &LicenceRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO construction_licence (licence_no, case_id, content, sha256, issued_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&l.licence_no)
    .bind(l.case_id)
    .bind(&l.content)
    .bind(&l.sha256)
    .bind(time::to_text(l.issued_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_no(conn: &mut Conn, licence_no: &str) -> Result<Option<LicenceRow>> {
    let row = sqlx::query(
        "SELECT licence_no, case_id, content, sha256, issued_at FROM construction_licence \
         WHERE licence_no = $1",
    )
    .bind(licence_no)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(LicenceRow {
            licence_no: r.try_get("licence_no")?,
            case_id: r.try_get("case_id")?,
            content: r.try_get("content")?,
            sha256: r.try_get("sha256")?,
            issued_at: required_time(&r, "issued_at")?,
        })
    })
    .transpose()
}
