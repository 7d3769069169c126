//! The audit trail (全程留痕): every state change appends one entry in the transaction of the
//! change. The entry's exact bytes are stored so that later a Merkle tree can be built over them.

use crate::store::sql::{statement_batches, value_rows};
use crate::store::{Conn, Result, StoreError, time};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

/// Who did it. `on_behalf_of` is the credit code of the enterprise a steward acted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub org_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

/// One entry as recorded. Field order is the serialisation order, which is part of the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub recorded_at: String,
    /// `None` for actions by the platform itself (migrations, demo loading, the command line).
    pub actor: Option<AuditActor>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub request_id: Option<String>,
    /// Before/after values or a digest of them.
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub seq: i64,
    pub record: AuditRecord,
    pub entry: String,
}

pub struct NewEntry<'a> {
    pub actor: Option<&'a AuditActor>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub request_id: Option<&'a str>,
    pub detail: serde_json::Value,
}

/// Appends an entry; returns its sequence number. Call inside the transaction of the change.
pub async fn append(conn: &mut Conn, entry: NewEntry<'_>, now: DateTime<Utc>) -> Result<i64> {
    append_many(conn, vec![entry], now).await
}

/// Appends entries in their order under consecutive sequence numbers, in multi-row statements
/// (a bulk import records one entry per row); the first one's number. Call inside the
/// transaction of the change.
pub async fn append_many(
    conn: &mut Conn,
    entries: Vec<NewEntry<'_>>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let first: i64 = sqlx::query(
        "UPDATE audit_head SET next_seq = next_seq + $1 WHERE id = 1 RETURNING next_seq",
    )
    .bind(count)
    .fetch_one(&mut *conn)
    .await?
    .try_get::<i64, _>("next_seq")?
        - count;
    let recorded_at = time::to_text(now);
    let rows = entries
        .into_iter()
        .map(|entry| stored_entry(entry, &recorded_at))
        .collect::<Result<Vec<_>>>()?;
    let mut seq = first;
    for batch in statement_batches(&rows, 9) {
        let sql = format!(
            "INSERT INTO audit_entry (seq, recorded_at, user_id, action, object_type, object_id, \
             request_id, entry, on_behalf_of) VALUES {}",
            value_rows(batch.len(), 9)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (record, bytes) in batch {
            let actor = record.actor.as_ref();
            query = query
                .bind(seq)
                .bind(&record.recorded_at)
                .bind(actor.map(|a| a.user_id))
                .bind(&record.action)
                .bind(&record.object_type)
                .bind(&record.object_id)
                .bind(&record.request_id)
                .bind(bytes)
                .bind(actor.and_then(|a| a.on_behalf_of.as_deref()));
            seq += 1;
        }
        query.execute(&mut *conn).await?;
    }
    Ok(first)
}

/// The record of `entry` and its exact bytes, as the trail keeps them.
fn stored_entry(entry: NewEntry<'_>, recorded_at: &str) -> Result<(AuditRecord, String)> {
    let record = AuditRecord {
        recorded_at: recorded_at.to_string(),
        actor: entry.actor.cloned(),
        action: entry.action.to_string(),
        object_type: entry.object_type.to_string(),
        object_id: entry.object_id.to_string(),
        request_id: entry.request_id.map(str::to_string),
        detail: entry.detail,
    };
    let bytes = serde_json::to_string(&record)
        .map_err(|e| StoreError::Corrupt(format!("audit record: {e}")))?;
    Ok((record, bytes))
}

/// The history of one object in time order.
pub async fn for_object(
    conn: &mut Conn,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<StoredEntry>> {
    let rows = sqlx::query(
        "SELECT seq, entry FROM audit_entry WHERE object_type = $1 AND object_id = $2 ORDER BY seq",
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// The most recent entries, newest first.
pub async fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<StoredEntry>> {
    let rows = sqlx::query("SELECT seq, entry FROM audit_entry ORDER BY seq DESC LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// One person who acted for enterprises not their own (as 亲清管家 or under a mandate).
#[derive(Debug, Clone)]
pub struct Acting {
    pub display_name: String,
    pub org_name: String,
    /// How many enterprises they acted for.
    pub enterprises: i64,
    /// How many changes they recorded for them.
    pub entries: i64,
    pub last_at: DateTime<Utc>,
}

/// Everyone who acted for at least `at_least` enterprises of the region (a division code
/// prefix; empty for all) since `since`, most enterprises first.
pub async fn acting_for_many(
    conn: &mut Conn,
    since: DateTime<Utc>,
    region_prefix: &str,
    at_least: i64,
) -> Result<Vec<Acting>> {
    let rows = sqlx::query(
        "SELECT u.display_name, o.name AS org_name, COUNT(DISTINCT a.on_behalf_of) AS enterprises, \
           COUNT(*) AS entries, MAX(a.recorded_at) AS last_at \
         FROM audit_entry a JOIN enterprise e ON e.credit_code = a.on_behalf_of \
         JOIN app_user u ON u.id = a.user_id JOIN organisation o ON o.id = u.org_id \
         WHERE a.on_behalf_of IS NOT NULL AND a.recorded_at >= $1 \
           AND e.region_code LIKE $2 ESCAPE '\\' \
         GROUP BY a.user_id, u.display_name, o.name \
         HAVING COUNT(DISTINCT a.on_behalf_of) >= $3 ORDER BY enterprises DESC",
    )
    .bind(time::to_text(since))
    .bind(format!(
        "{}%",
        crate::store::sql::escape_like(region_prefix)
    ))
    .bind(at_least)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Acting {
                display_name: r.try_get("display_name")?,
                org_name: r.try_get("org_name")?,
                enterprises: r.try_get("enterprises")?,
                entries: r.try_get("entries")?,
                last_at: time::from_text(&r.try_get::<String, _>("last_at")?)?,
            })
        })
        .collect()
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM audit_entry")
        .fetch_one(conn)
        .await?
        .try_get("n")?)
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<StoredEntry> {
    let entry: String = row.try_get("entry")?;
    let record = crate::store::stored("audit_entry.entry", serde_json::from_str(&entry))?;
    Ok(StoredEntry {
        seq: row.try_get("seq")?,
        record,
        entry,
    })
}
