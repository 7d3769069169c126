//! The cross-policy rules at every commitment of money (a final approval, a confirmed 免申即享
//! offer). What the enterprise was already granted in the same policy year counts against the
//! exclusive group (同一事项就高不重复, or 就高补差) and the annual cap over several policies,
//! as the policy version each grant was made under states them. The rules engine decides
//! ([`qinqing_rules::cross::allowance`]); this module finds the earlier grants, takes the lock
//! that settles grants made at the same time one after the other, and words the reasons.

use crate::status::ApplicationStatus;
use crate::store::applications::{self as store, ApplicationRow, GrantRow};
use crate::store::policies;
use qinqing_kernel::store::{Conn, settings};
use qinqing_kernel::{AppError, AppResult};
use qinqing_rules::api::limit_text;
use qinqing_rules::cross::{Allowance, PriorGrant, allowance};
use qinqing_rules::eval::Status;
use qinqing_rules::facts::PastGrant;
use qinqing_rules::model::{Allocation, CostSharing, CrossRules};
use qinqing_rules::model::{Leaf, Test};
use qinqing_rules::schema::Entity;
use qinqing_rules::{EvalOptions, Facts, Outcome, Policy, Schema};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;

/// A grant's amount after the cross-policy rules, with the reasons it is less, and how its
/// policy version shares it between fiscal levels.
pub(crate) struct Settled {
    pub amount: i64,
    pub reasons: Vec<String>,
    pub sharing: Option<CostSharing>,
    /// The version shares a budget 按比例: the grant waits for the department's allocation.
    pub pro_rata: bool,
}

/// At the commitment, in its transaction: takes the enterprise's grants of the year first, so
/// grants made at the same time are settled one after the other, then cuts `amount` by the
/// rules. When nothing is left the grant is refused.
pub(crate) async fn settle(
    conn: &mut Conn,
    row: &ApplicationRow,
    amount: i64,
) -> AppResult<Settled> {
    store::lock_grants(conn, row.enterprise_id, row.year).await?;
    store::lock_grants(conn, row.enterprise_id, store::HISTORY).await?;
    first_time(conn, row).await?;
    let assessed = assess(conn, row, amount).await?;
    let reasons = assessed.reasons();
    if assessed.allowance.amount <= 0 {
        return Err(AppError::Conflict {
            field: Some("amount".into()),
            message: format!("不能核准:{}", reasons.join(";")),
        });
    }
    Ok(Settled {
        amount: assessed.allowance.amount,
        reasons,
        pro_rata: assessed
            .cross
            .budget
            .as_ref()
            .is_some_and(|b| b.allocation == Allocation::ProRata),
        sharing: assessed.cross.shares,
    })
}

/// 首次 holds at the commitment as it did at the submission: with the enterprise's whole grant
/// history read under the lock, a 首次 test that now fails (a grant of the policy or its group
/// for another year was committed first) refuses the grant. Everything else is left unknown, so
/// only what the history alone decides can refuse.
async fn first_time(conn: &mut Conn, row: &ApplicationRow) -> AppResult<()> {
    let schema = crate::schema(conn).await?;
    let policy = version_policy(conn, &schema, row.policy_id, row.policy_version).await?;
    let asks = |l: &&Leaf| matches!(l.test, Test::FirstGrant { .. });
    if !policy.condition.leaves().iter().any(asks) {
        return Ok(());
    }
    let mut facts = Facts::new(&row.credit_code, "", Entity::Enterprise);
    facts.set_qualifications(None);
    let mut histories = histories(conn, &[row.enterprise_id]).await?;
    let history = histories.remove(&row.enterprise_id).unwrap_or_default();
    facts.set_grants(Some(history));
    let ev = qinqing_rules::evaluate(&policy, &schema, &facts, row.year, &EvalOptions::default());
    if ev.outcome != Outcome::Ineligible {
        return Ok(());
    }
    let failed: Vec<&str> = ev
        .checks
        .iter()
        .filter(|c| c.status == Status::Failed)
        .map(|c| c.sentence.as_str())
        .collect();
    Err(AppError::Conflict {
        field: Some("amount".into()),
        message: format!("不能核准:{}", failed.join(";")),
    })
}

/// Every grant ever made to each of `enterprise_ids`, with the exclusive group its policy
/// version named: what 首次 tests read. An enterprise without grants has none listed.
pub(crate) async fn histories(
    conn: &mut Conn,
    enterprise_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<PastGrant>>> {
    let mut rows = store::grant_histories(conn, enterprise_ids).await?;
    // A chunk's id range may bring other enterprises' grants along.
    let wanted: HashSet<&i64> = enterprise_ids.iter().collect();
    rows.retain(|id, _| wanted.contains(id));
    if rows.is_empty() {
        // Most enterprises: no definition to read.
        return Ok(HashMap::new());
    }
    let schema = &crate::schema(conn).await?;
    let mut groups: HashMap<(i64, i64), Option<String>> = HashMap::new();
    let mut histories = HashMap::with_capacity(rows.len());
    for (enterprise_id, grants) in rows {
        let mut history = Vec::with_capacity(grants.len());
        for r in grants {
            let key = (r.policy_id, r.policy_version);
            if let Entry::Vacant(e) = groups.entry(key) {
                let policy = version_policy(conn, schema, r.policy_id, r.policy_version).await?;
                e.insert(policy.cross.exclusive_group.clone());
            }
            history.push(PastGrant {
                policy_id: r.slug,
                group: groups.get(&key).cloned().flatten(),
                year: r.year,
            });
        }
        histories.insert(enterprise_id, history);
    }
    Ok(histories)
}

/// One earlier grant that shares a rule with the application, as the reviewer and the
/// enterprise see it before the decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantedBefore {
    pub policy_title: String,
    /// Yuan.
    pub amount: String,
    /// The rule they share: 同一事项 or 年度合计上限.
    pub rule: &'static str,
}

/// The cross-policy rules of an application still to be decided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantRulesView {
    /// Whether the policy shares an exclusive group or an annual cap with other policies.
    pub with_other_policies: bool,
    /// Grants made to the enterprise in the same policy year under the same exclusive group or
    /// annual cap.
    pub granted_before: Vec<GrantedBefore>,
    /// What approving now would grant after these rules (yuan).
    pub allowed_amount: String,
    /// Why that is less than the amount computed (or approved so far).
    pub reasons: Vec<String>,
    /// 分级承担: each fiscal level's share of the allowed amount.
    pub shares: Vec<crate::funding::ShareView>,
    /// The rule in words ("由市级、区级财政按 1:1 分担(…第六条)").
    pub sharing: Option<String>,
}

/// The rules as they stand for an application not yet decided whose policy has an exclusive
/// group or an annual cap; `None` otherwise.
pub(crate) async fn view(
    conn: &mut Conn,
    row: &ApplicationRow,
) -> AppResult<Option<GrantRulesView>> {
    use ApplicationStatus::{Offered, PendingCheck, Returned, Submitted};
    let Some(amount) = row.approved_amount.or(row.computed_amount) else {
        return Ok(None);
    };
    if !matches!(row.status, Submitted | Returned | PendingCheck | Offered) {
        return Ok(None);
    }
    let assessed = assess(conn, row, amount).await?;
    let own = &assessed.cross;
    if own.exclusive_group.is_none() && own.annual_cap.is_none() && own.shares.is_none() {
        return Ok(None);
    }
    let allowed = assessed.allowance.amount;
    let shares = crate::funding::split(own.shares.as_ref(), allowed);
    let document_no = policies::get(conn, row.policy_id)
        .await?
        .and_then(|p| p.document_no);
    let sharing = own
        .shares
        .as_ref()
        .map(|s| qinqing_rules::eval::sharing_sentence(s, document_no.as_deref()));
    let granted_before = assessed
        .prior
        .iter()
        .filter_map(|(grant, cross)| {
            shared_rule(own, cross).map(|rule| GrantedBefore {
                policy_title: grant.policy_title.clone(),
                amount: qinqing_domain::Money::from_fen(grant.amount).to_string(),
                rule,
            })
        })
        .collect();
    Ok(Some(GrantRulesView {
        with_other_policies: own.exclusive_group.is_some() || own.annual_cap.is_some(),
        granted_before,
        allowed_amount: qinqing_domain::Money::from_fen(allowed).to_string(),
        reasons: assessed.reasons(),
        shares: crate::funding::views(&shares),
        sharing,
    }))
}

fn shared_rule(own: &CrossRules, other: &CrossRules) -> Option<&'static str> {
    let same = |a: Option<&String>, b: Option<&String>| a.is_some() && a == b;
    if same(own.exclusive_group.as_ref(), other.exclusive_group.as_ref()) {
        Some("同一事项")
    } else if same(
        own.annual_cap.as_ref().map(|c| &c.0),
        other.annual_cap.as_ref().map(|c| &c.0),
    ) {
        Some("年度合计上限")
    } else {
        None
    }
}

/// An application's rules, the enterprise's earlier grants of the year with theirs, and what
/// the engine allows.
struct Assessed {
    cross: CrossRules,
    prior: Vec<(GrantRow, CrossRules)>,
    allowance: Allowance,
}

impl Assessed {
    fn reasons(&self) -> Vec<String> {
        let titles: Vec<&str> = self
            .prior
            .iter()
            .map(|(g, _)| g.policy_title.as_str())
            .collect();
        self.allowance
            .limits
            .iter()
            .map(|l| limit_text(l, &titles))
            .collect()
    }
}

async fn assess(conn: &mut Conn, row: &ApplicationRow, amount: i64) -> AppResult<Assessed> {
    let schema = crate::schema(conn).await?;
    let cross = cross_rules(conn, &schema, row.policy_id, row.policy_version).await?;
    let mut prior = Vec::new();
    for grant in store::grants_of(conn, row.enterprise_id, row.year).await? {
        if grant.receipt_no != row.receipt_no {
            let rules = cross_rules(conn, &schema, grant.policy_id, grant.policy_version).await?;
            prior.push((grant, rules));
        }
    }
    let grants: Vec<PriorGrant<'_>> = prior
        .iter()
        .map(|(g, c)| PriorGrant {
            cross: c,
            amount: g.amount,
        })
        .collect();
    let allowance = allowance(&cross, amount, &grants);
    Ok(Assessed {
        cross,
        prior,
        allowance,
    })
}

/// The cross-policy rules of one version of a policy.
pub(crate) async fn cross_rules(
    conn: &mut Conn,
    schema: &Schema,
    policy_id: i64,
    version: i64,
) -> AppResult<CrossRules> {
    Ok(version_policy(conn, schema, policy_id, version)
        .await?
        .cross
        .clone())
}

/// One version of a policy, read (and parsed once for its text).
async fn version_policy(
    conn: &mut Conn,
    schema: &Schema,
    policy_id: i64,
    version: i64,
) -> AppResult<Arc<Policy>> {
    let src = policies::definition(conn, policy_id, version)
        .await?
        .unwrap_or_default();
    let attributes = settings::get(conn, crate::POLICY_ATTRIBUTES).await?;
    crate::library_cache::policy_of(attributes.as_deref(), (policy_id, version), &src, || {
        crate::parse_stored(schema, policy_id, version, &src)
    })
}
