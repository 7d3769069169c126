//! "我的可享政策": every published policy evaluated against an enterprise's profile — eligible
//! with the amount, undetermined with what to add, near misses — and the total it may expect.
//! Computed on each request from the stored profile and the published versions, so it follows
//! every change of either without a cache to invalidate.

use crate::level_label;

use crate::library::mode_label;
use crate::store::applications::{self as application_store, ApplicationFilter};
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::{App, AppResult, Principal};
use qinqing_rules::eval::Status;
use qinqing_rules::{EvalOptions, Evaluation, Outcome, Schema, evaluate, evaluate_named};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckView {
    /// passed | failed | unknown
    pub status: &'static str,
    pub sentence: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingView {
    /// The fact's key, e.g. "rd_expense@2025".
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entitlement {
    pub policy_id: String,
    pub title: String,
    pub department: String,
    pub level_label: &'static str,
    pub mode: String,
    pub mode_label: &'static str,
    /// eligible | undetermined | ineligible
    pub outcome: &'static str,
    /// What the policy itself gives, yuan ("100000.00"); eligible only.
    pub amount: Option<String>,
    /// What is granted after 同一事项就高不重复 and annual caps.
    pub granted: Option<String>,
    pub granted_fen: Option<i64>,
    pub reward_text: Option<String>,
    /// Why the granted amount is less than the policy's own (exclusive groups, caps).
    pub adjustments: Vec<String>,
    pub missing: Vec<MissingView>,
    pub near_miss: Option<String>,
    pub checks: Vec<CheckView>,
    /// Where to go when the policy is not applied for on the platform.
    pub offline_channel: Option<String>,
    /// The enterprise's live application or grant for this policy and year, if any: it is
    /// followed there rather than applied for again.
    pub application: Option<AppliedView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppliedView {
    pub receipt_no: String,
    pub status_label: &'static str,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entitlements {
    pub credit_code: String,
    pub name: String,
    pub year: i32,
    /// "预计可享 ¥…": the sum granted over the eligible policies, yuan.
    pub total: String,
    pub total_fen: i64,
    pub eligible: Vec<Entitlement>,
    pub undetermined: Vec<Entitlement>,
    /// Ineligible policies within reach (临界) first, then the others.
    pub ineligible: Vec<Entitlement>,
}

pub async fn for_enterprise(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    year: i32,
) -> AppResult<Entitlements> {
    let mut conn = app.db.conn().await?;
    let enterprise = visible_enterprise(&mut conn, who, code).await?;
    let facts = crate::enterprise_facts(app, &mut conn, &enterprise).await?;
    let published = crate::published(&mut conn).await?;
    let set = &published.set;
    let opts = EvalOptions::default();
    let names = crate::region_names(&mut conn).await?;
    let evaluations: Vec<Evaluation> = set
        .policies
        .iter()
        .map(|p| evaluate_named(p, &set.schema, &facts, year, &opts, Some(&names)))
        .collect();
    let result = set.subject_result(
        facts.subject_id.clone(),
        evaluations.iter().map(|e| e.outcome.clone()).collect(),
    );
    let applied = live_applications(&mut conn, enterprise.id, year).await?;
    let mut out = Entitlements {
        credit_code: code.to_string(),
        name: enterprise.identity.name.clone(),
        year,
        total: String::new(),
        total_fen: 0,
        eligible: Vec::new(),
        undetermined: Vec::new(),
        ineligible: Vec::new(),
    };
    for ((policy, ev), cell) in set.policies.iter().zip(&evaluations).zip(&result.cells) {
        if policy.entity != facts.entity {
            continue;
        }
        let Some(row) = published.row_of(&policy.id) else {
            continue;
        };
        let granted = cell.granted.map(Money::fen);
        let entry = Entitlement {
            policy_id: policy.id.clone(),
            title: policy.title.clone(),
            department: row.department_name.clone(),
            level_label: level_label(&row.level),
            mode: row.mode.clone(),
            mode_label: mode_label(&row.mode),
            outcome: ev.outcome.as_str(),
            amount: match &ev.outcome {
                Outcome::Eligible { amount } => Some(amount.to_string()),
                _ => None,
            },
            granted: cell.granted.map(|m| m.to_string()),
            granted_fen: granted,
            reward_text: ev.reward_text.clone(),
            adjustments: cell
                .adjustments
                .iter()
                .map(|a| qinqing_rules::api::adjustment_text(a, set))
                .collect(),
            missing: missing(&ev.outcome),
            near_miss: ev
                .near_miss
                .as_ref()
                .map(|n| format!("{},{}", n.sentence, n.gap)),
            checks: checks(ev),
            offline_channel: row.offline_channel.clone(),
            application: applied.get(&row.id).cloned(),
        };
        match ev.outcome {
            Outcome::Eligible { .. } => {
                out.total_fen += granted.unwrap_or(0);
                out.eligible.push(entry);
            }
            Outcome::Undetermined { .. } => out.undetermined.push(entry),
            Outcome::Ineligible => out.ineligible.push(entry),
        }
    }
    out.ineligible.sort_by_key(|e| e.near_miss.is_none());
    out.total = Money::from_fen(out.total_fen).to_string();
    Ok(out)
}

fn missing(outcome: &Outcome) -> Vec<MissingView> {
    match outcome {
        Outcome::Undetermined { missing } => missing
            .iter()
            .map(|m| MissingView {
                key: m.key.clone(),
                label: m.label.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The enterprise's applications and grants of `year` that are still live, by policy row id.
async fn live_applications(
    conn: &mut qinqing_kernel::store::Conn,
    enterprise_id: i64,
    year: i32,
) -> AppResult<std::collections::HashMap<i64, AppliedView>> {
    let filter = ApplicationFilter {
        enterprise_id: Some(enterprise_id),
        ..ApplicationFilter::default()
    };
    let rows = application_store::list(conn, &filter, 1000).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.year == year && !r.status.closed_without_grant())
        .map(|r| {
            let view = AppliedView {
                status_label: r.status.label_zh(),
                receipt_no: r.receipt_no,
            };
            (r.policy_id, view)
        })
        .collect())
}

pub(super) fn checks(ev: &Evaluation) -> Vec<CheckView> {
    ev.checks
        .iter()
        .map(|c| CheckView {
            status: match c.status {
                Status::Passed => "passed",
                Status::Failed => "failed",
                Status::Unknown => "unknown",
            },
            sentence: c.sentence.clone(),
        })
        .collect()
}

/// The failed and unknown tests of an evaluation, in words: why an application is refused.
pub(crate) fn reasons(ev: &Evaluation) -> String {
    ev.checks
        .iter()
        .filter(|c| c.status != Status::Passed)
        .map(|c| c.sentence.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses facts an applicant adds ("rd_expense@2025" = "1200000") onto its profile's facts.
pub(crate) fn add_facts(
    schema: &Schema,
    facts: &mut qinqing_rules::Facts,
    added: &[crate::applications::FactInput],
) -> AppResult<()> {
    let mut errors = qinqing_kernel::error::FieldErrors::default();
    for (i, f) in added.iter().enumerate() {
        let field = format!("facts[{i}]");
        let (attr, year) = match f.key.split_once('@') {
            Some((attr, year)) => match year.parse::<i32>() {
                Ok(y) => (attr, Some(y)),
                Err(_) => {
                    errors.add(&field, format!("“{}”的年份有误", f.key));
                    continue;
                }
            },
            None => (f.key.as_str(), None),
        };
        let Some(def) = schema.get(attr).map(|id| schema.def(id)) else {
            errors.add(&field, format!("未定义的属性“{attr}”"));
            continue;
        };
        let parsed = qinqing_rules::Value::parse(def.ty, f.value.trim())
            .map_err(|e| format!("“{}”{e}", def.label))
            .and_then(|v| facts.set_checked(schema, attr, year, v));
        errors.check(&field, parsed);
    }
    errors.finish()
}

/// Live check while a policy is edited: a definition not yet saved, against one enterprise the
/// caller may see. Nothing is stored.
pub async fn preview(
    app: &App,
    who: &Principal,
    definition: &str,
    code: &CreditCode,
    year: i32,
) -> AppResult<Entitlement> {
    if !who.role.is_staff() {
        return Err(qinqing_kernel::AppError::forbidden(
            "只有工作人员可以试算政策",
        ));
    }
    let mut conn = app.db.conn().await?;
    let enterprise = visible_enterprise(&mut conn, who, code).await?;
    let schema = crate::schema(&mut conn).await?;
    let policy = crate::parse_definition(&schema, definition, "definition")?;
    let facts = crate::enterprise_facts(app, &mut conn, &enterprise).await?;
    let ev = evaluate(&policy, &schema, &facts, year, &EvalOptions::default());
    let amount = match &ev.outcome {
        Outcome::Eligible { amount } => Some(amount.to_string()),
        _ => None,
    };
    Ok(Entitlement {
        policy_id: policy.id.clone(),
        title: policy.title.clone(),
        department: policy.department.clone(),
        level_label: "",
        mode: policy.mode.as_str().to_string(),
        mode_label: policy.mode.label_zh(),
        outcome: ev.outcome.as_str(),
        granted: amount.clone(),
        granted_fen: None,
        amount,
        reward_text: ev.reward_text.clone(),
        adjustments: Vec::new(),
        missing: missing(&ev.outcome),
        near_miss: ev
            .near_miss
            .as_ref()
            .map(|n| format!("{},{}", n.sentence, n.gap)),
        checks: checks(&ev),
        offline_channel: None,
        application: None,
    })
}
