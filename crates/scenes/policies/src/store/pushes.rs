//! Subscriptions (订阅) and the push log (推送记录) of benefit policies. The log's unique
//! (policy, enterprise) pair is what makes an enterprise hear about a policy once: every push
//! is an insert that does nothing when the pair is already there.

use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::{Arg, bind_all, next, statement_batches, value_rows};
use qinqing_kernel::store::{Conn, Result, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// topic | department | level
    pub kind: String,
    pub value: String,
    pub created_at: DateTime<Utc>,
}

pub async fn subscriptions(conn: &mut Conn, enterprise_id: i64) -> Result<Vec<Subscription>> {
    let rows = sqlx::query(
        "SELECT kind, value, created_at FROM policy_subscription WHERE enterprise_id = $1 \
         ORDER BY kind, value",
    )
    .bind(enterprise_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Subscription {
                kind: r.try_get("kind")?,
                value: r.try_get("value")?,
                created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
            })
        })
        .collect()
}

/// Adds a subscription; false when the enterprise already had it.
pub async fn subscribe(
    conn: &mut Conn,
    enterprise_id: i64,
    kind: &str,
    value: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO policy_subscription (enterprise_id, kind, value, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enterprise_id, kind, value) DO NOTHING",
    )
    .bind(enterprise_id)
    .bind(kind)
    .bind(value)
    .bind(created_by)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a subscription; false when the enterprise did not have it.
pub async fn unsubscribe(
    conn: &mut Conn,
    enterprise_id: i64,
    kind: &str,
    value: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM policy_subscription WHERE enterprise_id = $1 AND kind = $2 AND value = $3",
    )
    .bind(enterprise_id)
    .bind(kind)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The enterprises subscribed to any of the topics, to the department or to the level.
pub async fn subscribers(
    conn: &mut Conn,
    topics: &[String],
    department: &str,
    level: &str,
) -> Result<Vec<i64>> {
    let mut args = Vec::new();
    let mut alternatives = vec![
        format!(
            "(kind = 'department' AND value = {})",
            next(Arg::Text(department.to_string()), &mut args)
        ),
        format!(
            "(kind = 'level' AND value = {})",
            next(Arg::Text(level.to_string()), &mut args)
        ),
    ];
    if !topics.is_empty() {
        let placeholders: Vec<String> = topics
            .iter()
            .map(|t| next(Arg::Text(t.clone()), &mut args))
            .collect();
        alternatives.push(format!(
            "(kind = 'topic' AND value IN ({}))",
            placeholders.join(", ")
        ));
    }
    let sql = format!(
        "SELECT DISTINCT enterprise_id FROM policy_subscription WHERE {} ORDER BY enterprise_id",
        alternatives.join(" OR ")
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("enterprise_id")?))
        .collect()
}

pub struct NewPush<'a> {
    pub policy_id: i64,
    pub policy_version: i64,
    pub enterprise_id: i64,
    /// machine | subscription | staff
    pub channel: &'a str,
    pub pushed_by: Option<i64>,
    pub amount: Option<i64>,
}

/// Records pushes, skipping enterprises told about the policy before; returns the enterprises
/// told now. A few hundred per statement.
pub async fn insert_many(
    conn: &mut Conn,
    pushes: &[NewPush<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    const COLUMNS: usize = 7;
    let at = time::to_text(now);
    let mut told = Vec::with_capacity(pushes.len());
    for chunk in statement_batches(pushes, COLUMNS) {
        let sql = format!(
            "INSERT INTO policy_push (policy_id, enterprise_id, policy_version, channel, \
             pushed_by, pushed_at, amount) VALUES {} \
             ON CONFLICT (policy_id, enterprise_id) DO NOTHING RETURNING enterprise_id",
            value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for push in chunk {
            query = query
                .bind(push.policy_id)
                .bind(push.enterprise_id)
                .bind(push.policy_version)
                .bind(push.channel)
                .bind(push.pushed_by)
                .bind(at.clone())
                .bind(push.amount);
        }
        for row in query.fetch_all(&mut *conn).await? {
            told.push(row.try_get("enterprise_id")?);
        }
    }
    Ok(told)
}

/// The enterprises already told about a policy.
pub async fn pushed_enterprises(conn: &mut Conn, policy_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT enterprise_id FROM policy_push WHERE policy_id = $1 ORDER BY enterprise_id",
    )
    .bind(policy_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("enterprise_id")?))
        .collect()
}

/// The published definitions (policy id, version, TOML) of the policies the enterprise has not
/// been told about yet: what a profile change has to re-check, and nothing more.
pub async fn unpushed_definitions(
    conn: &mut Conn,
    enterprise_id: i64,
) -> Result<Vec<(i64, i64, String)>> {
    let rows = sqlx::query(
        "SELECT p.id, v.version, v.definition FROM policy p JOIN policy_version v \
         ON v.policy_id = p.id AND v.version = p.published_version \
         WHERE p.status = $2 AND NOT EXISTS (SELECT 1 FROM policy_push x \
         WHERE x.policy_id = p.id AND x.enterprise_id = $1) ORDER BY p.id",
    )
    .bind(enterprise_id)
    .bind(crate::status::PolicyStatus::Published.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("version")?,
                r.try_get("definition")?,
            ))
        })
        .collect()
}

/// One line of the push log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRow {
    pub policy_id: i64,
    pub policy_slug: String,
    pub policy_title: String,
    pub policy_version: i64,
    pub enterprise_id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub channel: String,
    pub pushed_by: Option<i64>,
    pub pushed_by_name: Option<String>,
    pub pushed_at: DateTime<Utc>,
    pub amount: Option<i64>,
}

const COLUMNS: &str = "SELECT x.policy_id, p.slug, p.title, x.policy_version, x.enterprise_id, \
    e.credit_code, e.name AS enterprise_name, x.channel, x.pushed_by, u.display_name, \
    x.pushed_at, x.amount FROM policy_push x JOIN policy p ON p.id = x.policy_id \
    JOIN enterprise e ON e.id = x.enterprise_id LEFT JOIN app_user u ON u.id = x.pushed_by";

fn from_row(r: &AnyRow) -> Result<PushRow> {
    Ok(PushRow {
        policy_id: r.try_get("policy_id")?,
        policy_slug: r.try_get("slug")?,
        policy_title: r.try_get("title")?,
        policy_version: r.try_get("policy_version")?,
        enterprise_id: r.try_get("enterprise_id")?,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("enterprise_name")?,
        channel: r.try_get("channel")?,
        pushed_by: r.try_get("pushed_by")?,
        pushed_by_name: r.try_get("display_name")?,
        pushed_at: time::from_text(&r.try_get::<String, _>("pushed_at")?)?,
        amount: r.try_get("amount")?,
    })
}

/// One page of a policy's pushes, newest first.
pub async fn page_of_policy(
    conn: &mut Conn,
    policy_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<PushRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE x.policy_id = $1 ORDER BY x.id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(policy_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many times a policy was pushed.
pub async fn count_of_policy(conn: &mut Conn, policy_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM policy_push WHERE policy_id = $1")
        .bind(policy_id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// The pushes an enterprise received, newest first.
pub async fn of_enterprise(conn: &mut Conn, enterprise_id: i64) -> Result<Vec<PushRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE x.enterprise_id = $1 ORDER BY x.id DESC"
    )))
    .bind(enterprise_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The sweep of pushes that follows a publication: which version, and how far through the
/// enterprises (in id order, up to the highest id at the publication) it has got.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub id: i64,
    pub policy_id: i64,
    pub policy_version: i64,
    pub work_id: i64,
    pub after_enterprise: i64,
    pub up_to_enterprise: i64,
}

pub async fn insert_sweep(
    conn: &mut Conn,
    policy_id: i64,
    policy_version: i64,
    work_id: i64,
    up_to_enterprise: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO policy_push_sweep (policy_id, policy_version, work_id, up_to_enterprise) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(policy_id)
    .bind(policy_version)
    .bind(work_id)
    .bind(up_to_enterprise)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn sweep(conn: &mut Conn, id: i64) -> Result<Option<Sweep>> {
    let row = sqlx::query(
        "SELECT id, policy_id, policy_version, work_id, after_enterprise, up_to_enterprise \
         FROM policy_push_sweep WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Sweep {
        id: r.try_get("id")?,
        policy_id: r.try_get("policy_id")?,
        policy_version: r.try_get("policy_version")?,
        work_id: r.try_get("work_id")?,
        after_enterprise: r.try_get("after_enterprise")?,
        up_to_enterprise: r.try_get("up_to_enterprise")?,
    }))
}

/// The sweeps whose long work is still running, or (with `stalled_before`) whose progress has
/// not moved since then.
pub async fn unfinished_sweeps(
    conn: &mut Conn,
    stalled_before: Option<DateTime<Utc>>,
) -> Result<Vec<i64>> {
    let mut sql = "SELECT s.id FROM policy_push_sweep s JOIN long_work w ON w.id = s.work_id \
        WHERE w.state = 'running'"
        .to_string();
    if stalled_before.is_some() {
        sql.push_str(" AND w.updated_at < $1");
    }
    sql.push_str(" ORDER BY s.id");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(before) = stalled_before {
        query = query.bind(time::to_text(before));
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Moves a sweep's cursor from `from` to `to`; false when another worker moved it first.
pub async fn advance_sweep(conn: &mut Conn, id: i64, from: i64, to: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy_push_sweep SET after_enterprise = $1 \
         WHERE id = $2 AND after_enterprise = $3",
    )
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The enterprises in `(after, up_to]` already told about a policy.
pub async fn pushed_between(
    conn: &mut Conn,
    policy_id: i64,
    after: i64,
    up_to: i64,
) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT enterprise_id FROM policy_push \
         WHERE policy_id = $1 AND enterprise_id > $2 AND enterprise_id <= $3",
    )
    .bind(policy_id)
    .bind(after)
    .bind(up_to)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("enterprise_id")?))
        .collect()
}

/// The long work of the policy's sweep still running, if any.
pub async fn running_sweep_work(conn: &mut Conn, policy_slug: &str) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT s.work_id FROM policy_push_sweep s JOIN long_work w ON w.id = s.work_id \
         JOIN policy p ON p.id = s.policy_id \
         WHERE p.slug = $1 AND w.state = 'running' ORDER BY s.id DESC LIMIT 1",
    )
    .bind(policy_slug)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok(r.try_get("work_id")?)).transpose()
}
