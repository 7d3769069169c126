//! What 数智监督 reads of the fulfilment: decisions by time, approvals above what the rules
//! computed, bad ratings whose follow-up came late or not at all, the grants of an enterprise's
//! busy policy years, and what the people committing money had done for the same enterprise.

use crate::ratings::{FOLLOW_UP_CLOCK, Finding};
use crate::status::ApplicationStatus;
use chrono::{DateTime, Utc};
use qinqing_domain::org::Role;
use qinqing_kernel::store::sql::{Arg, bind_all, escape_like, next};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

/// The application a flag is about, as 纪检 reads it.
#[derive(Debug, Clone)]
pub struct Item {
    pub receipt_no: String,
    pub policy_title: String,
    pub enterprise_name: String,
    /// The policy's department.
    pub department: String,
}

const ITEM: &str = "a.receipt_no, p.title AS policy_title, e.name AS enterprise_name, \
    o.name AS department";
const ITEM_JOINS: &str = "JOIN policy p ON p.id = a.policy_id \
    JOIN enterprise e ON e.id = a.enterprise_id JOIN organisation o ON o.id = p.department_org_id";
/// Applications of the region (a division code prefix in `$2`).
const IN_REGION: &str = "a.region_code LIKE $2 ESCAPE '\\'";

fn item(r: &AnyRow) -> Result<Item> {
    Ok(Item {
        receipt_no: r.try_get("receipt_no")?,
        policy_title: r.try_get("policy_title")?,
        enterprise_name: r.try_get("enterprise_name")?,
        department: r.try_get("department")?,
    })
}

fn region(prefix: &str) -> String {
    format!("{}%", escape_like(prefix))
}

/// Runs a query of the region's applications since a time (`$1`; the region in `$2`).
async fn since_in_region(
    conn: &mut Conn,
    sql: String,
    since: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<AnyRow>> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::to_text(since))
        .bind(region(region_prefix))
        .fetch_all(conn)
        .await?)
}

fn at(r: &AnyRow, column: &str) -> Result<DateTime<Utc>> {
    time::from_text(&r.try_get::<String, _>(column)?)
}

/// One decision on an application that commits or refuses money: 核准 or 不予通过 at any
/// stage, and the confirmation of a 免申即享 offer.
#[derive(Debug, Clone)]
pub struct Decision {
    pub item: Item,
    /// The review step's action (`approve`, `reject`, `confirm`).
    pub action: String,
    /// Who decided, by name.
    pub decider: String,
    pub at: DateTime<Utc>,
}

/// Every decision of the region since `since`, the newest first.
pub async fn decisions(
    conn: &mut Conn,
    since: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<Decision>> {
    let sql = format!(
        "SELECT {ITEM}, s.action, COALESCE(u.display_name, s.username) AS decider, s.at \
         FROM review_step s JOIN application a ON a.id = s.application_id {ITEM_JOINS} \
         LEFT JOIN app_user u ON u.id = s.user_id \
         WHERE s.action IN ('approve', 'reject', 'confirm') AND s.at >= $1 AND {IN_REGION} \
         ORDER BY s.at DESC"
    );
    let rows = since_in_region(conn, sql, since, region_prefix).await?;
    rows.iter()
        .map(|r| {
            Ok(Decision {
                item: item(r)?,
                action: r.try_get("action")?,
                decider: r.try_get("decider")?,
                at: at(r, "at")?,
            })
        })
        .collect()
}

/// An application approved for more than the rules computed from its facts.
#[derive(Debug, Clone)]
pub struct AboveComputed {
    pub item: Item,
    pub computed: i64,
    pub approved: i64,
    pub decided_at: DateTime<Utc>,
}

/// Applications of the region decided since `since` whose approved amount exceeds the
/// computed one.
pub async fn above_computed(
    conn: &mut Conn,
    since: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<AboveComputed>> {
    let sql = format!(
        "SELECT {ITEM}, a.computed_amount, a.approved_amount, a.decided_at \
         FROM application a {ITEM_JOINS} \
         WHERE a.approved_amount > a.computed_amount AND a.decided_at >= $1 AND {IN_REGION}"
    );
    let rows = since_in_region(conn, sql, since, region_prefix).await?;
    rows.iter()
        .map(|r| {
            Ok(AboveComputed {
                item: item(r)?,
                computed: r.try_get("computed_amount")?,
                approved: r.try_get("approved_amount")?,
                decided_at: at(r, "decided_at")?,
            })
        })
        .collect()
}

/// A bad rating someone answers for: its follow-up came late or has not come, or it found the
/// people who handled the application failed their duty.
#[derive(Debug, Clone)]
pub struct BadRating {
    pub item: Item,
    pub level: i64,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub follow_up_note: Option<String>,
    pub duty_failed: bool,
}

/// Bad ratings of the region still without a follow-up past its time, and those followed up
/// since `since` late or with the finding that the handlers failed their duty.
pub async fn bad_ratings(
    conn: &mut Conn,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<BadRating>> {
    let sql = format!(
        "SELECT {ITEM}, r.level, r.comment, r.rated_at, r.followed_up_at, r.follow_up_note, \
           r.follow_up_finding, d.due_at \
         FROM service_rating r JOIN application a ON a.id = r.application_id {ITEM_JOINS} \
         JOIN deadline d ON d.object_type = 'rating' AND d.object_id = CAST(r.id AS TEXT) \
           AND d.kind = $4 \
         WHERE {IN_REGION} AND ((r.followed_up_at IS NULL AND d.due_at < $3) \
           OR (r.followed_up_at >= $1 \
               AND (r.followed_up_at > d.due_at OR r.follow_up_finding = $5)))"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::to_text(since))
        .bind(region(region_prefix))
        .bind(time::to_text(now))
        .bind(FOLLOW_UP_CLOCK)
        .bind(Finding::DutyFailed.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let finding: Option<String> = r.try_get("follow_up_finding")?;
            Ok(BadRating {
                item: item(r)?,
                level: r.try_get("level")?,
                comment: r.try_get("comment")?,
                rated_at: at(r, "rated_at")?,
                due_at: at(r, "due_at")?,
                followed_up_at: r
                    .try_get::<Option<String>, _>("followed_up_at")?
                    .map(|s| time::from_text(&s))
                    .transpose()?,
                follow_up_note: r.try_get("follow_up_note")?,
                duty_failed: finding.as_deref() == Some(Finding::DutyFailed.as_str()),
            })
        })
        .collect()
}

/// Who decided each of the applications (核准 or 不予通过 at any stage), by name, in the order
/// they decided.
pub async fn deciders(conn: &mut Conn, receipts: &[&str]) -> Result<BTreeMap<String, Vec<String>>> {
    took_steps(conn, receipts, "'approve', 'reject', 'confirm'").await
}

/// Who on the staff side committed the money of each of the grants: the approvals at every
/// stage, and the release (核对后发布) of a 免申即享 offer; by name, in the order they acted.
pub async fn granted_by(
    conn: &mut Conn,
    receipts: &[&str],
) -> Result<BTreeMap<String, Vec<String>>> {
    took_steps(conn, receipts, "'approve', 'release'").await
}

/// Who took steps of the `actions` (quoted, comma-separated) on each of the applications.
async fn took_steps(
    conn: &mut Conn,
    receipts: &[&str],
    actions: &str,
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if receipts.is_empty() {
        return Ok(out);
    }
    let mut args = Vec::new();
    let listed: Vec<String> = receipts
        .iter()
        .map(|r| next(Arg::Text((*r).to_string()), &mut args))
        .collect();
    let sql = format!(
        "SELECT a.receipt_no, COALESCE(u.display_name, s.username) AS decider \
         FROM review_step s JOIN application a ON a.id = s.application_id \
         LEFT JOIN app_user u ON u.id = s.user_id \
         WHERE a.receipt_no IN ({}) AND s.action IN ({actions}) \
         ORDER BY s.id",
        listed.join(", ")
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    for r in rows {
        let names = out.entry(r.try_get("receipt_no")?).or_default();
        let name: String = r.try_get("decider")?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(out)
}

/// One grant (an approved application or a confirmed 免申即享 offer) of an enterprise's policy
/// year.
#[derive(Debug, Clone)]
pub struct Grant {
    pub item: Item,
    pub enterprise_id: i64,
    pub year: i64,
    pub policy_id: i64,
    pub policy_version: i64,
    /// What was granted (fen).
    pub approved: i64,
    /// What the policy's own rules computed before the cross-policy rules cut it (fen).
    pub computed: Option<i64>,
    pub decided_at: DateTime<Utc>,
}

/// The grants of the region's enterprises in the policy years where an enterprise was granted
/// at least twice, one of them since `since`; enterprise by enterprise, year by year, in the
/// order they were made.
pub async fn grants_in_busy_years(
    conn: &mut Conn,
    since: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<Grant>> {
    let approved = ApplicationStatus::Approved.as_str();
    let sql = format!(
        "SELECT {ITEM}, a.enterprise_id, a.year, a.policy_id, a.policy_version, \
           a.approved_amount, a.computed_amount, a.decided_at \
         FROM application a {ITEM_JOINS} \
         JOIN (SELECT enterprise_id, year FROM application \
               WHERE status = '{approved}' AND approved_amount IS NOT NULL \
               GROUP BY enterprise_id, year \
               HAVING COUNT(*) >= 2 AND MAX(decided_at) >= $1) g \
           ON g.enterprise_id = a.enterprise_id AND g.year = a.year \
         WHERE a.status = '{approved}' AND a.approved_amount IS NOT NULL AND {IN_REGION} \
         ORDER BY a.enterprise_id, a.year, a.decided_at, a.id"
    );
    let rows = since_in_region(conn, sql, since, region_prefix).await?;
    rows.iter()
        .map(|r| {
            Ok(Grant {
                item: item(r)?,
                enterprise_id: r.try_get("enterprise_id")?,
                year: r.try_get("year")?,
                policy_id: r.try_get("policy_id")?,
                policy_version: r.try_get("policy_version")?,
                approved: r.try_get("approved_amount")?,
                computed: r.try_get("computed_amount")?,
                decided_at: at(r, "decided_at")?,
            })
        })
        .collect()
}

/// The steps that commit money on the staff side: a final approval (the approval that granted
/// the application), and the release (核对后发布) of a 免申即享 offer to its enterprise.
const COMMITS: &str = "s.user_id IS NOT NULL AND (s.action = 'release' \
    OR (s.action = 'approve' AND a.status = 'approved' AND s.at = a.decided_at))";

/// One commitment of money by a person, as [`COMMITS`] finds it.
#[derive(Debug, Clone)]
pub struct Commitment {
    /// The review step's id.
    pub step_id: i64,
    pub item: Item,
    /// `approve` or `release`.
    pub action: String,
    pub user_id: i64,
    pub decider: String,
    /// What it committed (fen).
    pub amount: Option<i64>,
    pub at: DateTime<Utc>,
}

/// What the person who committed money had done before for the same enterprise.
#[derive(Debug, Clone)]
pub enum Earlier {
    /// Changed its profile: the trail entry's changes (`field`, `year`, `old`, `new`).
    Profile(serde_json::Value),
    /// Submitted (or resubmitted) the application.
    Submitted,
    /// Acted on its behalf as the enterprise (its 亲清管家, or under its mandate), in a role the
    /// person held then: the trail's action.
    OnBehalf(String),
}

/// One thing done before a commitment by the person who made it.
#[derive(Debug, Clone)]
pub struct Before {
    pub step_id: i64,
    pub what: Earlier,
    pub at: DateTime<Utc>,
}

/// What the people committing money since `since` in the region had done themselves, from
/// `from` up to the commitment, for the enterprise it went to: changes to its profile and the
/// submission of the application (each found through the index of its object), then what they
/// did on its behalf (from the trail's index of acting for others, for the people committing
/// only).
pub async fn done_before(
    conn: &mut Conn,
    since: DateTime<Utc>,
    from: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<Before>> {
    let mut out = Vec::new();
    // The commitments first, by time, then what their people did, each through its index: the
    // trail's object column taken from them keeps SQLite from reading the trail's whole share
    // of enterprises instead.
    let committed = format!(
        "WITH c AS MATERIALIZED (SELECT s.id, s.user_id, s.at, s.application_id, \
           'enterprise' AS object_type, e.credit_code \
         FROM review_step s JOIN application a ON a.id = s.application_id \
         JOIN enterprise e ON e.id = a.enterprise_id \
         WHERE s.at >= $1 AND {IN_REGION} AND {COMMITS}) "
    );
    let profile = format!(
        "{committed}SELECT c.id AS step_id, x.recorded_at AS at, x.entry \
         FROM c JOIN audit_entry x ON x.object_type = c.object_type \
           AND x.object_id = c.credit_code AND x.action = 'enterprise.profile_updated' \
           AND x.user_id = c.user_id AND x.recorded_at >= $3 AND x.recorded_at <= c.at"
    );
    for r in since_from_in_region(conn, profile, since, from, region_prefix).await? {
        let entry: String = r.try_get("entry")?;
        let entry: serde_json::Value = stored("audit_entry.entry", serde_json::from_str(&entry))?;
        out.push(Before {
            step_id: r.try_get("step_id")?,
            what: Earlier::Profile(entry["detail"]["changes"].clone()),
            at: at(&r, "at")?,
        });
    }
    let submitted = format!(
        "{committed}SELECT c.id AS step_id, b.at \
         FROM c JOIN review_step b ON b.application_id = c.application_id \
           AND b.user_id = c.user_id AND b.action IN ('submit', 'resubmit') \
           AND b.at >= $3 AND b.at <= c.at"
    );
    for r in since_from_in_region(conn, submitted, since, from, region_prefix).await? {
        out.push(Before {
            step_id: r.try_get("step_id")?,
            what: Earlier::Submitted,
            at: at(&r, "at")?,
        });
    }
    // Acting for others: the period's entries of the people committing, read once.
    let on_behalf = format!(
        "{committed}SELECT c.id AS step_id, x.recorded_at AS at, x.action, x.entry \
         FROM c JOIN (SELECT user_id, on_behalf_of, recorded_at, action, entry FROM audit_entry \
               WHERE on_behalf_of IS NOT NULL AND recorded_at >= $3 \
                 AND user_id IN (SELECT user_id FROM c)) x \
           ON x.on_behalf_of = c.credit_code AND x.user_id = c.user_id AND x.recorded_at <= c.at"
    );
    for r in since_from_in_region(conn, on_behalf, since, from, region_prefix).await? {
        // Staff registering a request the enterprise phoned in say whom it is for; only acting
        // as the enterprise (its 亲清管家, or under its mandate) counts.
        let entry: String = r.try_get("entry")?;
        let entry: serde_json::Value = stored("audit_entry.entry", serde_json::from_str(&entry))?;
        let role = entry["actor"]["role"].as_str().and_then(Role::parse);
        if !role.is_some_and(acts_for_enterprise_as) {
            continue;
        }
        out.push(Before {
            step_id: r.try_get("step_id")?,
            what: Earlier::OnBehalf(r.try_get("action")?),
            at: at(&r, "at")?,
        });
    }
    Ok(out)
}

/// The commitments of the given review steps.
pub async fn commitments(conn: &mut Conn, step_ids: &[i64]) -> Result<Vec<Commitment>> {
    if step_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Vec::new();
    let listed: Vec<String> = step_ids
        .iter()
        .map(|id| next(Arg::Int(*id), &mut args))
        .collect();
    let sql = format!(
        "SELECT s.id AS step_id, {ITEM}, s.action, s.user_id, \
           COALESCE(u.display_name, s.username) AS decider, s.amount, s.at \
         FROM review_step s JOIN application a ON a.id = s.application_id {ITEM_JOINS} \
         LEFT JOIN app_user u ON u.id = s.user_id \
         WHERE s.id IN ({}) ORDER BY s.at DESC",
        listed.join(", ")
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &args)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Commitment {
                step_id: r.try_get("step_id")?,
                item: item(r)?,
                action: r.try_get("action")?,
                user_id: r.try_get("user_id")?,
                decider: r.try_get("decider")?,
                amount: r.try_get("amount")?,
                at: at(r, "at")?,
            })
        })
        .collect()
}

/// Runs a query of the region's applications since a time (`$1`; the region in `$2`) looking
/// back to another (`$3`).
async fn since_from_in_region(
    conn: &mut Conn,
    sql: String,
    since: DateTime<Utc>,
    from: DateTime<Utc>,
    region_prefix: &str,
) -> Result<Vec<AnyRow>> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::to_text(since))
        .bind(region(region_prefix))
        .bind(time::to_text(from))
        .fetch_all(conn)
        .await?)
}

/// Whether a role acts as an enterprise: its own users and its 亲清管家.
fn acts_for_enterprise_as(role: Role) -> bool {
    matches!(role, Role::EnterpriseUser | Role::Steward)
}
