//! 按比例分配: a policy whose budget pool says `allocation = "pro_rata"` ("资金总额有限,申报总额
//! 超出时按比例分配") grants in full at approval but pays nothing yet; its payouts wait
//! (`allocating`). When the application window has closed, the department's lead allocates what
//! is left of the pool among the year's waiting grants of every policy sharing it, in one
//! transaction: each ⌊claim × left / Σclaims⌋ fen and the fen left over by largest remainder
//! (`qinqing_rules::cross::allocate`, the engine's rule), in full when they fit. Only then is
//! the money committed (the policies' and fiscal levels' budgets), the payouts queued for the
//! bank and the enterprises told what they get and why. A grant made after an allocation waits
//! for the next one, which shares what the pool still has.

use crate::applications::{get_row, notify_enterprise, step};
use crate::review::object;
use crate::store::applications::{self as app_store, ApplicationRow};
use crate::store::payouts::{self, Waiting};
use crate::store::policies;
use crate::{funding, grant_rules, row_by_slug};
use chrono::{DateTime, Utc};
use qinqing_domain::Money;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::model::{Allocation, Budget, CostSharing};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use utoipa::ToSchema;

/// A pool's allocation for one policy year: what waits, or what was given.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationView {
    pub year: i32,
    /// The policies sharing the pool.
    pub policies: Vec<String>,
    /// Yuan.
    pub pool_total: String,
    /// Given by earlier allocations of the year (yuan).
    pub allocated_before: String,
    /// Grants waiting (before), or given their share (after).
    pub grants: usize,
    /// What they would pay in full (yuan).
    pub claimed: String,
    /// What they get (yuan): all they claimed when it fits, else what is left of the pool.
    pub granted: String,
    /// "全额核定" or "按 62.50% 比例核定".
    pub rule: String,
}

/// What allocating now would give the grants of `slug`'s pool for `year`, for its lead to see
/// before allocating; `None` when the policy's budget is not shared 按比例.
pub async fn preview(
    app: &App,
    who: &Principal,
    slug: &str,
    year: i32,
) -> AppResult<Option<AllocationView>> {
    let mut conn = app.db.conn().await?;
    let Some(pool) = pool_of(&mut conn, who, slug).await? else {
        return Ok(None);
    };
    let waiting = payouts::allocating(&mut conn, &pool.policy_ids, year).await?;
    let before = payouts::allocated(&mut conn, &pool.policy_ids, year).await?;
    let shares = shares(&pool.budget, before, &waiting);
    Ok(Some(view(&pool, year, before, &waiting, &shares)))
}

/// Allocates the pool of `slug` among the waiting grants of `year`.
pub async fn allocate(
    app: &App,
    who: &Principal,
    slug: &str,
    year: i32,
    meta: &RequestMeta,
) -> AppResult<AllocationView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let pool = pool_of(&mut tx, who, slug)
        .await?
        .ok_or_else(|| AppError::Conflict {
            field: None,
            message: "本政策资金按审批先后核定,不需按比例分配".into(),
        })?;
    // Every policy row of the pool, in id order (lock order 3), so approvals of the pool wait.
    for &id in &pool.policy_ids {
        policies::lock(&mut tx, id).await?;
    }
    let waiting = payouts::allocating(&mut tx, &pool.policy_ids, year).await?;
    if waiting.is_empty() {
        return Err(AppError::Conflict {
            field: Some("year".into()),
            message: format!("{year} 年度没有待按比例核定的款项"),
        });
    }
    let before = payouts::allocated(&mut tx, &pool.policy_ids, year).await?;
    let shares = shares(&pool.budget, before, &waiting);
    let shown = view(&pool, year, before, &waiting, &shares);
    // Each policy version's cost sharing, read once however many grants it made.
    let mut sharings: HashMap<(i64, i64), Option<CostSharing>> = HashMap::new();
    let schema = crate::schema(&mut tx).await?;
    for (w, &share) in waiting.iter().zip(&shares) {
        let row = get_row(&mut tx, w.application_id).await?;
        let key = (row.policy_id, row.policy_version);
        if let Entry::Vacant(e) = sharings.entry(key) {
            let cross = grant_rules::cross_rules(&mut tx, &schema, key.0, key.1).await?;
            e.insert(cross.shares);
        }
        let sharing = sharings.get(&key).and_then(Option::as_ref);
        give(&mut tx, who, (&row, w), share, sharing, &shown, now).await?;
    }
    let detail = serde_json::json!({
        "year": year,
        "pool": pool.budget.pool,
        "grants": waiting.len(),
        "claimed": shown.claimed,
        "granted": shown.granted,
    });
    let change = qinqing_kernel::audit::Change {
        action: "policy.allocated",
        object_type: "policy",
        object_id: slug.to_string(),
        on_behalf_of: None,
        detail,
    };
    qinqing_kernel::audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The pool a policy pays from and the policies that share it.
struct Pool {
    budget: Budget,
    policy_ids: Vec<i64>,
    titles: Vec<String>,
}

/// The 按比例 pool of a published policy, for its department's lead or the administrator.
async fn pool_of(conn: &mut Conn, who: &Principal, slug: &str) -> AppResult<Option<Pool>> {
    let row = row_by_slug(conn, slug).await?;
    if !crate::library::may_publish(who, row.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的负责人可以按比例核定资金",
        ));
    }
    // Ended policies count: their grants are allocated after the application period; so do
    // withdrawn ones, whose earlier allocations the pool has given.
    let schema = crate::schema(conn).await?;
    let mut pooled = Vec::new();
    for (id, version, src) in crate::store::policies::ever_published_definitions(conn).await? {
        // A definition that no longer reads may be a member whose allocations count against
        // the pool: skipping it could pay the pool twice, so allocation stops and says which.
        let policy = crate::parse_stored(&schema, id, version, &src)?;
        if let Some(budget) = policy.cross.budget {
            pooled.push((policy.id, budget));
        }
    }
    let Some(budget) = pooled
        .iter()
        .find(|(id, _)| id == slug)
        .map(|(_, b)| b.clone())
        .filter(|b| b.allocation == Allocation::ProRata)
    else {
        return Ok(None);
    };
    let mut members = Vec::new();
    // The same pool is the same name, total and rule: last year's pool of the same name with
    // another total is another pool.
    for (id, _) in pooled.iter().filter(|(_, b)| *b == budget) {
        let member = row_by_slug(conn, id).await?;
        members.push((member.id, member.title));
    }
    members.sort();
    Ok(Some(Pool {
        budget,
        policy_ids: members.iter().map(|m| m.0).collect(),
        titles: members.into_iter().map(|m| m.1).collect(),
    }))
}

/// Each waiting grant's share of what is left of the pool.
fn shares(budget: &Budget, before: i64, waiting: &[Waiting]) -> Vec<i64> {
    let left = (budget.total.fen() - before).max(0);
    let claims: Vec<i64> = waiting.iter().map(|w| w.claim).collect();
    qinqing_rules::cross::allocate(left, &claims, Allocation::ProRata)
}

fn view(
    pool: &Pool,
    year: i32,
    before: i64,
    waiting: &[Waiting],
    shares: &[i64],
) -> AllocationView {
    let claimed: i64 = waiting.iter().map(|w| w.claim).sum();
    let granted: i64 = shares.iter().sum();
    let rule = if granted >= claimed {
        "全额核定".to_string()
    } else {
        // Basis points of the claims, truncated: never shown above what is paid.
        let bp = i128::from(granted) * 10_000 / i128::from(claimed.max(1));
        format!("按 {}.{:02}% 比例核定", bp / 100, bp % 100)
    };
    AllocationView {
        year,
        policies: pool.titles.clone(),
        pool_total: pool.budget.total.to_string(),
        allocated_before: Money::from_fen(before).to_string(),
        grants: waiting.len(),
        claimed: Money::from_fen(claimed).to_string(),
        granted: Money::from_fen(granted).to_string(),
        rule,
    }
}

/// Gives one waiting grant its share: commits it (the policy's and each fiscal level's budget),
/// queues its payout, and tells the enterprise.
async fn give(
    conn: &mut Conn,
    who: &Principal,
    (row, w): (&ApplicationRow, &Waiting),
    share: i64,
    sharing: Option<&CostSharing>,
    shown: &AllocationView,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !payouts::allocate(conn, w.payout_id, share).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "款项刚被处理,请刷新后再试".into(),
        });
    }
    if share < w.claim {
        app_store::set_approved_amount(conn, row.id, share).await?;
    }
    if !policies::commit_budget(conn, w.policy_id, share).await? {
        return Err(AppError::Conflict {
            field: None,
            message: format!("“{}”的政策预算余额不足,无法按比例核定", row.policy_title),
        });
    }
    let levels = funding::split(sharing, share);
    funding::commit(conn, row.policy_id, row.id, &levels).await?;
    let note = format!(
        "资金总额 {} 元,本年度申报核定合计 {} 元,{}:{}",
        shown.pool_total,
        shown.claimed,
        shown.rule,
        crate::yuan(share)
    );
    step(
        conn,
        who,
        row.id,
        row.stage,
        "allocate",
        Some(&note),
        Some(share),
        now,
    )
    .await?;
    let params =
        serde_json::json!({ "object": object(row), "status": "已按比例核定", "note": note });
    let template = crate::messages::APPLICATION_PROGRESS;
    notify_enterprise(conn, row, template, params, "allocated", now).await?;
    Ok(())
}
