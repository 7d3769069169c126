//! The policy library (政策库): policies, their versions (a published version is immutable) and
//! the budget each policy pays from. Budget commitments are conditional updates, so the
//! committed sum never exceeds the total however many reviewers approve at once.

use crate::status::PolicyStatus;
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_kernel::store::sql::in_list;
use qinqing_kernel::store::{Conn, Result, stored, time};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub department_org_id: i64,
    pub department_name: String,
    pub level: String,
    pub mode: String,
    /// JSON array of topics.
    pub topics: String,
    pub status: PolicyStatus,
    pub document_no: Option<String>,
    pub document_text: String,
    /// JSON object: the application guide.
    pub guide: String,
    pub offline_channel: Option<String>,
    /// JSON array of review stages.
    pub review_stages: String,
    pub decision_days: i64,
    pub budget_total: Option<i64>,
    pub budget_committed: i64,
    /// Held back by 免申即享 offers not yet confirmed; committed + reserved ≤ total.
    pub budget_reserved: i64,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
    pub current_version: i64,
    pub published_version: Option<i64>,
    pub withdrawn_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What a policy row holds apart from its id, status and versions.
#[derive(Debug, Clone)]
pub struct PolicyFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub department_org_id: i64,
    pub level: &'a str,
    pub mode: &'a str,
    pub topics: &'a str,
    pub document_no: Option<&'a str>,
    pub document_text: &'a str,
    pub guide: &'a str,
    pub offline_channel: Option<&'a str>,
    pub review_stages: &'a str,
    pub decision_days: i64,
    pub budget_total: Option<i64>,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
}

/// What a version holds besides its definition: the texts and settings staff write beside it.
/// The policy row carries those of the version in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionTexts {
    pub document_text: String,
    /// JSON object: the application guide.
    pub guide: String,
    pub offline_channel: Option<String>,
    /// JSON array of review stages.
    pub review_stages: String,
    pub decision_days: i64,
    pub budget_total: Option<i64>,
}

impl VersionTexts {
    pub fn of(f: &PolicyFields<'_>) -> VersionTexts {
        VersionTexts {
            document_text: f.document_text.to_string(),
            guide: f.guide.to_string(),
            offline_channel: f.offline_channel.map(str::to_string),
            review_stages: f.review_stages.to_string(),
            decision_days: f.decision_days,
            budget_total: f.budget_total,
        }
    }

    /// `base` with these texts in place of its own.
    pub fn over<'a>(&'a self, base: PolicyFields<'a>) -> PolicyFields<'a> {
        PolicyFields {
            document_text: &self.document_text,
            guide: &self.guide,
            offline_channel: self.offline_channel.as_deref(),
            review_stages: &self.review_stages,
            decision_days: self.decision_days,
            budget_total: self.budget_total,
            ..base
        }
    }

    fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| qinqing_kernel::store::StoreError::Corrupt(e.to_string()))
    }
}

/// How an edit lands (the caller decides from the policy's status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A policy never published: its current version and the row change together.
    InPlace,
    /// A published policy: a new version is made; the row keeps the version in force.
    NewVersion,
    /// A new version not yet published is edited again; the row keeps the version in force.
    PendingVersion,
}

const COLUMNS: &str = "SELECT p.id, p.slug, p.title, p.department_org_id, o.name AS department_name, \
    p.level, p.mode, p.topics, p.status, p.document_no, p.document_text, p.guide, \
    p.offline_channel, p.review_stages, p.decision_days, p.budget_total, p.budget_committed, p.budget_reserved, \
    p.effective_from, p.effective_to, p.current_version, p.published_version, \
    p.withdrawn_reason, p.updated_at FROM policy p JOIN organisation o ON o.id = p.department_org_id";

fn from_row(r: &AnyRow) -> Result<PolicyRow> {
    let date = |col: &str| -> Result<Option<NaiveDate>> {
        r.try_get::<Option<String>, _>(col)?
            .map(|s| time::date_from_text(&s))
            .transpose()
    };
    Ok(PolicyRow {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        department_org_id: r.try_get("department_org_id")?,
        department_name: r.try_get("department_name")?,
        level: r.try_get("level")?,
        mode: r.try_get("mode")?,
        topics: r.try_get("topics")?,
        status: stored("policy.status", r.try_get::<String, _>("status")?.parse())?,
        document_no: r.try_get("document_no")?,
        document_text: r.try_get("document_text")?,
        guide: r.try_get("guide")?,
        offline_channel: r.try_get("offline_channel")?,
        review_stages: r.try_get("review_stages")?,
        decision_days: r.try_get("decision_days")?,
        budget_total: r.try_get("budget_total")?,
        budget_committed: r.try_get("budget_committed")?,
        budget_reserved: r.try_get("budget_reserved")?,
        effective_from: date("effective_from")?,
        effective_to: date("effective_to")?,
        current_version: r.try_get("current_version")?,
        published_version: r.try_get("published_version")?,
        withdrawn_reason: r.try_get("withdrawn_reason")?,
        updated_at: time::from_text(&r.try_get::<String, _>("updated_at")?)?,
    })
}

/// Inserts a draft policy with its first version.
pub async fn insert(
    conn: &mut Conn,
    f: &PolicyFields<'_>,
    definition: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let at = time::to_text(now);
    let row = sqlx::query(
        "INSERT INTO policy (slug, title, department_org_id, level, mode, topics, status, \
         document_no, document_text, guide, offline_channel, review_stages, decision_days, \
         budget_total, effective_from, effective_to, current_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $17, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, \
         $16, $16) RETURNING id",
    )
    .bind(f.slug)
    .bind(f.title)
    .bind(f.department_org_id)
    .bind(f.level)
    .bind(f.mode)
    .bind(f.topics)
    .bind(f.document_no)
    .bind(f.document_text)
    .bind(f.guide)
    .bind(f.offline_channel)
    .bind(f.review_stages)
    .bind(f.decision_days)
    .bind(f.budget_total)
    .bind(f.effective_from.map(time::date_to_text))
    .bind(f.effective_to.map(time::date_to_text))
    .bind(&at)
    .bind(PolicyStatus::Draft.as_str())
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    insert_version(conn, id, 1, definition, &VersionTexts::of(f), now).await?;
    Ok(id)
}

async fn insert_version(
    conn: &mut Conn,
    policy_id: i64,
    version: i64,
    definition: &str,
    texts: &VersionTexts,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO policy_version (policy_id, version, definition, texts, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(policy_id)
    .bind(version)
    .bind(definition)
    .bind(texts.to_json()?)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves an edit: the definition and texts into a version (see `Edit`), and for a policy never
/// published the row's fields too; the row's department always follows `f`. Returns the
/// version the edit landed in.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    f: &PolicyFields<'_>,
    definition: &str,
    edit: Edit,
    now: DateTime<Utc>,
) -> Result<i64> {
    let current: i64 = sqlx::query("SELECT current_version FROM policy WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("current_version")?;
    let texts = VersionTexts::of(f);
    let version = if edit == Edit::NewVersion {
        insert_version(conn, id, current + 1, definition, &texts, now).await?;
        current + 1
    } else {
        sqlx::query(
            "UPDATE policy_version SET definition = $1, texts = $2 WHERE policy_id = $3 \
             AND version = $4 AND published_at IS NULL",
        )
        .bind(definition)
        .bind(texts.to_json()?)
        .bind(id)
        .bind(current)
        .execute(&mut *conn)
        .await?;
        current
    };
    sqlx::query(
        "UPDATE policy SET department_org_id = $1, current_version = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(f.department_org_id)
    .bind(version)
    .bind(time::to_text(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if edit == Edit::InPlace {
        set_version_fields(conn, id, f).await?;
    }
    Ok(version)
}

/// The texts of one version; `None` for versions made before versions kept their texts.
pub async fn version_texts(
    conn: &mut Conn,
    policy_id: i64,
    version: i64,
) -> Result<Option<VersionTexts>> {
    let row = sqlx::query("SELECT texts FROM policy_version WHERE policy_id = $1 AND version = $2")
        .bind(policy_id)
        .bind(version)
        .fetch_optional(conn)
        .await?;
    let Some(text) = row
        .map(|r| r.try_get::<Option<String>, _>("texts"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    qinqing_kernel::store::stored("policy_version.texts", serde_json::from_str(&text)).map(Some)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<PolicyRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE p.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<PolicyRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE p.slug = $1")))
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Every policy, or those in one status, by title.
pub async fn list(conn: &mut Conn, status: Option<PolicyStatus>) -> Result<Vec<PolicyRow>> {
    let rows = match status {
        Some(s) => {
            sqlx::query(AssertSqlSafe(format!(
                "{COLUMNS} WHERE p.status = $1 ORDER BY p.title, p.id"
            )))
            .bind(s.as_str())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!("{COLUMNS} ORDER BY p.title, p.id")))
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// The definition of one version.
pub async fn definition(conn: &mut Conn, policy_id: i64, version: i64) -> Result<Option<String>> {
    let row =
        sqlx::query("SELECT definition FROM policy_version WHERE policy_id = $1 AND version = $2")
            .bind(policy_id)
            .bind(version)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|r| r.try_get("definition")).transpose()?)
}

/// The published definitions of every published policy: (policy id, version, definition).
pub async fn published_definitions(conn: &mut Conn) -> Result<Vec<(i64, i64, String)>> {
    published_definitions_of(conn, Some(PolicyStatus::Published)).await
}

/// The published version of every policy ever published, whatever it is now: a 按比例 pool's
/// members pay after their end date, and a withdrawn member's earlier allocations still count
/// against the pool.
pub async fn ever_published_definitions(conn: &mut Conn) -> Result<Vec<(i64, i64, String)>> {
    published_definitions_of(conn, None).await
}

async fn published_definitions_of(
    conn: &mut Conn,
    status: Option<PolicyStatus>,
) -> Result<Vec<(i64, i64, String)>> {
    let rows = sqlx::query(
        "SELECT p.id, v.version, v.definition FROM policy p JOIN policy_version v \
         ON v.policy_id = p.id AND v.version = p.published_version \
         WHERE $1 IS NULL OR p.status = $1 ORDER BY p.id",
    )
    .bind(status.map(PolicyStatus::as_str))
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

/// Moves a policy from one status to another; false when it was not in `from` (someone else
/// moved it first).
pub async fn transition(
    conn: &mut Conn,
    id: i64,
    from: &[PolicyStatus],
    to: PolicyStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = format!(
        "UPDATE policy SET status = $1, withdrawn_reason = COALESCE($2, withdrawn_reason), \
         updated_at = $3 WHERE id = $4 AND status IN ({})",
        in_list(5, from.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(reason.map(str::to_string))
        .bind(time::to_text(now))
        .bind(id);
    for s in from {
        q = q.bind(s.as_str());
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// Publishes the current version: it becomes immutable and the one applications use.
pub async fn publish_current(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<i64> {
    let at = time::to_text(now);
    let version: i64 = sqlx::query(
        "UPDATE policy SET published_version = current_version, status = $3, \
         updated_at = $1 WHERE id = $2 RETURNING published_version",
    )
    .bind(&at)
    .bind(id)
    .bind(PolicyStatus::Published.as_str())
    .fetch_one(&mut *conn)
    .await?
    .try_get("published_version")?;
    sqlx::query(
        "UPDATE policy_version SET published_at = $1 WHERE policy_id = $2 AND version = $3 \
         AND published_at IS NULL",
    )
    .bind(&at)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(version)
}

/// Sets the row's fields from a version: when it is published, or edited before its first
/// publication (the department and budget commitments are the policy's, not a version's).
pub async fn set_version_fields(conn: &mut Conn, id: i64, f: &PolicyFields<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE policy SET title = $1, level = $2, mode = $3, topics = $4, document_no = $5, \
         document_text = $6, guide = $7, offline_channel = $8, review_stages = $9, \
         decision_days = $10, budget_total = $11, effective_from = $12, effective_to = $13 \
         WHERE id = $14",
    )
    .bind(f.title)
    .bind(f.level)
    .bind(f.mode)
    .bind(f.topics)
    .bind(f.document_no)
    .bind(f.document_text)
    .bind(f.guide)
    .bind(f.offline_channel)
    .bind(f.review_stages)
    .bind(f.decision_days)
    .bind(f.budget_total)
    .bind(f.effective_from.map(time::date_to_text))
    .bind(f.effective_to.map(time::date_to_text))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Published policies whose effective period ended before `today`.
pub async fn expire_ended(
    conn: &mut Conn,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "UPDATE policy SET status = $3, updated_at = $1 \
         WHERE status = $4 AND effective_to IS NOT NULL AND effective_to < $2 RETURNING id",
    )
    .bind(time::to_text(now))
    .bind(time::date_to_text(today))
    .bind(PolicyStatus::Expired.as_str())
    .bind(PolicyStatus::Published.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Commits `amount` fen of the policy's budget; false (and nothing changed) when what is left
/// (after what offers hold back) is less. A policy without a budget always succeeds.
pub async fn commit_budget(conn: &mut Conn, id: i64, amount: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy SET budget_committed = budget_committed + $1 WHERE id = $2 \
         AND (budget_total IS NULL OR budget_committed + budget_reserved + $1 <= budget_total)",
    )
    .bind(amount)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Holds back `amount` fen for a 免申即享 offer; false (and nothing changed) when what is left
/// is less. A conditional update of the policy row, so offers made at the same time never hold
/// more than the budget together.
pub async fn reserve_budget(conn: &mut Conn, id: i64, amount: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy SET budget_reserved = budget_reserved + $1 WHERE id = $2 \
         AND (budget_total IS NULL OR budget_committed + budget_reserved + $1 <= budget_total)",
    )
    .bind(amount)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns what an offer held back into a commitment (the enterprise confirmed it); false when
/// nothing that large is held.
pub async fn commit_reserved(conn: &mut Conn, id: i64, amount: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE policy SET budget_committed = budget_committed + $1, \
         budget_reserved = budget_reserved - $1 WHERE id = $2 AND budget_reserved >= $1",
    )
    .bind(amount)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back what an offer held (declined or excluded).
pub async fn release_reserved(conn: &mut Conn, id: i64, amount: i64) -> Result<()> {
    sqlx::query(
        "UPDATE policy SET budget_reserved = budget_reserved - $1 WHERE id = $2 \
         AND budget_reserved >= $1",
    )
    .bind(amount)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the policy row for the rest of the transaction (a write that changes nothing) and
/// returns what is left of its budget (`None`: no budget set). On PostgreSQL the row stays
/// locked until commit, so two 免申即享 runs of one policy run one after the other and no
/// approval moves the budget meanwhile; SQLite writes one at a time anyway.
pub async fn lock(conn: &mut Conn, id: i64) -> Result<Option<i64>> {
    let row = sqlx::query(
        "UPDATE policy SET budget_reserved = budget_reserved WHERE id = $1 \
         RETURNING budget_total - budget_committed - budget_reserved AS budget_left",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("budget_left")?)
}

/// Gives back to the budget what a cancelled payout had committed.
pub async fn release_budget(conn: &mut Conn, id: i64, amount: i64) -> Result<()> {
    sqlx::query(
        "UPDATE policy SET budget_committed = budget_committed - $1 WHERE id = $2 \
         AND budget_committed >= $1",
    )
    .bind(amount)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
