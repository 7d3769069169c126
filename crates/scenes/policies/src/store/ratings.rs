//! 好差评 ratings of the service of an application, one per application, and their follow-up.

use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Conn, Result, StoreError, time};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub id: i64,
    pub receipt_no: String,
    pub policy_title: String,
    pub enterprise_name: String,
    pub region_code: String,
    pub level: i64,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
    pub follow_up_note: Option<String>,
    pub follow_up_finding: Option<crate::ratings::Finding>,
    pub followed_up_at: Option<DateTime<Utc>>,
}

pub struct NewRating<'a> {
    pub application_id: i64,
    pub enterprise_id: i64,
    pub policy_id: i64,
    pub region_code: &'a str,
    pub level: i64,
    pub comment: Option<&'a str>,
    pub rated_by: i64,
}

/// Inserts a rating; `StoreError::Duplicate` when the application was rated already.
pub async fn insert(conn: &mut Conn, r: &NewRating<'_>, now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO service_rating (application_id, enterprise_id, policy_id, region_code, level, \
         comment, rated_by, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(r.application_id)
    .bind(r.enterprise_id)
    .bind(r.policy_id)
    .bind(r.region_code)
    .bind(r.level)
    .bind(r.comment)
    .bind(r.rated_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

const COLUMNS: &str = "SELECT r.id, a.receipt_no, p.title AS policy_title, e.name AS enterprise_name, \
    r.region_code, r.level, r.comment, r.rated_at, r.follow_up_note, r.follow_up_finding, r.followed_up_at \
    FROM service_rating r JOIN application a ON a.id = r.application_id \
    JOIN policy p ON p.id = r.policy_id JOIN enterprise e ON e.id = r.enterprise_id";

fn from_row(r: &AnyRow) -> Result<RatingRow> {
    Ok(RatingRow {
        id: r.try_get("id")?,
        receipt_no: r.try_get("receipt_no")?,
        policy_title: r.try_get("policy_title")?,
        enterprise_name: r.try_get("enterprise_name")?,
        region_code: r.try_get("region_code")?,
        level: r.try_get("level")?,
        comment: r.try_get("comment")?,
        rated_at: time::from_text(&r.try_get::<String, _>("rated_at")?)?,
        follow_up_note: r.try_get("follow_up_note")?,
        follow_up_finding: r
            .try_get::<Option<String>, _>("follow_up_finding")?
            .as_deref()
            .map(|f| {
                crate::ratings::Finding::parse(f)
                    .ok_or_else(|| StoreError::Corrupt(format!("rating finding {f}")))
            })
            .transpose()?,
        followed_up_at: r
            .try_get::<Option<String>, _>("followed_up_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
    })
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<RatingRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn of_application(conn: &mut Conn, application_id: i64) -> Result<Option<RatingRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE r.application_id = $1"
    )))
    .bind(application_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Ratings in a region (prefix), newest first.
pub async fn list(conn: &mut Conn, region_prefix: &str, limit: i64) -> Result<Vec<RatingRow>> {
    let sql = format!(
        "{COLUMNS} WHERE r.region_code LIKE $1 ESCAPE '\\' ORDER BY r.rated_at DESC, r.id DESC LIMIT {}",
        limit.max(0)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(format!(
            "{}%",
            qinqing_kernel::store::sql::escape_like(region_prefix)
        ))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Records the follow-up of a bad rating (its note and finding), once; false when it was
/// followed up already.
pub async fn follow_up(
    conn: &mut Conn,
    id: i64,
    (note, finding): (&str, &str),
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE service_rating SET follow_up_note = $1, follow_up_finding = $5, \
           followed_up_by = $2, followed_up_at = $3 \
         WHERE id = $4 AND followed_up_at IS NULL",
    )
    .bind(note)
    .bind(user_id)
    .bind(time::to_text(now))
    .bind(id)
    .bind(finding)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// 好差评 for 部门评分: ratings given in the period by the policy's department, 基本满意 or
/// better counted good.
pub async fn scorecard_counts(
    conn: &mut Conn,
    scope: &qinqing_kernel::scorecard::ScoreScope<'_>,
) -> Result<Vec<qinqing_kernel::scorecard::Count>> {
    let sql = "SELECT p.department_org_id AS org_id, \
           SUM(CASE WHEN r.level >= 3 THEN 1 ELSE 0 END) AS good, COUNT(*) AS total \
         FROM service_rating r JOIN policy p ON p.id = r.policy_id \
         WHERE r.rated_at >= $1 AND r.rated_at < $2 AND r.region_code LIKE $3 ESCAPE '\\' \
         GROUP BY p.department_org_id";
    let measure = qinqing_kernel::scorecard::Measure::Satisfaction;
    qinqing_kernel::store::scorecard::read_counts(conn, measure, sql, scope).await
}
