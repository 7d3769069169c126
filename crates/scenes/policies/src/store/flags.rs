//! What 数智监督 reads of the fulfilment: decisions by time, approvals above what the rules
//! computed, and bad ratings whose follow-up came late or not at all.

use crate::ratings::{FOLLOW_UP_CLOCK, Finding};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::{Arg, bind_all, escape_like, next};
use qinqing_kernel::store::{Conn, Result, time};
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
         WHERE a.receipt_no IN ({}) AND s.action IN ('approve', 'reject', 'confirm') \
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
