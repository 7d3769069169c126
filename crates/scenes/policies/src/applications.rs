//! Applications (申报): one electronic form pre-filled from the profile that asks only for what
//! is missing, pledges (承诺) in place of certificates, drafts, submission with a receipt
//! number, the progress view, withdrawal before decision. A retried submission with the same
//! key returns the first application; a second live application for the same policy and year
//! is refused by the database itself.

use crate::library::{ReviewStage, stage_of, stages};
use crate::response::{self, AtStage};
use crate::status::{ApplicationStatus, PayoutStatus};
use crate::store::applications::{self as store, ApplicationFilter, ApplicationRow, NewStep};
use crate::store::payouts;
use chrono::{DateTime, Utc};
use qinqing_domain::{CreditCode, DivisionCode, Money};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::deadlines::{self, ClockAction};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::notifications::{self, NewMessage, Template};
use qinqing_kernel::principal::{acts_for_enterprise, on_behalf};
use qinqing_kernel::store::{Conn, deadlines as deadline_store, orgs, users};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The object type of an application in the trail (audit log) and on its clocks.
pub const TRAIL_OBJECT: &str = "application";

/// The kind of clock a submitted application runs on.
pub const REVIEW_CLOCK: &str = "policy.application_review";

/// The kind of clock a 免申即享 offer runs on: the enterprise's time to confirm.
pub const CONFIRM_CLOCK: &str = "policy.auto_grant_confirmation";

/// A fact the applicant adds because the profile lacks it: key as the engine names it
/// ("rd_expense@2025", "target_group_hire_months@2025") and the value as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FactInput {
    pub key: String,
    pub value: String,
}

/// A fact the applicant added, in words: what it is and its value with its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownFact {
    /// "2025年研发费用"
    pub label: String,
    /// "400 万元", "12 人"
    pub value: String,
}

/// Reads a fact as people do: the attribute's label after its year, money in 元 with
/// separators (万元 and 亿元 for round large sums), other values with their unit. A key the
/// schema no longer declares still shows its value, under a neutral label.
pub(crate) fn shown_fact(schema: &qinqing_rules::Schema, f: &FactInput) -> ShownFact {
    let def = schema.get(attribute_of(&f.key).0).map(|id| schema.def(id));
    let value = match def.map(|d| (d, qinqing_rules::Value::parse(d.ty, &f.value))) {
        Some((_, Ok(qinqing_rules::Value::Money(m)))) => qinqing_rules::text::money_round(m.fen()),
        Some((d, _)) => match &d.unit {
            Some(unit) => format!("{} {unit}", f.value.trim()),
            None => f.value.trim().to_string(),
        },
        None => f.value.trim().to_string(),
    };
    ShownFact {
        label: fact_label(schema, &f.key),
        value,
    }
}

/// What a fact's key ("rd_expense@2025") names: "2025年研发费用".
pub(crate) fn fact_label(schema: &qinqing_rules::Schema, key: &str) -> String {
    let (attr, year) = attribute_of(key);
    let def = schema.get(attr).map(|id| schema.def(id));
    let name = def.map_or("补充数据", |d| d.label.as_str());
    match year {
        Some(year) => format!("{year}年{name}"),
        None => name.to_string(),
    }
}

/// The attribute and the year of a fact's key: "rd_expense@2025" → ("rd_expense", "2025").
fn attribute_of(key: &str) -> (&str, Option<&str>) {
    match key.split_once('@') {
        Some((attr, year)) => (attr, Some(year)),
        None => (key, None),
    }
}

/// A pledge as signed: the key and the full text the applicant saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedPledge {
    pub key: String,
    pub text: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub stage_label: String,
    pub action: String,
    pub action_label: &'static str,
    pub username: String,
    pub org_name: String,
    pub note: Option<String>,
    pub amount: Option<String>,
    pub at: DateTime<Utc>,
}

/// A department holding the stage an application is at, and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    pub org_id: i64,
    pub org_name: String,
    pub role_label: &'static str,
    /// Whether it has approved (联审: the stage passes when every holder has).
    pub approved: bool,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// When its 24-hour response (签收) is due; absent once it took the application up.
    pub response_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub receipt_no: String,
    pub policy_id: String,
    pub policy_title: String,
    pub policy_version: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub year: i32,
    /// The project or product claimed, for a policy claimed once per project (按项目申报).
    pub claim: Option<String>,
    /// apply | auto_grant
    pub channel: String,
    pub status: ApplicationStatus,
    pub status_label: &'static str,
    /// The stage that holds it and who holds it ("工业和信息化局 初审").
    pub stage_label: Option<String>,
    pub holder: Option<String>,
    /// The departments holding the current stage while it is in review; several for 联审.
    pub holders: Vec<HolderView>,
    /// Whether the current stage is a joint one (联审).
    pub joint: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub computed_amount: Option<String>,
    pub approved_amount: Option<String>,
    /// 分级承担: each fiscal level's share of the granted amount, once granted.
    pub funding: Vec<crate::funding::ShareView>,
    pub facts: Vec<FactInput>,
    /// The same facts as people read them (2025年研发费用:400 万元).
    pub facts_shown: Vec<ShownFact>,
    pub pledges: Vec<SignedPledge>,
    /// What the enterprise must add (补正), or why it was rejected.
    pub note: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub steps: Vec<StepView>,
    /// Where its payout stands, once approved.
    pub payout_status: Option<PayoutStatus>,
    pub payout_label: Option<&'static str>,
    /// From 提交 to 到账: where it stands, as the stepper shows it.
    pub progress: Vec<crate::progress::ProgressStep>,
}

pub fn action_label(action: &str) -> &'static str {
    match action {
        "draft" => "保存草稿",
        "submit" => "提交申报",
        "approve" => "审核通过",
        "return" => "退回补正",
        "resubmit" => "补正后重新提交",
        "reject" => "不予通过",
        "withdraw" => "撤回申报",
        "offer" => "免申即享推送",
        "confirm" => "确认收款账户",
        "decline" => "放弃享受",
        "exclude" => "核查排除",
        "allocate" => "按比例核定",
        "release" => "核对后发布",
        "sign" => "签收",
        _ => "办理",
    }
}

/// Where an application is, as its response clocks need it.
pub(crate) fn at_stage(row: &ApplicationRow) -> AtStage<'_> {
    AtStage {
        receipt_no: &row.receipt_no,
        region: &row.region_code,
        stage: row.stage,
    }
}

pub(crate) async fn stop_review_clock(
    conn: &mut Conn,
    app: &App,
    receipt_no: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    deadlines::control_open(
        conn,
        app,
        ("application", receipt_no),
        REVIEW_CLOCK,
        ClockAction::Stop,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn step(
    conn: &mut Conn,
    who: &Principal,
    application_id: i64,
    stage: i64,
    action: &str,
    note: Option<&str>,
    amount: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let org_name = acting_as(conn, who, application_id).await?;
    let s = NewStep {
        application_id,
        stage,
        action,
        user_id: (!who.is_system()).then_some(who.user_id),
        username: &who.display_name,
        org_name: &org_name,
        note,
        amount,
    };
    store::add_step(conn, &s, now).await?;
    Ok(())
}

/// What the timeline shows beside the person's name: their organisation, or for a steward or
/// an authorised account "代 某公司 办理", so a step done on the enterprise's behalf says so.
async fn acting_as(conn: &mut Conn, who: &Principal, application_id: i64) -> AppResult<String> {
    if !acts_for_enterprise(who) || who.is_system() {
        return Ok(who.org_name.clone());
    }
    let row = get_row(conn, application_id).await?;
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    Ok(match on_behalf(who, &code) {
        Some(_) => format!("代 {} 办理", row.enterprise_name),
        None => who.org_name.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    action: &str,
    receipt_no: &str,
    code: &CreditCode,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        object_type: TRAIL_OBJECT,
        object_id: receipt_no.to_string(),
        on_behalf_of: on_behalf(who, code),
        detail,
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// An application's page, where messages about it link.
pub(crate) fn page_of(receipt_no: &str) -> String {
    format!("/applications/{receipt_no}")
}

/// Tells the enterprise's users that its application moved on.
pub(crate) async fn notify_enterprise(
    conn: &mut Conn,
    row: &ApplicationRow,
    template: Template,
    params: serde_json::Value,
    event: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for user in users::of_enterprise(conn, row.enterprise_id).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template,
            params: params.clone(),
            idempotency_key: format!("application:{}:{event}:user:{user}", row.receipt_no),
            link: Some(page_of(&row.receipt_no)),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

pub(crate) async fn get_row(conn: &mut Conn, id: i64) -> AppResult<ApplicationRow> {
    store::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这份申报".into()))
}

pub(crate) async fn policy_slug(conn: &mut Conn, row: &ApplicationRow) -> AppResult<String> {
    Ok(crate::store::policies::get(conn, row.policy_id)
        .await?
        .map(|p| p.slug)
        .unwrap_or_default())
}

/// Loads an application the caller may see: the enterprise and its steward, and staff whose
/// scope covers the enterprise's region. 404 for others, so receipt numbers cannot be probed.
pub(crate) async fn visible_row(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<ApplicationRow> {
    let not_found = || AppError::NotFound(format!("没有受理号为 {receipt_no} 的申报"));
    let row = store::get_by_receipt(conn, receipt_no.trim())
        .await?
        .ok_or_else(not_found)?;
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    let region = DivisionCode::parse(&row.region_code).map_err(|e| AppError::Internal(e.into()))?;
    if !who.covers_enterprise(&code, &region) {
        return Err(not_found());
    }
    // A 免申即享 offer staff are still checking is not the enterprise's to see yet.
    if acts_for_enterprise(who) && row.status == ApplicationStatus::PendingCheck {
        return Err(not_found());
    }
    Ok(row)
}

/// Who may read an application's trail (留痕与时限): the enterprise and its steward, the
/// departments handling it (the policy's department and every department holding one of its
/// review stages) and finance, which pays it. Other staff who may see the application (by
/// region) read its page, not its trail. Administrators and supervisors read every trail.
pub(crate) async fn may_read_trail(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<bool> {
    let row = match visible_row(conn, who, receipt_no).await {
        Ok(row) => row,
        Err(AppError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    if acts_for_enterprise(who) || who.role == qinqing_domain::org::Role::Finance {
        return Ok(true);
    }
    if !who.role.is_staff() {
        return Ok(false);
    }
    let Some(policy) = crate::store::policies::get(conn, row.policy_id).await? else {
        return Ok(false);
    };
    let handles = |org_id: i64| org_id == who.org_id;
    Ok(handles(policy.department_org_id)
        || stages(&policy)
            .iter()
            .flat_map(ReviewStage::holders)
            .any(|h| handles(h.org_id)))
}

pub async fn get(app: &App, who: &Principal, receipt_no: &str) -> AppResult<ApplicationView> {
    let mut conn = app.db.conn().await?;
    let row = visible_row(&mut conn, who, receipt_no).await?;
    view(&mut conn, &row).await
}

/// The applications of one enterprise, newest first.
pub async fn of_enterprise(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Vec<ApplicationView>> {
    let mut conn = app.db.conn().await?;
    let enterprise = visible_enterprise(&mut conn, who, code).await?;
    let filter = ApplicationFilter {
        enterprise_id: Some(enterprise.id),
        ..ApplicationFilter::default()
    };
    let rows = store::list(&mut conn, &filter, 500).await?;
    let hidden = |r: &&ApplicationRow| {
        acts_for_enterprise(who) && r.status == ApplicationStatus::PendingCheck
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().filter(|r| !hidden(r)) {
        out.push(view(&mut conn, r).await?);
    }
    Ok(out)
}

pub(crate) async fn view(conn: &mut Conn, row: &ApplicationRow) -> AppResult<ApplicationView> {
    let policy = crate::store::policies::get(conn, row.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without policy")))?;
    let stages = stages(&policy);
    let label_of =
        |stage: i64| stage_of(&stages, stage).map_or_else(String::new, |s| s.label.clone());
    let current =
        stage_of(&stages, row.stage).filter(|_| row.status == ApplicationStatus::Submitted);
    let holders = match current {
        Some(s) => holder_views(conn, row, s).await?,
        None => Vec::new(),
    };
    use ApplicationStatus::{Draft, Offered, Returned, Submitted};
    let (stage_label, holder) = match (row.status, current) {
        (Submitted, Some(s)) => {
            let names: Vec<String> = holders
                .iter()
                .map(|h| format!("{} {}", h.org_name, h.role_label))
                .collect();
            let joint = if s.is_joint() { "(联审)" } else { "" };
            (
                Some(s.label.clone()),
                Some(format!("{}{joint}", names.join("、"))),
            )
        }
        (Returned | Draft | Offered, _) => (None, Some(format!("{}(企业)", row.enterprise_name))),
        _ => (None, None),
    };
    let due_at = review_due(conn, &row.receipt_no).await?;
    let steps = store::steps(conn, row.id)
        .await?
        .into_iter()
        .map(|s| StepView {
            stage_label: label_of(s.stage),
            action_label: action_label(&s.action),
            action: s.action,
            username: s.username,
            org_name: s.org_name,
            note: s.note,
            amount: s.amount.map(|a| Money::from_fen(a).to_string()),
            at: s.at,
        })
        .collect();
    let payout = payouts::of_application(conn, row.id).await?;
    let shares = crate::store::level_budgets::shares_of(conn, &[row.id]).await?;
    let shares: Vec<_> = shares.into_iter().map(|(_, l, fen)| (l, fen)).collect();
    let facts: Vec<FactInput> = serde_json::from_str(&row.form).unwrap_or_default();
    let schema = crate::schema(conn).await?;
    Ok(ApplicationView {
        receipt_no: row.receipt_no.clone(),
        policy_id: policy.slug.clone(),
        policy_title: row.policy_title.clone(),
        policy_version: row.policy_version,
        credit_code: row.credit_code.clone(),
        enterprise_name: row.enterprise_name.clone(),
        year: row.year,
        claim: Some(row.claim_key.clone()).filter(|k| !k.is_empty()),
        channel: row.channel.clone(),
        status: row.status,
        status_label: row.status.label_zh(),
        stage_label,
        holder,
        holders,
        joint: current.is_some_and(ReviewStage::is_joint),
        due_at,
        computed_amount: row.computed_amount.map(|a| Money::from_fen(a).to_string()),
        approved_amount: row.approved_amount.map(|a| Money::from_fen(a).to_string()),
        funding: crate::funding::views(&shares),
        facts_shown: facts.iter().map(|f| shown_fact(&schema, f)).collect(),
        facts,
        pledges: serde_json::from_str(&row.pledges).unwrap_or_default(),
        note: row.note.clone(),
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        steps,
        payout_label: payout.as_ref().map(|p| p.status.label_zh()),
        progress: crate::progress::of(row.status, payout.as_ref().map(|p| p.status)),
        payout_status: payout.map(|p| p.status),
    })
}

/// When the application's running review (or 免申即享 confirmation) falls due.
async fn review_due(conn: &mut Conn, receipt_no: &str) -> AppResult<Option<DateTime<Utc>>> {
    let clocks = deadline_store::for_object(conn, TRAIL_OBJECT, receipt_no).await?;
    Ok(review_due_in(&clocks))
}

/// When the running review (or confirmation) among an application's clocks falls due.
pub(crate) fn review_due_in(clocks: &[deadline_store::Deadline]) -> Option<DateTime<Utc>> {
    clocks
        .iter()
        .rfind(|d| d.kind == REVIEW_CLOCK || d.kind == CONFIRM_CLOCK)
        .filter(|d| !matches!(d.state, deadline_store::State::Stopped))
        .map(|d| d.due_at)
}

/// The holders of the stage an application is at: who approved (联审) and whose response is due.
async fn holder_views(
    conn: &mut Conn,
    row: &ApplicationRow,
    stage: &ReviewStage,
) -> AppResult<Vec<HolderView>> {
    let approvals = store::joint_approvals(conn, row.id, row.stage).await?;
    let mut out = Vec::new();
    for h in stage.holders() {
        let approval = approvals.iter().find(|a| a.org_id == h.org_id);
        out.push(HolderView {
            org_id: h.org_id,
            org_name: orgs::get(conn, h.org_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            role_label: h.role.label_zh(),
            approved: approval.is_some(),
            approved_by: approval.map(|a| a.username.clone()),
            approved_at: approval.map(|a| a.at),
            response_due_at: response::due(conn, &row.receipt_no, row.stage, h.org_id).await?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(key: &str, value: &str) -> ShownFact {
        let fact = FactInput {
            key: key.into(),
            value: value.into(),
        };
        shown_fact(&qinqing_rules::Schema::standard(), &fact)
    }

    #[test]
    fn a_fact_reads_with_its_label_year_and_money_in_yuan() {
        let f = shown("rd_expense@2025", "4000000");
        assert_eq!(f.label, "2025年研发费用");
        assert_eq!(f.value, "400 万元");
        assert_eq!(
            shown("rd_expense@2025", "1234567.5").value,
            "1,234,567.50 元"
        );
    }

    #[test]
    fn an_undeclared_fact_keeps_its_value_under_a_neutral_label() {
        let f = shown("no_such_thing@2025", "12");
        assert_eq!(f.label, "2025年补充数据");
        assert_eq!(f.value, "12");
    }
}
