//! Counting for 部门评分: the kernel's own count (time limits kept) and the reading every scene's
//! count shares.

use crate::scorecard::{Count, Measure, ScoreScope};
use crate::store::sql::escape_like;
use crate::store::{Conn, Result, time};
use sqlx::{AssertSqlSafe, Row};

/// Runs a count whose rows are `org_id, good, total`, binding the period's start as `$1`, its
/// end (or now, while it runs) as `$2` and the region's LIKE pattern as `$3`; scenes count with
/// it too.
pub async fn read_counts(
    conn: &mut Conn,
    measure: Measure,
    sql: &str,
    scope: &ScoreScope<'_>,
) -> Result<Vec<Count>> {
    let rows = sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(time::to_text(scope.period.from))
        .bind(time::to_text(scope.period.to.min(scope.now)))
        .bind(format!("{}%", escape_like(scope.region_prefix)))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Count {
                org_id: r.try_get("org_id")?,
                measure,
                good: r.try_get("good")?,
                total: r.try_get("total")?,
            })
        })
        .collect()
}

/// Government-side clocks by department: those closed in the period, on time or not, and those
/// that fell due in it and are still open past their time (late, though nobody closed them).
pub async fn on_time(conn: &mut Conn, scope: &ScoreScope<'_>) -> Result<Vec<Count>> {
    let sql = "SELECT org_id, \
           SUM(CASE WHEN state = 'stopped' AND stopped_at <= due_at THEN 1 ELSE 0 END) AS good, \
           COUNT(*) AS total \
         FROM deadline \
         WHERE side = 'government' AND org_id IS NOT NULL AND region_code LIKE $3 ESCAPE '\\' \
           AND ((state = 'stopped' AND stopped_at >= $1 AND stopped_at < $2) \
             OR (state <> 'stopped' AND due_at >= $1 AND due_at < $2)) \
         GROUP BY org_id";
    read_counts(conn, Measure::OnTime, sql, scope).await
}
