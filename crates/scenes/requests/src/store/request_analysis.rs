//! 研判: the figures of requests in a region and period — counts grouped in SQL, the timings of
//! each request for medians (which neither database computes the same way), and the short lists
//! of the oldest, overdue and reopened requests still in hand.

use crate::model::RequestStatus;
use crate::store::requests::{COLUMNS, RequestRow, from_row};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::escape_like;
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Which requests are counted: a region (by division-code prefix; "" for all) and a period of
/// submission, `from` inclusive, `to` exclusive. Duplicates are left out: they are counted under
/// the request they repeat.
#[derive(Debug, Clone)]
pub struct Period {
    pub region_prefix: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

const SCOPE: &str = "q.region_code LIKE $1 ESCAPE '\\' AND q.submitted_at >= $2 \
    AND q.submitted_at < $3 AND q.status <> 'duplicate'";

fn bind_period<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    p: &Period,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(format!("{}%", escape_like(&p.region_prefix)))
        .bind(time::to_text(p.from))
        .bind(time::to_text(p.to))
}

/// What the counts are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Category,
    Department,
    /// The town (the first nine digits of the enterprise's division code).
    Town,
}

impl Dimension {
    /// The key and label expressions and the join they need. Fixed text, never input.
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Dimension::Category => ("c.code", "c.name", ""),
            Dimension::Department => ("CAST(o.id AS TEXT)", "o.name", ""),
            Dimension::Town => (
                "substr(q.region_code, 1, 9)",
                "COALESCE(t.name, substr(q.region_code, 1, 9))",
                "LEFT JOIN organisation t ON t.kind = 'town' \
                 AND t.division_code = substr(q.region_code, 1, 9)",
            ),
        }
    }
}

/// One group: how many requests, how many still with the department, how many closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub total: i64,
    pub in_hand: i64,
    pub closed: i64,
}

pub async fn grouped(conn: &mut Conn, p: &Period, by: Dimension) -> Result<Vec<Group>> {
    let (key, label, join) = by.sql();
    let sql = format!(
        "SELECT {key} AS k, {label} AS label, COUNT(*) AS total, \
         SUM(CASE WHEN q.status IN ('open', 'accepted', 'reopened') THEN 1 ELSE 0 END) AS in_hand, \
         SUM(CASE WHEN q.status = 'closed' THEN 1 ELSE 0 END) AS closed \
         FROM request q JOIN request_category c ON c.code = q.category_code \
         JOIN organisation o ON o.id = q.owner_org_id {join} \
         WHERE {SCOPE} GROUP BY {key}, {label} ORDER BY total DESC, k"
    );
    let rows = bind_period(sqlx::query(AssertSqlSafe(sql)), p)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Group {
                key: r.try_get("k")?,
                label: r.try_get("label")?,
                total: r.try_get("total")?,
                in_hand: r.try_get::<Option<i64>, _>("in_hand")?.unwrap_or(0),
                closed: r.try_get::<Option<i64>, _>("closed")?.unwrap_or(0),
            })
        })
        .collect()
}

/// One request's times, for medians, months and repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub receipt_no: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub category_code: String,
    pub category_name: String,
    pub region_code: String,
    pub title: Option<String>,
    pub description: String,
    pub status: RequestStatus,
    pub submitted_at: DateTime<Utc>,
    /// When the 24-hour response clock stopped (签收 or reply), and when it was due.
    pub responded_at: Option<DateTime<Utc>>,
    pub response_due_at: Option<DateTime<Utc>>,
    /// The latest reply.
    pub replied_at: Option<DateTime<Utc>>,
    /// The first resolution clock's due time: reopening starts another, which is not the
    /// department's first promise.
    pub resolution_due_at: Option<DateTime<Utc>>,
}

fn optional_time(r: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| time::from_text(&s))
        .transpose()
}

/// Every counted request of the period with its times, oldest first.
pub async fn timings(conn: &mut Conn, p: &Period) -> Result<Vec<Timing>> {
    let sql = format!(
        "SELECT q.receipt_no, q.enterprise_id, e.name AS enterprise_name, q.category_code, \
         c.name AS category_name, q.region_code, q.title, q.description, q.status, q.submitted_at, \
         q.replied_at, rd.stopped_at AS responded_at, rd.due_at AS response_due_at, \
         (SELECT MIN(x.due_at) FROM deadline x WHERE x.object_type = 'request' \
           AND x.object_id = q.receipt_no AND x.kind = 'request.resolution') AS resolution_due_at \
         FROM request q JOIN enterprise e ON e.id = q.enterprise_id \
         JOIN request_category c ON c.code = q.category_code \
         LEFT JOIN deadline rd ON rd.object_type = 'request' AND rd.object_id = q.receipt_no \
           AND rd.kind = 'request.response' \
         WHERE {SCOPE} ORDER BY q.submitted_at, q.id"
    );
    let rows = bind_period(sqlx::query(AssertSqlSafe(sql)), p)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Timing {
                receipt_no: r.try_get("receipt_no")?,
                enterprise_id: r.try_get("enterprise_id")?,
                enterprise_name: r.try_get("enterprise_name")?,
                category_code: r.try_get("category_code")?,
                category_name: r.try_get("category_name")?,
                region_code: r.try_get("region_code")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                status: super::requests::kind(r, "status", RequestStatus::parse)?,
                submitted_at: time::from_text(&r.try_get::<String, _>("submitted_at")?)?,
                responded_at: optional_time(r, "responded_at")?,
                response_due_at: optional_time(r, "response_due_at")?,
                replied_at: optional_time(r, "replied_at")?,
                resolution_due_at: optional_time(r, "resolution_due_at")?,
            })
        })
        .collect()
}

/// Which of the requests still in hand a short list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// Waiting longest.
    Oldest,
    /// Past the running resolution clock's due time.
    Overdue,
    /// Reopened after an unsatisfied follow-up.
    Reopened,
}

/// Up to `limit` requests of the region still in hand, of one kind, most pressing first. The
/// period does not narrow these: an old request is a problem whenever it was filed.
pub async fn unresolved(
    conn: &mut Conn,
    region_prefix: &str,
    kind: Unresolved,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<RequestRow>> {
    let (condition, order) = match kind {
        Unresolved::Oldest => ("", "q.submitted_at"),
        Unresolved::Overdue => (
            "AND EXISTS (SELECT 1 FROM deadline d WHERE d.object_type = 'request' \
             AND d.object_id = q.receipt_no AND d.kind = 'request.resolution' \
             AND d.state = 'running' AND d.due_at < $3)",
            "q.submitted_at",
        ),
        Unresolved::Reopened => ("AND q.grade > 1", "q.grade DESC, q.submitted_at"),
    };
    let sql = format!(
        "{COLUMNS} WHERE q.region_code LIKE $1 ESCAPE '\\' \
         AND q.status IN ('open', 'accepted', 'reopened') {condition} \
         ORDER BY {order}, q.id LIMIT $2"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(format!("{}%", escape_like(region_prefix)))
        .bind(limit);
    if kind == Unresolved::Overdue {
        query = query.bind(time::to_text(now));
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
