//! The policy library (政策库): department staff write a policy, its lead publishes it (上架),
//! it expires at the end of its period or is withdrawn with a reason (下架). A published version
//! never changes; an edit makes a new version, and applications keep the one they were made under.

use crate::status::PolicyStatus;
use crate::store::policies::{self as store, PolicyFields, PolicyRow};
use crate::{level_label, locked_row_by_slug, row_by_slug};
use chrono::{DateTime, NaiveDate, Utc};
use qinqing_domain::Money;
use qinqing_domain::org::Role;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::error::FieldErrors;
use qinqing_kernel::store::{Conn, StoreError, orgs};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::Policy;
use qinqing_rules::model::Level;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The application guide (申报指南), in words for the enterprise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Guide {
    /// Who may apply.
    pub who: String,
    /// The conditions, in words.
    pub conditions: String,
    /// Materials to provide (each one line).
    pub materials: Vec<String>,
    /// When applications close, in words ("每年 3 月 31 日前").
    pub deadline: String,
    /// Whom to ask: office and telephone.
    pub contact: String,
    /// Pledges (承诺) the enterprise signs instead of providing certificates.
    pub pledges: Vec<PledgeTerm>,
}

/// One pledge an applicant signs; its text is recorded with the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PledgeTerm {
    pub key: String,
    pub text: String,
}

/// One stage of review: who holds it (an organisation and a role in it). A joint stage (联审)
/// lists the other departments that hold it at the same time; it passes when every one of
/// them has approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewStage {
    /// "初审", "复审", "联审", …
    pub label: String,
    pub org_id: i64,
    #[schema(value_type = String)]
    pub role: Role,
    /// The other departments of a joint stage (联审), each with the role that reviews there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint: Vec<StageHolder>,
}

/// A department holding a stage, and the role in it that acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StageHolder {
    pub org_id: i64,
    #[schema(value_type = String)]
    pub role: Role,
}

impl ReviewStage {
    /// Everyone holding the stage: its department, then those it reviews jointly with.
    pub fn holders(&self) -> Vec<StageHolder> {
        let first = StageHolder {
            org_id: self.org_id,
            role: self.role,
        };
        std::iter::once(first)
            .chain(self.joint.iter().copied())
            .collect()
    }

    pub fn is_joint(&self) -> bool {
        !self.joint.is_empty()
    }

    /// The holder the caller acts as, if any.
    pub fn holder_for(&self, who: &Principal) -> Option<StageHolder> {
        self.holders()
            .into_iter()
            .find(|h| h.role == who.role && h.org_id == who.org_id)
    }
}

/// What staff submit to create or edit a policy.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PolicyInput {
    /// The rules engine's definition (TOML): id, title, department, level, mode, period,
    /// conditions and reward.
    pub definition: String,
    /// The original document's text.
    pub document_text: String,
    pub guide: Guide,
    /// Where to go and whom to ask when the policy is not applied for on the platform.
    pub offline_channel: Option<String>,
    /// Review stages in order; empty means one stage held by the department's 初审人.
    pub review_stages: Vec<ReviewStage>,
    /// Working days from submission to decision (default 3).
    pub decision_days: Option<u32>,
    /// The budget in yuan ("5000000"); absent for no limit.
    pub budget: Option<String>,
    /// 分级承担: each sharing level's budget of the policy in yuan, by level (`"municipal":
    /// "3000000"`); a level left out has no limit. Only the levels the definition's `shares`
    /// name. Takes effect when saved: it is the levels' allocation, not a term of the policy.
    pub level_budgets: BTreeMap<String, String>,
    /// The department that owns the policy; defaults to the caller's organisation.
    pub department_org_id: Option<i64>,
}

pub const DEFAULT_DECISION_DAYS: u32 = 3;

/// A policy as staff and the public see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub id: String,
    pub title: String,
    pub department: String,
    pub department_org_id: i64,
    pub level: String,
    pub level_label: &'static str,
    pub mode: String,
    pub mode_label: &'static str,
    pub topics: Vec<String>,
    pub status: PolicyStatus,
    pub status_label: &'static str,
    pub document_no: Option<String>,
    pub document_text: String,
    pub guide: Guide,
    pub offline_channel: Option<String>,
    pub review_stages: Vec<ReviewStage>,
    pub decision_days: i64,
    /// Yuan, "5000000.00"; absent when unlimited.
    pub budget_total: Option<String>,
    pub budget_committed: String,
    /// Held back by 免申即享 offers not yet confirmed.
    pub budget_reserved: String,
    /// 分级承担: each sharing level's budget of the policy (read with the policy, not the list).
    pub level_budgets: Vec<crate::funding::LevelBudgetView>,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
    pub current_version: i64,
    pub published_version: Option<i64>,
    pub withdrawn_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub fn mode_label(mode: &str) -> &'static str {
    match mode {
        "apply" => "申报兑现",
        "auto_grant" => "免申即享",
        "quick_apply" => "即申即享",
        _ => "其他",
    }
}

pub(crate) fn view(row: &PolicyRow) -> PolicyView {
    PolicyView {
        id: row.slug.clone(),
        title: row.title.clone(),
        department: row.department_name.clone(),
        department_org_id: row.department_org_id,
        level: row.level.clone(),
        level_label: level_label(&row.level),
        mode: row.mode.clone(),
        mode_label: mode_label(&row.mode),
        topics: serde_json::from_str(&row.topics).unwrap_or_default(),
        status: row.status,
        status_label: row.status.label_zh(),
        document_no: row.document_no.clone(),
        document_text: row.document_text.clone(),
        guide: serde_json::from_str(&row.guide).unwrap_or_default(),
        offline_channel: row.offline_channel.clone(),
        review_stages: stages(row),
        decision_days: row.decision_days,
        budget_total: row.budget_total.map(|f| Money::from_fen(f).to_string()),
        budget_committed: Money::from_fen(row.budget_committed).to_string(),
        budget_reserved: Money::from_fen(row.budget_reserved).to_string(),
        level_budgets: Vec::new(),
        effective_from: row.effective_from,
        effective_to: row.effective_to,
        current_version: row.current_version,
        published_version: row.published_version,
        withdrawn_reason: row.withdrawn_reason.clone(),
        updated_at: row.updated_at,
    }
}

pub(crate) fn stages(row: &PolicyRow) -> Vec<ReviewStage> {
    serde_json::from_str(&row.review_stages).unwrap_or_default()
}

/// Who may write a department's policies: its handlers and lead, and the administrator.
fn may_author(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin
        || (matches!(who.role, Role::Handler | Role::DepartmentLead)
            && who.org_id == department_org_id)
}

/// Who may publish or withdraw them: the department's lead, and the administrator.
pub(crate) fn may_publish(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin || (who.role == Role::DepartmentLead && who.org_id == department_org_id)
}

/// A valid input, parsed.
struct Parsed {
    policy: Policy,
    definition: String,
    topics: String,
    document_text: String,
    guide: String,
    offline_channel: Option<String>,
    stages: String,
    decision_days: i64,
    budget_total: Option<i64>,
    /// Each level the definition shares the cost with, and its budget (`None`: no limit).
    level_budgets: Vec<(Level, Option<i64>)>,
    department_org_id: i64,
}

impl Parsed {
    fn fields(&self) -> PolicyFields<'_> {
        PolicyFields {
            slug: &self.policy.id,
            title: &self.policy.title,
            department_org_id: self.department_org_id,
            level: self.policy.level.as_str(),
            mode: self.policy.mode.as_str(),
            topics: &self.topics,
            document_no: self.policy.document_no.as_deref(),
            document_text: &self.document_text,
            guide: &self.guide,
            offline_channel: self.offline_channel.as_deref(),
            review_stages: &self.stages,
            decision_days: self.decision_days,
            budget_total: self.budget_total,
            effective_from: Some(self.policy.effective_from),
            effective_to: self.policy.effective_to,
        }
    }
}

/// Each level the definition shares the cost with, and the budget given for it; a budget for a
/// level the definition does not share, or not an amount, is an error of its field.
fn level_budgets(
    input: &BTreeMap<String, String>,
    policy: Option<&Policy>,
    errors: &mut FieldErrors,
) -> Vec<(Level, Option<i64>)> {
    let shared: Vec<Level> = policy
        .and_then(|p| p.cross.shares.as_ref())
        .map(|s| s.parts.iter().map(|&(l, _)| l).collect())
        .unwrap_or_default();
    let mut given = Vec::new();
    for (key, text) in input {
        let field = format!("level_budgets.{key}");
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Some(level) = Level::parse(key) else {
            errors.add(&field, "未知的财政级次");
            continue;
        };
        if policy.is_some() && !shared.contains(&level) {
            let name = level.label_zh();
            errors.add(
                &field,
                format!("政策定义未规定由{name}财政分担,不需填写{name}预算"),
            );
            continue;
        }
        match Money::parse_yuan(text) {
            Ok(m) if m.fen() > 0 => given.push((level, m.fen())),
            Ok(_) => errors.add(&field, "预算须大于 0"),
            Err(e) => errors.add(&field, format!("预算金额有误:{e}")),
        }
    }
    shared
        .into_iter()
        .map(|l| (l, given.iter().find(|g| g.0 == l).map(|g| g.1)))
        .collect()
}

/// The levels' budgets as the trail records them: fen by level, null for no limit.
fn level_budgets_detail(totals: &[(Level, Option<i64>)]) -> serde_json::Value {
    totals
        .iter()
        .map(|&(level, total)| (level.as_str().to_string(), serde_json::json!(total)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Sets the levels' budgets of a policy, none below what its grants and offers already hold.
async fn save_level_budgets(
    conn: &mut Conn,
    policy_id: i64,
    totals: &[(Level, Option<i64>)],
) -> AppResult<()> {
    let held = crate::store::level_budgets::of_policy(conn, policy_id).await?;
    for &(level, total) in totals {
        let used = held
            .iter()
            .find(|b| b.level == level)
            .map_or(0, |b| b.committed + b.reserved);
        if let Some(total) = total
            && total < used
        {
            return Err(AppError::Conflict {
                field: Some(format!("level_budgets.{}", level.as_str())),
                message: format!(
                    "{}预算不能少于已核准和预留的 {}",
                    level.label_zh(),
                    crate::yuan(used)
                ),
            });
        }
    }
    crate::store::level_budgets::set_totals(conn, policy_id, totals).await?;
    Ok(())
}

/// Policy ids that are also fixed paths under `/policies/` and `/api/v1/policies/`.
const RESERVED_IDS: [&str; 2] = ["builder", "new"];

/// Checks every part of the input; all mistakes are reported at once, each with its field.
async fn parse_input(conn: &mut Conn, who: &Principal, input: &PolicyInput) -> AppResult<Parsed> {
    let mut errors = FieldErrors::default();
    let schema = crate::schema(conn).await?;
    let policy = match crate::parse_definition(&schema, &input.definition, "definition") {
        Ok(p) if RESERVED_IDS.contains(&p.id.as_str()) => {
            errors.add(
                "definition",
                format!("政策编号“{}”为系统保留,请换一个", p.id),
            );
            None
        }
        Ok(p) => Some(p),
        Err(e) => {
            errors.add("definition", e.to_string());
            None
        }
    };
    let department_org_id = input.department_org_id.unwrap_or(who.org_id);
    match orgs::get(conn, department_org_id).await? {
        Some(o) if o.kind == qinqing_domain::org::OrgKind::Department => {}
        _ => errors.add("department_org_id", "请选择政策所属的部门"),
    }
    let budget_total = match input.budget.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match Money::parse_yuan(text) {
            Ok(m) if m.fen() > 0 => Some(m.fen()),
            Ok(_) => {
                errors.add("budget", "预算须大于 0");
                None
            }
            Err(e) => {
                errors.add("budget", format!("预算金额有误:{e}"));
                None
            }
        },
    };
    let level_budgets = level_budgets(&input.level_budgets, policy.as_ref(), &mut errors);
    let decision_days = input.decision_days.unwrap_or(DEFAULT_DECISION_DAYS);
    if !(1..=60).contains(&decision_days) {
        errors.add("decision_days", "审核时限应为 1 到 60 个工作日");
    }
    if input.document_text.trim().is_empty() {
        errors.add("document_text", "请填写政策原文");
    }
    let stages = if input.review_stages.is_empty() {
        vec![ReviewStage {
            label: "初审".into(),
            org_id: department_org_id,
            role: Role::Reviewer1,
            joint: Vec::new(),
        }]
    } else {
        input.review_stages.clone()
    };
    for (i, stage) in stages.iter().enumerate() {
        let field = format!("review_stages[{i}]");
        if stage.label.trim().is_empty() {
            errors.add(&field, "请填写审核环节名称");
        }
        let holders = stage.holders();
        for holder in &holders {
            if let Some(message) = holder_error(conn, holder).await? {
                errors.add(&field, message);
            }
        }
        let mut orgs_seen: Vec<i64> = holders.iter().map(|h| h.org_id).collect();
        orgs_seen.sort_unstable();
        orgs_seen.dedup();
        if orgs_seen.len() != holders.len() {
            errors.add(&field, "联审的各部门不能重复");
        }
    }
    for (i, pledge) in input.guide.pledges.iter().enumerate() {
        if pledge.key.trim().is_empty() || pledge.text.trim().is_empty() {
            errors.add(&format!("guide.pledges[{i}]"), "承诺须有编号和全文");
        }
    }
    errors.finish()?;
    let policy = qinqing_kernel::error::parsed(policy)?;
    Ok(Parsed {
        definition: input.definition.clone(),
        topics: serde_json::to_string(&policy.topics).map_err(anyhow::Error::from)?,
        document_text: input.document_text.trim().to_string(),
        guide: serde_json::to_string(&input.guide).map_err(anyhow::Error::from)?,
        offline_channel: input
            .offline_channel
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        stages: serde_json::to_string(&stages).map_err(anyhow::Error::from)?,
        decision_days: i64::from(decision_days),
        budget_total,
        level_budgets,
        department_org_id,
        policy,
    })
}

/// What is wrong with a stage's holder, if anything.
async fn holder_error(conn: &mut Conn, holder: &StageHolder) -> AppResult<Option<&'static str>> {
    if !matches!(
        holder.role,
        Role::Reviewer1 | Role::Reviewer2 | Role::Reviewer3 | Role::DepartmentLead
    ) {
        return Ok(Some("审核环节须由初审、复审、终审人或部门负责人承担"));
    }
    Ok(match orgs::get(conn, holder.org_id).await? {
        Some(o) if o.kind == qinqing_domain::org::OrgKind::Department => None,
        _ => Some("审核环节须由一个部门承担"),
    })
}

async fn record(
    conn: &mut Conn,
    who: &Principal,
    meta: &RequestMeta,
    action: &str,
    slug: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        object_type: "policy",
        object_id: slug.to_string(),
        on_behalf_of: None,
        detail,
    };
    audit::record(conn, who, meta, change, now).await?;
    Ok(())
}

/// Creates a draft policy.
pub async fn create(
    app: &App,
    who: &Principal,
    input: &PolicyInput,
    meta: &RequestMeta,
) -> AppResult<PolicyView> {
    // Who may write is settled before what they wrote is checked: an enterprise user is
    // refused, not told that its organisation is no department.
    if !may_author(who, input.department_org_id.unwrap_or(who.org_id)) {
        return Err(AppError::forbidden(
            "只有本部门的经办人或负责人可以编写政策",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let parsed = parse_input(&mut tx, who, input).await?;
    let id = match store::insert(&mut tx, &parsed.fields(), &parsed.definition, now).await {
        Err(StoreError::Duplicate) => {
            return Err(AppError::Conflict {
                field: Some("definition".into()),
                message: format!("政策编号“{}”已被使用", parsed.policy.id),
            });
        }
        other => other?,
    };
    save_level_budgets(&mut tx, id, &parsed.level_budgets).await?;
    let detail = serde_json::json!({
        "version": 1,
        "title": parsed.policy.title,
        "level_budgets": level_budgets_detail(&parsed.level_budgets),
    });
    record(
        &mut tx,
        who,
        meta,
        "policy.created",
        &parsed.policy.id,
        detail,
        now,
    )
    .await?;
    let row = get_row(&mut tx, id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(&row))
}

async fn get_row(conn: &mut Conn, id: i64) -> AppResult<PolicyRow> {
    store::get(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这项政策".into()))
}

/// Edits a policy. A draft or a policy in review is edited in place; a published one gets a
/// new version (which its lead publishes), an ended one cannot be edited.
pub async fn update(
    app: &App,
    who: &Principal,
    slug: &str,
    input: &PolicyInput,
    meta: &RequestMeta,
) -> AppResult<PolicyView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = locked_row_by_slug(
        &mut tx,
        slug,
        |row| may_author(who, row.department_org_id),
        "只有本部门的经办人或负责人可以修改政策",
    )
    .await?;
    if matches!(row.status, PolicyStatus::Expired | PolicyStatus::Withdrawn) {
        return Err(AppError::Conflict {
            field: None,
            message: format!("政策{},不能再修改", row.status.label_zh()),
        });
    }
    let parsed = parse_input(&mut tx, who, input).await?;
    if parsed.policy.id != row.slug {
        return Err(AppError::invalid(
            "definition",
            format!("政策编号不能修改(应为“{}”)", row.slug),
        ));
    }
    if parsed.department_org_id != row.department_org_id && who.role != Role::Admin {
        return Err(AppError::forbidden("不能把政策转给其他部门"));
    }
    let edit = match row.published_version {
        None => store::Edit::InPlace,
        Some(v) if v == row.current_version => store::Edit::NewVersion,
        Some(_) => store::Edit::PendingVersion,
    };
    let version = store::update(
        &mut tx,
        row.id,
        &parsed.fields(),
        &parsed.definition,
        edit,
        now,
    )
    .await?;
    save_level_budgets(&mut tx, row.id, &parsed.level_budgets).await?;
    let new_version = edit == store::Edit::NewVersion;
    let detail = serde_json::json!({
        "version": version,
        "new_version": new_version,
        "level_budgets": level_budgets_detail(&parsed.level_budgets),
    });
    record(&mut tx, who, meta, "policy.edited", slug, detail, now).await?;
    let row = get_row(&mut tx, row.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(&row))
}

/// A step of the life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleAction {
    /// Draft → internal review (by an author).
    SubmitForReview,
    /// Review → published, or a new version of a published policy → published (by the lead).
    Publish,
    /// Review → draft, with a reason (by the lead).
    SendBack,
    /// Published → withdrawn, with a reason (by the lead).
    Withdraw,
}

pub async fn lifecycle(
    app: &App,
    who: &Principal,
    slug: &str,
    action: LifecycleAction,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> AppResult<PolicyView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (may, refusal): (fn(&Principal, i64) -> bool, _) = match action {
        LifecycleAction::SubmitForReview => (may_author, "只有本部门的经办人或负责人可以提交审核"),
        _ => (may_publish, "只有本部门负责人可以上架或下架政策"),
    };
    let row = locked_row_by_slug(
        &mut tx,
        slug,
        |row| may(who, row.department_org_id),
        refusal,
    )
    .await?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let needs_reason = matches!(
        action,
        LifecycleAction::SendBack | LifecycleAction::Withdraw
    );
    if needs_reason && reason.is_none() {
        return Err(AppError::invalid("reason", "请说明原因"));
    }
    let has_new_version = row
        .published_version
        .is_some_and(|v| v < row.current_version);
    use PolicyStatus::{Draft, Published, Review, Withdrawn};
    let mut pushes = None;
    let moved = match action {
        LifecycleAction::SubmitForReview => {
            store::transition(&mut tx, row.id, &[Draft], Review, None, now).await?
        }
        LifecycleAction::SendBack => {
            store::transition(&mut tx, row.id, &[Review], Draft, reason, now).await?
        }
        LifecycleAction::Withdraw => {
            store::transition(&mut tx, row.id, &[Published], Withdrawn, reason, now).await?
        }
        LifecycleAction::Publish => {
            let ready = row.status == Review || (row.status == Published && has_new_version);
            if ready {
                let policy = publish_checked(&mut tx, &row).await?;
                let version = store::publish_current(&mut tx, row.id, now).await?;
                // Recorded with the publication; the pushes go out in chunks once it commits.
                let sweep = crate::publication_pushes::plan(&mut tx, &row, version, who, now);
                pushes = Some(sweep.await?);
                let topics = serde_json::to_string(&policy.topics).map_err(anyhow::Error::from)?;
                let texts = store::version_texts(&mut tx, row.id, row.current_version).await?;
                let base = PolicyFields {
                    title: &policy.title,
                    level: policy.level.as_str(),
                    mode: policy.mode.as_str(),
                    topics: &topics,
                    document_no: policy.document_no.as_deref(),
                    effective_from: Some(policy.effective_from),
                    effective_to: policy.effective_to,
                    ..row_fields(&row)
                };
                let fields = texts.as_ref().map_or(base.clone(), |t| t.over(base));
                ensure_budget_covers_commitments(&row, fields.budget_total)?;
                store::set_version_fields(&mut tx, row.id, &fields).await?;
            }
            ready
        }
    };
    if !moved {
        return Err(AppError::Conflict {
            field: None,
            message: format!("政策当前{},不能这样操作", row.status.label_zh()),
        });
    }
    let name = match action {
        LifecycleAction::SubmitForReview => "policy.submitted_for_review",
        LifecycleAction::Publish => "policy.published",
        LifecycleAction::SendBack => "policy.sent_back",
        LifecycleAction::Withdraw => "policy.withdrawn",
    };
    let detail = serde_json::json!({ "version": row.current_version, "reason": reason });
    record(&mut tx, who, meta, name, slug, detail, now).await?;
    let row = get_row(&mut tx, row.id).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if let Some(sweep) = pushes {
        crate::publication_pushes::send(app, sweep).await;
    }
    Ok(view(&row))
}

/// A new version may lower the budget, but not below what approvals already committed.
fn ensure_budget_covers_commitments(row: &PolicyRow, budget_total: Option<i64>) -> AppResult<()> {
    match budget_total {
        Some(total) if total < row.budget_committed + row.budget_reserved => {
            Err(AppError::Conflict {
                field: Some("budget".into()),
                message: format!(
                    "新版本的预算 {} 元少于已核准和免申即享待确认的 {} 元,请修改预算后再上架",
                    Money::from_fen(total),
                    Money::from_fen(row.budget_committed + row.budget_reserved)
                ),
            })
        }
        _ => Ok(()),
    }
}

/// A version joins the published library only if the library stays consistent (the same
/// amount for every member of an annual cap, and so on).
async fn publish_checked(conn: &mut Conn, row: &PolicyRow) -> AppResult<Policy> {
    let published = crate::published(conn).await?;
    let definition = store::definition(conn, row.id, row.current_version)
        .await?
        .unwrap_or_default();
    let file = format!("{}.toml", row.slug);
    let mut policies: Vec<Policy> = published
        .set
        .policies
        .iter()
        .filter(|p| p.id != row.slug)
        .cloned()
        .collect();
    let policy = qinqing_rules::parse_policy(&file, &definition, &published.set.schema)
        .map_err(|d| diagnostics_error(&d))?;
    policies.push(policy.clone());
    qinqing_rules::PolicySet::new(published.set.schema.clone(), policies)
        .map_err(|d| diagnostics_error(&d))?;
    Ok(policy)
}

/// A row's stored fields, as the storage layer takes them.
fn row_fields(row: &PolicyRow) -> PolicyFields<'_> {
    PolicyFields {
        slug: &row.slug,
        title: &row.title,
        department_org_id: row.department_org_id,
        level: &row.level,
        mode: &row.mode,
        topics: &row.topics,
        document_no: row.document_no.as_deref(),
        document_text: &row.document_text,
        guide: &row.guide,
        offline_channel: row.offline_channel.as_deref(),
        review_stages: &row.review_stages,
        decision_days: row.decision_days,
        budget_total: row.budget_total,
        effective_from: row.effective_from,
        effective_to: row.effective_to,
    }
}

fn diagnostics_error(diags: &[qinqing_rules::Diagnostic]) -> AppError {
    let message = diags
        .iter()
        .map(|d| d.message_zh.clone())
        .collect::<Vec<_>>()
        .join(";");
    AppError::invalid("definition", format!("与已上架政策冲突:{message}"))
}

/// Takes down the published policies whose period has ended (run by the scheduler each
/// minute and before listings), recording each in the audit trail.
pub async fn expire_ended(app: &App) -> AppResult<usize> {
    let now = app.now();
    let today = now
        .with_timezone(&qinqing_domain::deadline::beijing())
        .date_naive();
    let mut tx = app.db.begin().await?;
    let ids = store::expire_ended(&mut tx, today, now).await?;
    for id in &ids {
        let row = get_row(&mut tx, *id).await?;
        let detail = serde_json::json!({ "effective_to": row.effective_to });
        record(
            &mut tx,
            &Principal::system(),
            &RequestMeta::default(),
            "policy.expired",
            &row.slug,
            detail,
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ids.len())
}

/// A policy anyone may read: published or ended ones to the public; drafts only to staff of
/// its department and the administrator.
pub async fn get(app: &App, who: Option<&Principal>, slug: &str) -> AppResult<PolicyView> {
    let mut conn = app.db.conn().await?;
    let row = row_by_slug(&mut conn, slug).await?;
    if !is_visible(who, &row) {
        return Err(AppError::NotFound(format!("没有编号为“{slug}”的政策")));
    }
    with_level_budgets(&mut conn, &row, view(&row)).await
}

async fn with_level_budgets(
    conn: &mut Conn,
    row: &PolicyRow,
    mut shown: PolicyView,
) -> AppResult<PolicyView> {
    let budgets = crate::store::level_budgets::of_policy(conn, row.id).await?;
    shown.level_budgets = crate::funding::budget_views(&budgets);
    Ok(shown)
}

/// The definition file of the current version, for staff who edit it.
pub async fn definition(app: &App, who: &Principal, slug: &str) -> AppResult<String> {
    let mut conn = app.db.conn().await?;
    let row = row_by_slug(&mut conn, slug).await?;
    if !is_visible(Some(who), &row) {
        return Err(AppError::NotFound(format!("没有编号为“{slug}”的政策")));
    }
    let version = if sees_drafts(who, &row) {
        row.current_version
    } else {
        row.published_version.unwrap_or(row.current_version)
    };
    Ok(store::definition(&mut conn, row.id, version)
        .await?
        .unwrap_or_default())
}

/// The policy as its current version says, for staff who edit it: a published policy with a
/// new version shows the new version's texts (the public still sees the version in force).
pub async fn editing(app: &App, who: &Principal, slug: &str) -> AppResult<PolicyView> {
    let mut conn = app.db.conn().await?;
    let row = row_by_slug(&mut conn, slug).await?;
    if !sees_drafts(who, &row) {
        return Err(AppError::forbidden("只有本部门的工作人员可以修改政策"));
    }
    let mut shown = view(&row);
    if let Some(t) = store::version_texts(&mut conn, row.id, row.current_version).await? {
        shown.guide = serde_json::from_str(&t.guide).unwrap_or_default();
        shown.review_stages = serde_json::from_str(&t.review_stages).unwrap_or_default();
        shown.budget_total = t.budget_total.map(|f| Money::from_fen(f).to_string());
        shown.document_text = t.document_text;
        shown.offline_channel = t.offline_channel;
        shown.decision_days = t.decision_days;
    }
    with_level_budgets(&mut conn, &row, shown).await
}

/// Whether `who` (or the public) may see the policy at all.
pub(crate) fn is_visible(who: Option<&Principal>, row: &PolicyRow) -> bool {
    is_public(row) || who.is_some_and(|w| sees_drafts(w, row))
}

fn is_public(row: &PolicyRow) -> bool {
    row.published_version.is_some()
}

fn sees_drafts(who: &Principal, row: &PolicyRow) -> bool {
    who.role == Role::Admin || (who.role.is_staff() && who.org_id == row.department_org_id)
}

/// The library: the public sees published and ended policies; staff also see their
/// department's drafts.
pub async fn list(app: &App, who: Option<&Principal>) -> AppResult<Vec<PolicyView>> {
    let mut conn = app.db.conn().await?;
    let rows = store::list(&mut conn, None).await?;
    Ok(rows
        .iter()
        .filter(|r| is_visible(who, r))
        .map(view)
        .collect())
}

/// The public search of the library: words in Chinese, and filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PolicyQuery {
    /// Words to search for in the title, the document and the guide.
    pub q: Option<String>,
    /// national | provincial | municipal | district
    pub level: Option<String>,
    /// The department's name.
    pub department: Option<String>,
    pub topic: Option<String>,
    /// A GB/T 4754 code or section: policies for that industry.
    pub industry: Option<String>,
    /// published (default for the public) | expired | withdrawn | draft | review
    pub status: Option<String>,
    /// apply | auto_grant | quick_apply
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyHit {
    pub policy: PolicyView,
    /// The title and a snippet of the text with the matched words in `<mark>`; HTML-escaped.
    pub title_html: String,
    pub snippet_html: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResult {
    pub total: usize,
    pub items: Vec<PolicyHit>,
}

pub(crate) fn stage_of(stages: &[ReviewStage], stage: i64) -> Option<&ReviewStage> {
    usize::try_from(stage).ok().and_then(|i| stages.get(i))
}
