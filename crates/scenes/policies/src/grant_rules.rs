//! The cross-policy rules at every commitment of money (a final approval, a confirmed 免申即享
//! offer). What the enterprise was already granted in the same policy year counts against the
//! exclusive group (同一事项就高不重复, or 就高补差) and the annual cap over several policies,
//! as the policy version each grant was made under states them. The rules engine decides
//! ([`qinqing_rules::cross::allowance`]); this module finds the earlier grants, takes the lock
//! that settles grants made at the same time one after the other, and words the reasons.

use crate::status::ApplicationStatus;
use crate::store::applications::{self as store, ApplicationRow, GrantRow};
use crate::store::policies;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{AppError, AppResult};
use qinqing_rules::Schema;
use qinqing_rules::api::limit_text;
use qinqing_rules::cross::{Allowance, PriorGrant, allowance};
use qinqing_rules::model::CrossRules;
use serde::Serialize;
use utoipa::ToSchema;

/// A grant's amount after the cross-policy rules, with the reasons it is less.
pub(crate) struct Settled {
    pub amount: i64,
    pub reasons: Vec<String>,
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
    })
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
    /// Grants made to the enterprise in the same policy year under the same exclusive group or
    /// annual cap.
    pub granted_before: Vec<GrantedBefore>,
    /// What approving now would grant after these rules (yuan).
    pub allowed_amount: String,
    /// Why that is less than the amount computed (or approved so far).
    pub reasons: Vec<String>,
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
    if own.exclusive_group.is_none() && own.annual_cap.is_none() {
        return Ok(None);
    }
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
        granted_before,
        allowed_amount: qinqing_domain::Money::from_fen(assessed.allowance.amount).to_string(),
        reasons: assessed.reasons(),
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
async fn cross_rules(
    conn: &mut Conn,
    schema: &Schema,
    policy_id: i64,
    version: i64,
) -> AppResult<CrossRules> {
    let src = policies::definition(conn, policy_id, version)
        .await?
        .unwrap_or_default();
    let file = format!("policy-{policy_id}-v{version}.toml");
    let policy = qinqing_rules::parse_policy(&file, &src, schema)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("definition {file} no longer parses")))?;
    Ok(policy.cross)
}
