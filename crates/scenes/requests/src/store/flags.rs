//! What 数智监督 reads of 诉求必应: the transfers of requests, as the trail recorded them.

use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::escape_like;
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::Row;

/// One transfer of a request, as the trail recorded it.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub receipt_no: String,
    /// The request's subject (its title, or the start of its description).
    pub subject: String,
    pub enterprise_name: String,
    /// The department answering for the request now.
    pub owner: String,
    /// The departments it went from and to (ids).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub reason: Option<String>,
    /// Who transferred it, by name.
    pub person: String,
    pub at: DateTime<Utc>,
}

/// Every transfer of the requests of the region (a division code prefix) transferred at least
/// once since `since`, request by request, each in the order it happened. The transfers are
/// found through the trail's index of them (migration 0038), whose condition the query repeats
/// word for word.
pub async fn transfers(
    conn: &mut Conn,
    since: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<Transfer>> {
    let rows = sqlx::query(
        "SELECT x.object_id AS receipt_no, x.recorded_at, x.entry, \
           COALESCE(u.display_name, '') AS person, COALESCE(q.title, q.description) AS subject, \
           e.name AS enterprise_name, o.name AS owner \
         FROM audit_entry x JOIN request q ON q.receipt_no = x.object_id \
         JOIN enterprise e ON e.id = q.enterprise_id \
         JOIN organisation o ON o.id = q.owner_org_id \
         LEFT JOIN app_user u ON u.id = x.user_id \
         WHERE x.object_type = 'request' AND x.action = 'request.transferred' \
           AND q.region_code LIKE $2 ESCAPE '\\' \
           AND x.object_id IN (SELECT t.object_id FROM audit_entry t \
             WHERE t.action = 'request.transferred' AND t.recorded_at >= $1) \
         ORDER BY x.object_id, x.seq",
    )
    .bind(time::to_text(since))
    .bind(format!("{}%", escape_like(region_prefix)))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let entry: String = r.try_get("entry")?;
            let entry: serde_json::Value =
                stored("audit_entry.entry", serde_json::from_str(&entry))?;
            let detail = &entry["detail"];
            Ok(Transfer {
                receipt_no: r.try_get("receipt_no")?,
                subject: r.try_get("subject")?,
                enterprise_name: r.try_get("enterprise_name")?,
                owner: r.try_get("owner")?,
                from: detail["from"].as_i64(),
                to: detail["to"].as_i64(),
                reason: detail["reason"].as_str().map(str::to_string),
                person: r.try_get("person")?,
                at: time::from_text(&r.try_get::<String, _>("recorded_at")?)?,
            })
        })
        .collect()
}
