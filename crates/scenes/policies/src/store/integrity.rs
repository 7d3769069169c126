//! Integrity records (false pledges, credit blacklist entries) and clawbacks (追回).

use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::sql::{in_list, statement_batches};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashSet;

pub struct NewRecord<'a> {
    pub enterprise_id: i64,
    pub kind: &'a str,
    pub application_id: Option<i64>,
    pub reason: &'a str,
    pub blocked_until: NaiveDate,
    pub source: Option<&'a str>,
    pub recorded_by: Option<i64>,
}

pub async fn insert_record(conn: &mut Conn, r: &NewRecord<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO integrity_record (enterprise_id, kind, application_id, reason, blocked_until, \
         source, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(r.enterprise_id)
    .bind(r.kind)
    .bind(r.application_id)
    .bind(r.reason)
    .bind(time::date_to_text(r.blocked_until))
    .bind(r.source)
    .bind(r.recorded_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The latest day an enterprise is blocked until, if any record blocks it on `today`.
pub async fn blocked_until(
    conn: &mut Conn,
    enterprise_id: i64,
    today: NaiveDate,
) -> Result<Option<NaiveDate>> {
    let row = sqlx::query(
        "SELECT MAX(blocked_until) AS until FROM integrity_record \
         WHERE enterprise_id = $1 AND blocked_until >= $2",
    )
    .bind(enterprise_id)
    .bind(time::date_to_text(today))
    .fetch_one(conn)
    .await?;
    row.try_get::<Option<String>, _>("until")?
        .map(|s| time::date_from_text(&s))
        .transpose()
}

/// Those of `enterprise_ids` a record blocks today.
pub async fn blocked_among(
    conn: &mut Conn,
    enterprise_ids: &[i64],
    today: NaiveDate,
) -> Result<HashSet<i64>> {
    let mut blocked = HashSet::new();
    for batch in statement_batches(enterprise_ids, 1) {
        let sql = format!(
            "SELECT DISTINCT enterprise_id FROM integrity_record \
             WHERE blocked_until >= $1 AND enterprise_id IN ({})",
            in_list(2, batch.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(time::date_to_text(today));
        for id in batch {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            blocked.insert(row.try_get("enterprise_id")?);
        }
    }
    Ok(blocked)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub kind: String,
    pub receipt_no: Option<String>,
    pub reason: String,
    pub blocked_until: NaiveDate,
    pub source: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

fn record_from_row(r: &AnyRow) -> Result<RecordRow> {
    Ok(RecordRow {
        id: r.try_get("id")?,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        receipt_no: r.try_get("receipt_no")?,
        reason: r.try_get("reason")?,
        blocked_until: time::date_from_text(&r.try_get::<String, _>("blocked_until")?)?,
        source: r.try_get("source")?,
        recorded_at: time::from_text(&r.try_get::<String, _>("recorded_at")?)?,
    })
}

/// Every record, newest first.
pub async fn records(conn: &mut Conn) -> Result<Vec<RecordRow>> {
    let rows = sqlx::query(
        "SELECT i.id, e.credit_code, e.name, i.kind, a.receipt_no, i.reason, i.blocked_until, \
         i.source, i.recorded_at FROM integrity_record i JOIN enterprise e ON e.id = i.enterprise_id \
         LEFT JOIN application a ON a.id = i.application_id ORDER BY i.id DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(record_from_row).collect()
}

pub async fn insert_clawback(
    conn: &mut Conn,
    application_id: i64,
    enterprise_id: i64,
    amount_due: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let at = time::to_text(now);
    let row = sqlx::query(
        "INSERT INTO clawback (application_id, enterprise_id, amount_due, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(application_id)
    .bind(enterprise_id)
    .bind(amount_due)
    .bind(at)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClawbackRow {
    pub id: i64,
    pub receipt_no: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub amount_due: i64,
    pub repaid: i64,
    pub updated_at: DateTime<Utc>,
}

const CLAWBACKS: &str = "SELECT c.id, a.receipt_no, e.credit_code, e.name, c.amount_due, c.repaid, \
    c.updated_at FROM clawback c JOIN application a ON a.id = c.application_id \
    JOIN enterprise e ON e.id = c.enterprise_id";

fn clawback_from_row(r: &AnyRow) -> Result<ClawbackRow> {
    Ok(ClawbackRow {
        id: r.try_get("id")?,
        receipt_no: r.try_get("receipt_no")?,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("name")?,
        amount_due: r.try_get("amount_due")?,
        repaid: r.try_get("repaid")?,
        updated_at: time::from_text(&r.try_get::<String, _>("updated_at")?)?,
    })
}

pub async fn clawbacks(conn: &mut Conn) -> Result<Vec<ClawbackRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CLAWBACKS} ORDER BY c.id DESC"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(clawback_from_row).collect()
}

pub async fn clawback(conn: &mut Conn, id: i64) -> Result<Option<ClawbackRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CLAWBACKS} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| clawback_from_row(&r)).transpose()
}

/// Records a repayment; false (nothing changed) when it would exceed what is outstanding.
pub async fn repay(conn: &mut Conn, id: i64, amount: i64, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE clawback SET repaid = repaid + $1, updated_at = $2 \
         WHERE id = $3 AND repaid + $1 <= amount_due",
    )
    .bind(amount)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
