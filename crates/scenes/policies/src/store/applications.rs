//! Applications (申报) and 免申即享 grants, one table for both, and their review trail. A partial
//! unique index keeps one live application per enterprise, policy and year.

use crate::status::ApplicationStatus;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::{
    Arg, bind_all, escape_like, id_conditions, next, statement_batches, value_rows,
};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: i64,
    pub receipt_no: String,
    pub policy_id: i64,
    pub policy_version: i64,
    pub policy_title: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub credit_code: String,
    pub region_code: String,
    pub year: i32,
    /// The project or product claimed, for a `per_claim` policy; empty otherwise.
    pub claim_key: String,
    pub channel: String,
    pub status: ApplicationStatus,
    pub stage: i64,
    pub computed_amount: Option<i64>,
    pub approved_amount: Option<i64>,
    pub form: String,
    pub pledges: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewApplication<'a> {
    pub receipt_no: &'a str,
    pub policy_id: i64,
    pub policy_version: i64,
    pub enterprise_id: i64,
    pub credit_code: &'a str,
    pub region_code: &'a str,
    pub year: i32,
    /// The project or product claimed (`per_claim` policies); empty otherwise.
    pub claim_key: &'a str,
    pub channel: &'a str,
    pub status: ApplicationStatus,
    pub computed_amount: Option<i64>,
    pub form: &'a str,
    pub pledges: &'a str,
    pub submit_key: Option<&'a str>,
    pub created_by: Option<i64>,
    /// The 免申即享 run that offered it.
    pub run_id: Option<i64>,
}

const COLUMNS: &str = "SELECT a.id, a.receipt_no, a.policy_id, a.policy_version, p.title AS policy_title, \
    a.enterprise_id, e.name AS enterprise_name, a.credit_code, a.region_code, a.year, a.claim_key, \
    a.channel, a.status, a.stage, a.computed_amount, a.approved_amount, a.form, a.pledges, a.note, \
    a.created_at, a.submitted_at, a.decided_at, a.updated_at \
    FROM application a JOIN policy p ON p.id = a.policy_id JOIN enterprise e ON e.id = a.enterprise_id";

fn from_row(r: &AnyRow) -> Result<ApplicationRow> {
    let at = |col: &str| -> Result<Option<DateTime<Utc>>> {
        r.try_get::<Option<String>, _>(col)?
            .map(|s| time::from_text(&s))
            .transpose()
    };
    let year: i64 = r.try_get("year")?;
    Ok(ApplicationRow {
        id: r.try_get("id")?,
        receipt_no: r.try_get("receipt_no")?,
        policy_id: r.try_get("policy_id")?,
        policy_version: r.try_get("policy_version")?,
        policy_title: r.try_get("policy_title")?,
        enterprise_id: r.try_get("enterprise_id")?,
        enterprise_name: r.try_get("enterprise_name")?,
        credit_code: r.try_get("credit_code")?,
        region_code: r.try_get("region_code")?,
        year: stored("application.year", i32::try_from(year))?,
        claim_key: r.try_get("claim_key")?,
        channel: r.try_get("channel")?,
        status: stored(
            "application.status",
            r.try_get::<String, _>("status")?.parse(),
        )?,
        stage: r.try_get("stage")?,
        computed_amount: r.try_get("computed_amount")?,
        approved_amount: r.try_get("approved_amount")?,
        form: r.try_get("form")?,
        pledges: r.try_get("pledges")?,
        note: r.try_get("note")?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        submitted_at: at("submitted_at")?,
        decided_at: at("decided_at")?,
        updated_at: time::from_text(&r.try_get::<String, _>("updated_at")?)?,
    })
}

/// Inserts an application; `StoreError::Duplicate` when the enterprise already has a live one
/// for the policy and year, or the submit key was used before.
pub async fn insert(conn: &mut Conn, a: &NewApplication<'_>, now: DateTime<Utc>) -> Result<i64> {
    let at = time::to_text(now);
    let submitted = (a.status == ApplicationStatus::Submitted).then(|| at.clone());
    let row = sqlx::query(
        "INSERT INTO application (receipt_no, policy_id, policy_version, enterprise_id, \
         credit_code, region_code, year, channel, status, computed_amount, form, pledges, \
         submit_key, created_by, created_at, submitted_at, updated_at, run_id, claim_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $15, $17, \
         $18) \
         RETURNING id",
    )
    .bind(a.receipt_no)
    .bind(a.policy_id)
    .bind(a.policy_version)
    .bind(a.enterprise_id)
    .bind(a.credit_code)
    .bind(a.region_code)
    .bind(i64::from(a.year))
    .bind(a.channel)
    .bind(a.status.as_str())
    .bind(a.computed_amount)
    .bind(a.form)
    .bind(a.pledges)
    .bind(a.submit_key)
    .bind(a.created_by)
    .bind(&at)
    .bind(submitted)
    .bind(a.run_id)
    .bind(a.claim_key)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts applications a few hundred per statement, leaving out any that a unique index refuses
/// (a live application of the same enterprise, policy, year and claim, or a receipt number
/// drawn twice); returns the receipt numbers inserted with their ids.
pub async fn insert_many(
    conn: &mut Conn,
    news: &[NewApplication<'_>],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>> {
    const COLUMNS: usize = 19;
    let at = time::to_text(now);
    let mut inserted = HashMap::with_capacity(news.len());
    for chunk in statement_batches(news, COLUMNS) {
        let sql = format!(
            "INSERT INTO application (receipt_no, policy_id, policy_version, enterprise_id, \
             credit_code, region_code, year, channel, status, computed_amount, form, pledges, \
             submit_key, created_by, created_at, submitted_at, updated_at, run_id, claim_key) \
             VALUES {} ON CONFLICT DO NOTHING RETURNING id, receipt_no",
            value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for a in chunk {
            let submitted = (a.status == ApplicationStatus::Submitted).then(|| at.clone());
            query = query
                .bind(a.receipt_no)
                .bind(a.policy_id)
                .bind(a.policy_version)
                .bind(a.enterprise_id)
                .bind(a.credit_code)
                .bind(a.region_code)
                .bind(i64::from(a.year))
                .bind(a.channel)
                .bind(a.status.as_str())
                .bind(a.computed_amount)
                .bind(a.form)
                .bind(a.pledges)
                .bind(a.submit_key)
                .bind(a.created_by)
                .bind(at.clone())
                .bind(submitted)
                .bind(at.clone())
                .bind(a.run_id)
                .bind(a.claim_key);
        }
        for row in query.fetch_all(&mut *conn).await? {
            inserted.insert(row.try_get("receipt_no")?, row.try_get("id")?);
        }
    }
    Ok(inserted)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<ApplicationRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE a.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get_by_receipt(conn: &mut Conn, receipt_no: &str) -> Result<Option<ApplicationRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE a.receipt_no = $1")))
        .bind(receipt_no)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// The application an earlier submission with the same key created.
pub async fn by_submit_key(
    conn: &mut Conn,
    enterprise_id: i64,
    key: &str,
) -> Result<Option<ApplicationRow>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{COLUMNS} WHERE a.enterprise_id = $1 AND a.submit_key = $2"
    )))
    .bind(enterprise_id)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Which applications a listing returns.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub enterprise_id: Option<i64>,
    pub policy_id: Option<i64>,
    pub statuses: Vec<ApplicationStatus>,
    pub region_prefix: Option<String>,
    pub channel: Option<String>,
    pub run_id: Option<i64>,
}

/// Applications matching the filter, newest first (at most `limit`).
pub async fn list(
    conn: &mut Conn,
    filter: &ApplicationFilter,
    limit: i64,
) -> Result<Vec<ApplicationRow>> {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    if let Some(e) = filter.enterprise_id {
        conditions.push(format!(
            "a.enterprise_id = {}",
            next(Arg::Int(e), &mut args)
        ));
    }
    if let Some(p) = filter.policy_id {
        conditions.push(format!("a.policy_id = {}", next(Arg::Int(p), &mut args)));
    }
    if !filter.statuses.is_empty() {
        let placeholders: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| next(Arg::Text(s.as_str().into()), &mut args))
            .collect();
        conditions.push(format!("a.status IN ({})", placeholders.join(", ")));
    }
    if let Some(p) = &filter.region_prefix {
        let n = next(Arg::Text(format!("{}%", escape_like(p))), &mut args);
        conditions.push(format!("a.region_code LIKE {n} ESCAPE '\\'"));
    }
    if let Some(c) = &filter.channel {
        conditions.push(format!(
            "a.channel = {}",
            next(Arg::Text(c.clone()), &mut args)
        ));
    }
    if let Some(r) = filter.run_id {
        conditions.push(format!("a.run_id = {}", next(Arg::Int(r), &mut args)));
    }
    let sql = format!(
        "{COLUMNS} WHERE {} ORDER BY a.updated_at DESC, a.id DESC LIMIT {}",
        conditions.join(" AND "),
        limit.max(0)
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A change of an application's state, applied only if it is still in `from` at `stage`, so
/// two reviewers acting at once cannot both move it.
pub struct Move<'a> {
    pub id: i64,
    pub from: ApplicationStatus,
    pub stage: i64,
    pub to: ApplicationStatus,
    pub to_stage: i64,
    pub approved_amount: Option<i64>,
    pub note: Option<&'a str>,
    pub decided: bool,
    pub submitted: bool,
}

impl<'a> Move<'a> {
    /// Application `id` from `from` to `to`, staying at `stage`, nothing else changed; callers
    /// override the fields their step sets.
    pub fn to(id: i64, from: ApplicationStatus, stage: i64, to: ApplicationStatus) -> Move<'a> {
        Move {
            id,
            from,
            stage,
            to,
            to_stage: stage,
            approved_amount: None,
            note: None,
            decided: false,
            submitted: false,
        }
    }
}

pub async fn move_state(conn: &mut Conn, m: &Move<'_>, now: DateTime<Utc>) -> Result<bool> {
    let at = time::to_text(now);
    let done = sqlx::query(
        "UPDATE application SET status = $1, stage = $2, \
         approved_amount = COALESCE($3, approved_amount), note = $4, \
         decided_at = CASE WHEN $5 = 1 THEN $6 ELSE decided_at END, \
         submitted_at = CASE WHEN $7 = 1 THEN $6 ELSE submitted_at END, updated_at = $6 \
         WHERE id = $8 AND status = $9 AND stage = $10",
    )
    .bind(m.to.as_str())
    .bind(m.to_stage)
    .bind(m.approved_amount)
    .bind(m.note)
    .bind(i64::from(m.decided))
    .bind(&at)
    .bind(i64::from(m.submitted))
    .bind(m.id)
    .bind(m.from.as_str())
    .bind(m.stage)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the application for a change while it is still in `status` at `stage`: on
/// PostgreSQL the row stays locked until the transaction ends (SQLite writes one at a time
/// anyway), so what the caller reads next is what every earlier change left. False when it has
/// moved on.
pub async fn lock(
    conn: &mut Conn,
    id: i64,
    status: ApplicationStatus,
    stage: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE application SET updated_at = $1 WHERE id = $2 AND status = $3 AND stage = $4",
    )
    .bind(time::to_text(now))
    .bind(id)
    .bind(status.as_str())
    .bind(stage)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the amount approved so far (a 联审 department changed it, with a reason).
pub async fn set_approved_amount(conn: &mut Conn, id: i64, amount: i64) -> Result<()> {
    sqlx::query("UPDATE application SET approved_amount = $1 WHERE id = $2")
        .bind(amount)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// One department's approval in a joint stage (联审).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointApproval {
    pub org_id: i64,
    pub username: String,
    pub amount: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Records a department's approval; `StoreError::Duplicate` when it approved this stage before.
pub async fn add_joint_approval(
    conn: &mut Conn,
    application_id: i64,
    stage: i64,
    user: (i64, &str),
    approval: (i64, Option<i64>),
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO joint_approval (application_id, stage, org_id, user_id, username, amount, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(application_id)
    .bind(stage)
    .bind(approval.0)
    .bind(user.0)
    .bind(user.1)
    .bind(approval.1)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The approvals a joint stage has so far, in order.
pub async fn joint_approvals(
    conn: &mut Conn,
    application_id: i64,
    stage: i64,
) -> Result<Vec<JointApproval>> {
    let rows = sqlx::query(
        "SELECT org_id, username, amount, at FROM joint_approval \
         WHERE application_id = $1 AND stage = $2 ORDER BY id",
    )
    .bind(application_id)
    .bind(stage)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(JointApproval {
                org_id: r.try_get("org_id")?,
                username: r.try_get("username")?,
                amount: r.try_get("amount")?,
                at: time::from_text(&r.try_get::<String, _>("at")?)?,
            })
        })
        .collect()
}

/// Forgets a stage's approvals: after a return (补正) every department reviews again.
pub async fn clear_joint_approvals(conn: &mut Conn, application_id: i64, stage: i64) -> Result<()> {
    sqlx::query("DELETE FROM joint_approval WHERE application_id = $1 AND stage = $2")
        .bind(application_id)
        .bind(stage)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ids of the applications a 免申即享 run offered that are still in `status`.
pub async fn of_run(
    conn: &mut Conn,
    run_id: i64,
    status: ApplicationStatus,
    limit: Option<i64>,
) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM application WHERE run_id = $1 AND status = $2 ORDER BY id LIMIT $3",
    )
    .bind(run_id)
    .bind(status.as_str())
    .bind(limit.unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Replaces what the enterprise filled in on a draft or returned application. The amount is
/// computed again from the corrected facts, and an amount an earlier stage approved may not
/// stay above it.
pub async fn update_form(
    conn: &mut Conn,
    id: i64,
    form: &str,
    pledges: &str,
    computed_amount: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE application SET form = $1, pledges = $2, computed_amount = $3, updated_at = $4, \
         approved_amount = CASE WHEN approved_amount > $3 THEN $3 ELSE approved_amount END \
         WHERE id = $5",
    )
    .bind(form)
    .bind(pledges)
    .bind(computed_amount)
    .bind(time::to_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: i64,
    pub action: String,
    pub username: String,
    pub org_name: String,
    pub note: Option<String>,
    pub amount: Option<i64>,
    pub at: DateTime<Utc>,
}

pub struct NewStep<'a> {
    pub application_id: i64,
    pub stage: i64,
    pub action: &'a str,
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub org_name: &'a str,
    pub note: Option<&'a str>,
    pub amount: Option<i64>,
}

pub async fn add_step(conn: &mut Conn, s: &NewStep<'_>, now: DateTime<Utc>) -> Result<()> {
    add_steps(conn, std::slice::from_ref(s), now).await
}

/// Adds steps a few hundred per statement (a 免申即享 run's offers).
pub async fn add_steps(conn: &mut Conn, steps: &[NewStep<'_>], now: DateTime<Utc>) -> Result<()> {
    const COLUMNS: usize = 9;
    let at = time::to_text(now);
    for chunk in statement_batches(steps, COLUMNS) {
        let sql = format!(
            "INSERT INTO review_step (application_id, stage, action, user_id, username, org_name, \
             note, amount, at) VALUES {}",
            value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for s in chunk {
            query = query
                .bind(s.application_id)
                .bind(s.stage)
                .bind(s.action)
                .bind(s.user_id)
                .bind(s.username)
                .bind(s.org_name)
                .bind(s.note)
                .bind(s.amount)
                .bind(at.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn steps(conn: &mut Conn, application_id: i64) -> Result<Vec<Step>> {
    let rows = sqlx::query(
        "SELECT stage, action, username, org_name, note, amount, at FROM review_step \
         WHERE application_id = $1 ORDER BY id",
    )
    .bind(application_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Step {
                stage: r.try_get("stage")?,
                action: r.try_get("action")?,
                username: r.try_get("username")?,
                org_name: r.try_get("org_name")?,
                note: r.try_get("note")?,
                amount: r.try_get("amount")?,
                at: time::from_text(&r.try_get::<String, _>("at")?)?,
            })
        })
        .collect()
}

/// The stored values of `statuses` as an SQL list (`'approved', 'rejected'`): they are the
/// enum's own constants, never input, so they are written into the statement.
fn status_list(statuses: &[ApplicationStatus]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The raw figures of the fulfilment dashboard, for applications whose region starts with
/// `region_prefix` ("" for all).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// (status, channel, count)
    pub by_status: Vec<(ApplicationStatus, String, i64)>,
    /// (submitted_at, decided_at) of decided applications (approved or rejected after review).
    pub decisions: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// (due_at, stopped_at) of the review clocks of decided applications.
    pub clocks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// (policy title, department, channel, paid fen, paid count)
    pub paid: Vec<(String, String, String, i64, i64)>,
}

pub async fn figures(conn: &mut Conn, region_prefix: &str, review_clock: &str) -> Result<Figures> {
    let like = format!("{}%", escape_like(region_prefix));
    let decided = status_list(ApplicationStatus::DECIDED);
    let by_status = sqlx::query(
        "SELECT status, channel, COUNT(*) AS n FROM application \
         WHERE region_code LIKE $1 ESCAPE '\\' GROUP BY status, channel ORDER BY status, channel",
    )
    .bind(&like)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let status = r.try_get::<String, _>("status")?;
        Ok((
            stored("application.status", status.parse())?,
            r.try_get("channel")?,
            r.try_get("n")?,
        ))
    })
    .collect::<Result<Vec<_>>>()?;
    let decisions = sqlx::query(AssertSqlSafe(format!(
        "SELECT submitted_at, decided_at FROM application \
             WHERE region_code LIKE $1 ESCAPE '\\' AND status IN ({decided}) AND channel = 'apply' \
             AND submitted_at IS NOT NULL AND decided_at IS NOT NULL"
    )))
    .bind(&like)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            time::from_text(&r.try_get::<String, _>("submitted_at")?)?,
            time::from_text(&r.try_get::<String, _>("decided_at")?)?,
        ))
    })
    .collect::<Result<Vec<_>>>()?;
    let clocks = sqlx::query(AssertSqlSafe(format!(
        "SELECT d.due_at, d.stopped_at FROM deadline d JOIN application a \
             ON d.object_type = 'application' AND d.object_id = a.receipt_no \
             WHERE d.kind = $1 AND d.stopped_at IS NOT NULL AND a.status IN ({decided}) \
             AND a.region_code LIKE $2 ESCAPE '\\'"
    )))
    .bind(review_clock)
    .bind(&like)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            time::from_text(&r.try_get::<String, _>("due_at")?)?,
            time::from_text(&r.try_get::<String, _>("stopped_at")?)?,
        ))
    })
    .collect::<Result<Vec<_>>>()?;
    let paid = sqlx::query(
        "SELECT p.title, o.name AS department, a.channel, CAST(SUM(y.amount) AS BIGINT) AS total, COUNT(*) AS n \
         FROM payout y JOIN application a ON a.id = y.application_id \
         JOIN policy p ON p.id = y.policy_id JOIN organisation o ON o.id = p.department_org_id \
         WHERE y.status = 'paid' AND a.region_code LIKE $1 ESCAPE '\\' \
         GROUP BY p.title, o.name, a.channel ORDER BY p.title, a.channel",
    )
    .bind(&like)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("title")?,
            r.try_get("department")?,
            r.try_get("channel")?,
            r.try_get("total")?,
            r.try_get("n")?,
        ))
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Figures {
        by_status,
        decisions,
        clocks,
        paid,
    })
}

/// Takes the enterprise's grants of a policy year until the transaction ends (an upsert of its
/// `grant_lock` row): on PostgreSQL a second grant to the same enterprise and year waits here
/// and then reads every grant the first made (SQLite writes one at a time anyway).
pub async fn lock_grants(conn: &mut Conn, enterprise_id: i64, year: i32) -> Result<()> {
    sqlx::query(
        "INSERT INTO grant_lock (enterprise_id, year, grants) VALUES ($1, $2, 1) \
         ON CONFLICT (enterprise_id, year) DO UPDATE SET grants = grant_lock.grants + 1",
    )
    .bind(enterprise_id)
    .bind(i64::from(year))
    .execute(conn)
    .await?;
    Ok(())
}

/// The `grant_lock` year that stands for the enterprise's whole history: a grant takes it after
/// its year's row, so a 首次 test reads every earlier grant of any year (policy years are
/// 2000–2100, never 0).
pub const HISTORY: i32 = 0;

/// One grant of the enterprise's history: the policy (slug, id, version) and the policy year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastGrantRow {
    pub slug: String,
    pub policy_id: i64,
    pub policy_version: i64,
    pub year: i32,
}

/// Every grant ever made to each of `enterprise_ids` that has any, by year (and perhaps to ids
/// between them, when they lie close together).
pub async fn grant_histories(
    conn: &mut Conn,
    enterprise_ids: &[i64],
) -> Result<HashMap<i64, Vec<PastGrantRow>>> {
    let mut histories: HashMap<i64, Vec<PastGrantRow>> = HashMap::new();
    for (condition, args) in id_conditions("a.enterprise_id", enterprise_ids, 2) {
        let sql = format!(
            "SELECT a.enterprise_id, p.slug, a.policy_id, a.policy_version, a.year \
             FROM application a JOIN policy p ON p.id = a.policy_id \
             WHERE a.status = $1 AND a.approved_amount IS NOT NULL \
             AND {condition} ORDER BY a.enterprise_id, a.year, a.id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(ApplicationStatus::Approved.as_str());
        for arg in args {
            query = query.bind(arg);
        }
        for r in query.fetch_all(&mut *conn).await? {
            let grant = PastGrantRow {
                slug: r.try_get("slug")?,
                policy_id: r.try_get("policy_id")?,
                policy_version: r.try_get("policy_version")?,
                year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(HISTORY),
            };
            histories
                .entry(r.try_get("enterprise_id")?)
                .or_default()
                .push(grant);
        }
    }
    Ok(histories)
}

/// Money committed to an enterprise for one policy year: an approved application or a
/// confirmed 免申即享 offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub receipt_no: String,
    pub policy_id: i64,
    pub policy_version: i64,
    pub policy_title: String,
    pub amount: i64,
}

/// The grants made to the enterprise for `year`, in the order they were made.
pub async fn grants_of(conn: &mut Conn, enterprise_id: i64, year: i32) -> Result<Vec<GrantRow>> {
    let rows = sqlx::query(
        "SELECT a.receipt_no, a.policy_id, a.policy_version, p.title, a.approved_amount \
         FROM application a JOIN policy p ON p.id = a.policy_id \
         WHERE a.enterprise_id = $1 AND a.year = $2 AND a.status = $3 \
         AND a.approved_amount IS NOT NULL ORDER BY a.decided_at, a.id",
    )
    .bind(enterprise_id)
    .bind(i64::from(year))
    .bind(ApplicationStatus::Approved.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(GrantRow {
                receipt_no: r.try_get("receipt_no")?,
                policy_id: r.try_get("policy_id")?,
                policy_version: r.try_get("policy_version")?,
                policy_title: r.try_get("title")?,
                amount: r.try_get("approved_amount")?,
            })
        })
        .collect()
}

/// How many applications and grants each policy has beyond drafts: (policy id, count).
pub async fn uses_by_policy(conn: &mut Conn) -> Result<Vec<(i64, i64)>> {
    sqlx::query(
        "SELECT policy_id, COUNT(*) AS n FROM application WHERE status <> $1 GROUP BY policy_id",
    )
    .bind(ApplicationStatus::Draft.as_str())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("policy_id")?, r.try_get("n")?)))
    .collect()
}
