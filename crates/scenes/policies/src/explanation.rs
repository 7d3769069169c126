//! What the rules engine says about an application, beside the enterprise's data: each
//! condition of the policy version the application was made under, tested against the
//! enterprise's profile and the facts the applicant added, and how the amount was computed.
//! Reviewers decide with it in view; the enterprise sees the same reasons.

use crate::applications::{FactInput, visible_row};
use crate::entitlements::{CheckView, add_facts, checks};
use crate::store::policies;
use qinqing_kernel::store::Conn;
use qinqing_kernel::store::enterprises::{self as enterprise_store, Enterprise};
use qinqing_kernel::{App, AppError, AppResult, Principal};
use qinqing_rules::{EvalOptions, Evaluation, Outcome, evaluate_named};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub policy_version: i64,
    /// eligible | undetermined | ineligible, with the enterprise's data as it is now.
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    /// Yuan, when eligible.
    pub amount: Option<String>,
    /// How the amount is computed, in words.
    pub reward_text: Option<String>,
    pub checks: Vec<CheckView>,
    /// Before the decision: what the enterprise was already granted this year in the same
    /// exclusive group or annual cap, and what approving would grant after those rules.
    pub grant_rules: Option<crate::grant_rules::GrantRulesView>,
}

/// Evaluates one version of a policy for an enterprise, with facts an applicant added.
pub(crate) async fn evaluation(
    app: &App,
    conn: &mut Conn,
    policy: &policies::PolicyRow,
    version: i64,
    enterprise: &Enterprise,
    added: &[FactInput],
    year: i32,
) -> AppResult<Evaluation> {
    let schema = crate::schema(conn).await?;
    let src = policies::definition(conn, policy.id, version)
        .await?
        .unwrap_or_default();
    let rules = qinqing_rules::parse_policy(&policy.slug, &src, &schema).map_err(|_| {
        AppError::Internal(anyhow::anyhow!(
            "definition {version} of {} does not parse",
            policy.slug
        ))
    })?;
    let mut facts = crate::enterprise_facts(app, conn, enterprise).await?;
    add_facts(&schema, &mut facts, added)?;
    let names = crate::region_names(conn).await?;
    Ok(evaluate_named(
        &rules,
        &schema,
        &facts,
        year,
        &EvalOptions::default(),
        Some(&names),
    ))
}

fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Eligible { .. } => "符合条件",
        Outcome::Undetermined { .. } => "尚缺数据,无法判定",
        Outcome::Ineligible => "不符合条件",
    }
}

/// The explanation of an application, for whoever may see the application.
pub async fn of_application(
    app: &App,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<Explanation> {
    let mut conn = app.db.conn().await?;
    let row = visible_row(&mut conn, who, receipt_no).await?;
    let policy = policies::get(&mut conn, row.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without policy")))?;
    let code = qinqing_domain::CreditCode::parse(&row.credit_code)
        .map_err(|e| AppError::Internal(e.into()))?;
    let enterprise = enterprise_store::get_by_credit_code(&mut conn, &code)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without enterprise")))?;
    let added: Vec<FactInput> = serde_json::from_str(&row.form).unwrap_or_default();
    let ev = evaluation(
        app,
        &mut conn,
        &policy,
        row.policy_version,
        &enterprise,
        &added,
        row.year,
    )
    .await?;
    let grant_rules = crate::grant_rules::view(&mut conn, &row).await?;
    Ok(Explanation {
        grant_rules,
        policy_version: row.policy_version,
        outcome: ev.outcome.as_str(),
        outcome_label: outcome_label(&ev.outcome),
        amount: match &ev.outcome {
            Outcome::Eligible { amount } => Some(amount.to_string()),
            _ => None,
        },
        checks: checks(&ev),
        reward_text: ev.reward_text,
    })
}
