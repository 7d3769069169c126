//! Graded review (在线批): each stage of a policy's review is held by one role in one
//! department. The holder approves (the amount defaults to the engine's computation and may only
//! be changed with a reason), returns for more material (补正: the clock pauses and the
//! enterprise is told exactly what to add) or rejects with a reason. The last approval commits
//! the budget and creates the payout instruction in the same transaction.

use crate::applications::{
    ApplicationView, REVIEW_CLOCK, TRAIL_OBJECT, at_stage, get_row, notify_enterprise, record,
    review_due_in, step, stop_review_clock, view, visible_row,
};
use crate::funding;
use crate::library::stage_of;
use crate::library::{ReviewStage, StageHolder, stages};
use crate::response::{self, AtStage};
use crate::status::ApplicationStatus::{Approved, Offered, Rejected, Returned, Submitted};
use crate::status::PayoutStatus;
use crate::store::applications::{self as store, ApplicationFilter, ApplicationRow, Move};
use crate::store::level_budgets::Sum;
use crate::store::policies::PolicyRow;
use crate::store::{payouts, policies};
use chrono::{DateTime, Utc};
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::deadlines::{self, ClockAction};
use qinqing_kernel::listing::{Paged, Queue, Tab};
use qinqing_kernel::store::{Conn, StoreError, deadlines as deadline_store};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use qinqing_rules::model::CostSharing;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    /// Approve this stage; at the last stage, grant `amount` (yuan; default: the computed one).
    Approve {
        amount: Option<String>,
        reason: Option<String>,
    },
    /// Return for more material, saying what to add.
    Return {
        note: String,
    },
    Reject {
        reason: String,
    },
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueItem {
    pub application: ApplicationView,
    /// Whether the caller holds its current stage (and, in a 联审, has not approved yet).
    pub mine: bool,
    /// When the caller's department must take it up (签收) by; absent once it has.
    pub response_due_at: Option<DateTime<Utc>>,
    /// Past its review time limit (or, for the caller's department, its 签收 limit).
    pub overdue: bool,
}

/// One page of the review queue: 待我审核 (the stages the caller holds), 已超期 or all, searched
/// in receipt number, policy title and enterprise name; those the caller holds first, by due time.
/// Only the page's applications are read in full.
pub async fn queue(app: &App, who: &Principal, page: &Queue) -> AppResult<Paged<QueueItem>> {
    let mut conn = app.db.conn().await?;
    let keys = gather(app, &mut conn, who).await?;
    let shown = keys.into_iter().filter(|k| match page.tab {
        Tab::Mine => k.mine,
        Tab::Overdue => k.overdue,
        Tab::All => true,
    });
    let found = shown.filter(|k| {
        let r = &k.row;
        page.finds(&[&r.receipt_no, &r.policy_title, &r.enterprise_name])
    });
    let paged = page.page_of(found.collect());
    let mut items = Vec::with_capacity(paged.items.len());
    for key in &paged.items {
        items.push(key.item(&mut conn).await?);
    }
    Ok(Paged {
        total: paged.total,
        page: paged.page,
        per_page: paged.per_page,
        items,
    })
}

/// One application as it stands in the caller's review queue, if it is there.
pub async fn queued(app: &App, who: &Principal, receipt_no: &str) -> AppResult<Option<QueueItem>> {
    let mut conn = app.db.conn().await?;
    let keys = gather(app, &mut conn, who).await?;
    match keys.into_iter().find(|k| k.row.receipt_no == receipt_no) {
        Some(key) => Ok(Some(key.item(&mut conn).await?)),
        None => Ok(None),
    }
}

/// What places an application in the queue: its row and the caller's part in it.
struct QueueKey {
    row: ApplicationRow,
    mine: bool,
    response_due_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    overdue: bool,
}

impl QueueKey {
    async fn item(&self, conn: &mut Conn) -> AppResult<QueueItem> {
        Ok(QueueItem {
            application: view(conn, &self.row).await?,
            mine: self.mine,
            response_due_at: self.response_due_at,
            overdue: self.overdue,
        })
    }
}

/// Every submitted application in the caller's scope, the ones the caller holds first, each
/// group by due time. The scope check is per row (`covers`), so the queue is gathered whole,
/// but from its rows, the policies (read once) and the caller's own stage only.
async fn gather(app: &App, conn: &mut Conn, who: &Principal) -> AppResult<Vec<QueueKey>> {
    if !who.role.is_staff() {
        return Err(AppError::forbidden("只有工作人员可以查看审核队列"));
    }
    let filter = ApplicationFilter {
        statuses: vec![Submitted, Returned],
        region_prefix: region_prefix(who),
        ..ApplicationFilter::default()
    };
    let rows: Vec<ApplicationRow> = store::list(conn, &filter, 1000)
        .await?
        .into_iter()
        .filter(|r| covers(who, r))
        .collect();
    let receipts: Vec<&str> = rows.iter().map(|r| r.receipt_no.as_str()).collect();
    let clocks = deadline_store::for_objects(conn, TRAIL_OBJECT, &receipts).await?;
    let policies: HashMap<i64, PolicyRow> = policies::list(conn, None)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let now = app.now();
    let mut keys = Vec::new();
    for row in rows {
        let holder = policies
            .get(&row.policy_id)
            .and_then(|p| stage_of(&stages(p), row.stage).and_then(|s| s.holder_for(who)));
        let submitted = row.status == Submitted;
        let (mine, response_due_at) = match holder {
            Some(h) if submitted => {
                let approvals = store::joint_approvals(conn, row.id, row.stage).await?;
                let approved = approvals.iter().any(|a| a.org_id == h.org_id);
                let due = response::due(conn, &row.receipt_no, row.stage, h.org_id).await?;
                (!approved, due)
            }
            _ => (false, None),
        };
        let due_at = clocks.get(&row.receipt_no).and_then(|c| review_due_in(c));
        let late = |due: Option<DateTime<Utc>>| due.is_some_and(|d| d < now);
        let overdue = submitted && (late(due_at) || late(response_due_at));
        keys.push(QueueKey {
            row,
            mine,
            response_due_at,
            due_at,
            overdue,
        });
    }
    keys.sort_by_key(|k| (!k.mine, k.due_at.unwrap_or(DateTime::<Utc>::MAX_UTC)));
    Ok(keys)
}

fn region_prefix(who: &Principal) -> Option<String> {
    match &who.scope {
        qinqing_domain::org::Scope::Region(code) => {
            Some(qinqing_kernel::principal::region_prefix(code))
        }
        _ => None,
    }
}

fn covers(who: &Principal, row: &ApplicationRow) -> bool {
    match (
        CreditCode::parse(&row.credit_code),
        qinqing_domain::DivisionCode::parse(&row.region_code),
    ) {
        (Ok(code), Ok(region)) => who.covers_enterprise(&code, &region),
        _ => false,
    }
}

pub async fn decide(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    decision: &Decision,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let held = held_row(&mut tx, who, receipt_no).await?;
    let row = &held.row;
    // Any decision is the department's first action on it, if it had not signed yet.
    response::stop_one(&mut tx, app, &at_stage(row), held.holder.org_id, now).await?;
    match decision {
        Decision::Approve { amount, reason } => {
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            approve(
                &mut tx,
                app,
                who,
                meta,
                &held,
                amount.as_deref(),
                reason,
                now,
            )
            .await?;
        }
        Decision::Return { note } => {
            let note = required(note, "note", "请写明需要补正的内容")?;
            return_for_correction(&mut tx, app, who, meta, &held, note, now).await?;
        }
        Decision::Reject { reason } => {
            let reason = required(reason, "reason", "请写明不予通过的理由")?;
            reject(&mut tx, app, who, meta, &held, reason, now).await?;
        }
    }
    let row = get_row(&mut tx, row.id).await?;
    let shown = view(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// The department takes the application up (签收): its 24-hour response clock stops.
pub async fn sign(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let held = held_row(&mut tx, who, receipt_no).await?;
    let row = &held.row;
    let at = at_stage(row);
    if response::due(&mut tx, &row.receipt_no, row.stage, held.holder.org_id)
        .await?
        .is_none()
    {
        return Err(AppError::Conflict {
            field: None,
            message: format!("本部门已签收“{}”环节的这份申报", held.stage.label),
        });
    }
    response::stop_one(&mut tx, app, &at, held.holder.org_id, now).await?;
    step(&mut tx, who, row.id, row.stage, "sign", None, None, now).await?;
    let detail = serde_json::json!({ "stage": held.stage.label, "org_id": held.holder.org_id });
    record(
        &mut tx,
        who,
        meta,
        "application.signed",
        &row.receipt_no,
        &held.code,
        detail,
        now,
    )
    .await?;
    let row = get_row(&mut tx, row.id).await?;
    let shown = view(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// An application under review with the stage that holds it and the caller's part in it.
struct Held {
    row: ApplicationRow,
    code: CreditCode,
    stages: Vec<ReviewStage>,
    stage: ReviewStage,
    holder: StageHolder,
}

impl Held {
    fn is_last(&self) -> bool {
        usize::try_from(self.row.stage).is_ok_and(|i| i + 1 == self.stages.len())
    }
}

/// Loads an application in review that the caller holds the current stage of.
async fn held_row(conn: &mut Conn, who: &Principal, receipt_no: &str) -> AppResult<Held> {
    let row = visible_row(conn, who, receipt_no).await?;
    if row.status != Submitted {
        return Err(AppError::Conflict {
            field: None,
            message: format!("申报{},不在审核中", row.status.label_zh()),
        });
    }
    let policy = policies::get(conn, row.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without policy")))?;
    let stages = stages(&policy);
    let stage = stage_of(&stages, row.stage)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application past its last stage")))?
        .clone();
    let holder = stage.holder_for(who).ok_or_else(|| {
        AppError::forbidden(format!(
            "该申报正处于“{}”环节,应由该环节的审核人办理",
            stage.label
        ))
    })?;
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Held {
        row,
        code,
        stages,
        stage,
        holder,
    })
}

/// An approval: of the stage (one holder), or one department's opinion in a joint stage, which
/// passes the stage when it is the last one missing. At the last stage, the pass is the final
/// decision: the amount is granted.
#[allow(clippy::too_many_arguments)]
async fn approve(
    conn: &mut Conn,
    app: &App,
    who: &Principal,
    meta: &RequestMeta,
    held: &Held,
    amount: Option<&str>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (row, amount, passed) = if held.stage.is_joint() {
        joint_opinion(conn, who, held, amount, reason, now).await?
    } else {
        let amount = approved_amount(&held.row, amount, reason)?;
        (held.row.clone(), amount, true)
    };
    let last = passed && held.is_last();
    let amount = if last {
        grant(conn, app, who, &row, amount, reason, now).await?
    } else {
        if passed {
            let m = Move {
                to_stage: row.stage + 1,
                approved_amount: Some(amount),
                ..Move::to(row.id, Submitted, row.stage, Submitted)
            };
            moved(conn, &m, now).await?;
        }
        step(
            conn,
            who,
            row.id,
            row.stage,
            "approve",
            reason,
            Some(amount),
            now,
        )
        .await?;
        amount
    };
    if passed {
        response::stop_all(conn, app, &held.stage, &at_stage(&row), now).await?;
    }
    if passed && !last {
        let policy = policies::get(conn, row.policy_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without policy")))?;
        let next = AtStage {
            stage: row.stage + 1,
            ..at_stage(&row)
        };
        response::start(conn, app, &policy, &next, now).await?;
    }
    let detail = serde_json::json!({ "stage": held.stage.label, "amount": Money::from_fen(amount).to_string(), "final": last, "reason": reason, "joint": held.stage.is_joint(), "org_id": held.holder.org_id, "stage_passed": passed });
    record(
        conn,
        who,
        meta,
        "application.approved",
        &row.receipt_no,
        &held.code,
        detail,
        now,
    )
    .await
}

/// Records one department's approval of a joint stage. The application is locked first, so of
/// two departments approving the last two opinions at once, the second sees the first's and
/// passes the stage — exactly once. Returns the application as it is now, the amount, and
/// whether every holder has approved.
async fn joint_opinion(
    conn: &mut Conn,
    who: &Principal,
    held: &Held,
    amount: Option<&str>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<(ApplicationRow, i64, bool)> {
    if !store::lock(conn, held.row.id, Submitted, held.row.stage, now).await? {
        return Err(taken());
    }
    let row = get_row(conn, held.row.id).await?;
    let approvals = store::joint_approvals(conn, row.id, row.stage).await?;
    if approvals.iter().any(|a| a.org_id == held.holder.org_id) {
        return Err(AppError::Conflict {
            field: None,
            message: format!("本部门已在“{}”环节签署同意意见", held.stage.label),
        });
    }
    let amount = approved_amount(&row, amount, reason)?;
    let user = (who.user_id, who.display_name.as_str());
    store::add_joint_approval(
        conn,
        row.id,
        row.stage,
        user,
        (held.holder.org_id, Some(amount)),
        now,
    )
    .await?;
    if row.approved_amount.or(row.computed_amount) != Some(amount) {
        store::set_approved_amount(conn, row.id, amount).await?;
    }
    let passed =
        held.stage.holders().iter().all(|h| {
            h.org_id == held.holder.org_id || approvals.iter().any(|a| a.org_id == h.org_id)
        });
    Ok((row, amount, passed))
}

/// Returned for 补正: the review clock pauses, the enterprise is told what to add, and a joint
/// stage's approvals are cleared so every department reviews the corrected form.
async fn return_for_correction(
    conn: &mut Conn,
    app: &App,
    who: &Principal,
    meta: &RequestMeta,
    held: &Held,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row = &held.row;
    let m = Move {
        note: Some(note),
        ..Move::to(row.id, Submitted, row.stage, Returned)
    };
    moved(conn, &m, now).await?;
    store::clear_joint_approvals(conn, row.id, row.stage).await?;
    step(
        conn,
        who,
        row.id,
        row.stage,
        "return",
        Some(note),
        None,
        now,
    )
    .await?;
    deadlines::control_open(
        conn,
        app,
        ("application", &row.receipt_no),
        REVIEW_CLOCK,
        ClockAction::Pause,
        now,
    )
    .await?;
    response::stop_all(conn, app, &held.stage, &at_stage(row), now).await?;
    let params = serde_json::json!({ "object": object(row), "status": "需要补正", "note": note });
    let event = format!("return:{}", store::steps(conn, row.id).await?.len());
    notify_enterprise(
        conn,
        row,
        crate::messages::APPLICATION_PROGRESS,
        params,
        &event,
        now,
    )
    .await?;
    let detail = serde_json::json!({ "stage": held.stage.label, "note": note, "org_id": held.holder.org_id });
    record(
        conn,
        who,
        meta,
        "application.returned",
        &row.receipt_no,
        &held.code,
        detail,
        now,
    )
    .await
}

/// Not approved (one department's rejection is enough in a joint stage): with the reason.
async fn reject(
    conn: &mut Conn,
    app: &App,
    who: &Principal,
    meta: &RequestMeta,
    held: &Held,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row = &held.row;
    let m = Move {
        note: Some(reason),
        decided: true,
        ..Move::to(row.id, Submitted, row.stage, Rejected)
    };
    moved(conn, &m, now).await?;
    step(
        conn,
        who,
        row.id,
        row.stage,
        "reject",
        Some(reason),
        None,
        now,
    )
    .await?;
    stop_review_clock(conn, app, &row.receipt_no, now).await?;
    response::stop_all(conn, app, &held.stage, &at_stage(row), now).await?;
    let params = serde_json::json!({ "object": object(row), "status": "未通过", "note": reason });
    notify_enterprise(
        conn,
        row,
        crate::messages::APPLICATION_PROGRESS,
        params,
        "rejected",
        now,
    )
    .await?;
    let detail = serde_json::json!({ "stage": held.stage.label, "reason": reason, "org_id": held.holder.org_id });
    record(
        conn,
        who,
        meta,
        "application.rejected",
        &row.receipt_no,
        &held.code,
        detail,
        now,
    )
    .await
}

fn taken() -> AppError {
    AppError::Conflict {
        field: None,
        message: "该申报刚被他人处理,请刷新后再试".into(),
    }
}

pub(crate) fn object(row: &ApplicationRow) -> String {
    format!("“{}”申报(受理号 {})", row.policy_title, row.receipt_no)
}

fn required<'a>(text: &'a str, field: &str, message: &str) -> AppResult<&'a str> {
    let t = text.trim();
    if t.is_empty() {
        Err(AppError::invalid(field, message))
    } else {
        Ok(t)
    }
}

/// The amount an approval grants: what an earlier stage approved, else the engine's
/// computation; a different amount needs a reason, and no amount may exceed the computation.
fn approved_amount(
    row: &ApplicationRow,
    amount: Option<&str>,
    reason: Option<&str>,
) -> AppResult<i64> {
    let default = row.approved_amount.or(row.computed_amount);
    let amount = match amount.map(str::trim).filter(|a| !a.is_empty()) {
        None => default.ok_or_else(|| AppError::invalid("amount", "请填写核定金额"))?,
        Some(text) => Money::parse_yuan(text)
            .map_err(|e| AppError::invalid("amount", format!("核定金额有误:{e}")))?
            .fen(),
    };
    if amount <= 0 {
        return Err(AppError::invalid("amount", "核定金额须大于 0"));
    }
    within_computed(row, amount)?;
    let changed = default != Some(amount);
    if changed && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::invalid(
            "reason",
            "核定金额与系统测算不同,请说明理由",
        ));
    }
    Ok(amount)
}

/// The engine's computation from the application's facts is the most any approval may grant:
/// a reviewer may lower it with a reason, never raise it. An application the engine computed
/// no amount for cannot be granted money at all.
fn within_computed(row: &ApplicationRow, amount: i64) -> AppResult<()> {
    match row.computed_amount {
        Some(computed) if amount <= computed => Ok(()),
        Some(computed) => Err(AppError::invalid(
            "amount",
            format!(
                "核定金额 {} 超过系统按申报材料测算的金额 {},只能核减,不能核增",
                crate::yuan(amount),
                crate::yuan(computed)
            ),
        )),
        None => Err(AppError::invalid(
            "amount",
            "系统未能按申报材料测算出金额,不能核定",
        )),
    }
}

async fn moved(conn: &mut Conn, m: &Move<'_>, now: DateTime<Utc>) -> AppResult<()> {
    if store::move_state(conn, m, now).await? {
        Ok(())
    } else {
        Err(taken())
    }
}

/// The final approval: applies the cross-policy rules (exclusive groups, annual caps over
/// several policies) to what the enterprise was already granted in the year, commits the budget
/// (never below zero, whoever approves at the same time), marks the application approved,
/// creates its payout and stops its clock. Returns the amount granted.
pub(crate) async fn grant(
    conn: &mut Conn,
    app: &App,
    who: &Principal,
    row: &ApplicationRow,
    amount: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    // Every grant passes here (a reviewer's last approval, an enterprise's confirmation of a
    // 免申即享 offer), so the rules hold whichever way the money is committed.
    within_computed(row, amount)?;
    // The application before the enterprise's grants and the policy's budget: the lock order of
    // every money path (see `store`).
    if !store::lock(conn, row.id, row.status, row.stage, now).await? {
        return Err(taken());
    }
    let settled = crate::grant_rules::settle(conn, row, amount).await?;
    let amount = settled.amount;
    let note = grant_note(reason, &settled.reasons);
    let reason = note.as_deref();
    let m = Move {
        approved_amount: Some(amount),
        decided: true,
        ..Move::to(row.id, row.status, row.stage, Approved)
    };
    moved(conn, &m, now).await?;
    let sharing = settled.sharing.as_ref();
    let payout = if settled.pro_rata {
        // 按比例: the budget is shared among the year's grants when the department allocates
        // it (`allocation`); until then nothing is committed, and an offer's hold goes back.
        if row.status == Offered {
            give_back_hold(conn, row, 0, sharing).await?;
        }
        PayoutStatus::Allocating
    } else {
        commit(conn, row, amount, sharing).await?;
        PayoutStatus::Pending
    };
    let reference = format!("QQ-{}", row.receipt_no);
    payouts::insert(
        conn,
        row.id,
        row.policy_id,
        row.enterprise_id,
        amount,
        &reference,
        payout,
        now,
    )
    .await?;
    step(
        conn,
        who,
        row.id,
        row.stage,
        action_of(row),
        reason,
        Some(amount),
        now,
    )
    .await?;
    stop_review_clock(conn, app, &row.receipt_no, now).await?;
    let clocks = deadline_store::for_object(conn, "application", &row.receipt_no).await?;
    if clocks
        .iter()
        .any(|d| d.kind == crate::applications::CONFIRM_CLOCK)
    {
        deadlines::control_open(
            conn,
            app,
            ("application", &row.receipt_no),
            crate::applications::CONFIRM_CLOCK,
            ClockAction::Stop,
            now,
        )
        .await?;
    }
    let mut note = if settled.pro_rata {
        format!(
            "核定申报金额 {};本政策资金总额有限,将按比例统一核定实际拨付金额后直达企业账户",
            crate::yuan(amount)
        )
    } else {
        format!("核定金额 {},将直达企业账户", crate::yuan(amount))
    };
    for r in &settled.reasons {
        note.push(';');
        note.push_str(r);
    }
    let params = serde_json::json!({ "object": object(row), "status": "已核准", "note": note });
    notify_enterprise(
        conn,
        row,
        crate::messages::APPLICATION_PROGRESS,
        params,
        "approved",
        now,
    )
    .await?;
    Ok(amount)
}

/// The reviewer's reason and the reasons the rules cut the amount, as one note of the step.
fn grant_note(reason: Option<&str>, rules: &[String]) -> Option<String> {
    let parts: Vec<&str> = reason
        .into_iter()
        .chain(rules.iter().map(String::as_str))
        .collect();
    (!parts.is_empty()).then(|| parts.join(";"))
}

/// Commits a grant of `amount`: the policy's budget (a confirmed 免申即享 offer takes what its
/// offer held back; any other grant what is left beside what offers hold), then each fiscal
/// level's share. Refused when the budget is short.
async fn commit(
    conn: &mut Conn,
    row: &ApplicationRow,
    amount: i64,
    sharing: Option<&CostSharing>,
) -> AppResult<()> {
    let committed = if row.status == Offered {
        commit_offer(conn, row, amount, sharing).await?
    } else {
        policies::commit_budget(conn, row.policy_id, amount).await?
    };
    if !committed {
        return Err(AppError::Conflict {
            field: Some("amount".into()),
            message: format!("政策预算余额不足,无法核准 {}", crate::yuan(amount)),
        });
    }
    let shares = funding::split(sharing, amount);
    funding::commit(conn, row.policy_id, row.id, &shares).await
}

/// A confirmed 免申即享 offer takes `amount` of what it held back and gives the rest back (the
/// rules may have cut it); the fiscal levels' held shares go back too, for the grant's shares to
/// be committed in their place. False when the offer holds less.
async fn commit_offer(
    conn: &mut Conn,
    row: &ApplicationRow,
    amount: i64,
    sharing: Option<&CostSharing>,
) -> AppResult<bool> {
    if !policies::commit_reserved(conn, row.policy_id, amount).await? {
        return Ok(false);
    }
    give_back_hold(conn, row, amount, sharing).await?;
    Ok(true)
}

/// Gives back what an offer held beyond the `kept` fen its grant took from the policy's hold,
/// and every fiscal level's hold (a grant commits its levels' shares anew).
async fn give_back_hold(
    conn: &mut Conn,
    row: &ApplicationRow,
    kept: i64,
    sharing: Option<&CostSharing>,
) -> AppResult<()> {
    let held = row.computed_amount.unwrap_or(kept);
    if held > kept {
        policies::release_reserved(conn, row.policy_id, held - kept).await?;
    }
    let held_shares = funding::split(sharing, held);
    funding::release(conn, row.policy_id, &held_shares, Sum::Reserved).await
}

fn action_of(row: &ApplicationRow) -> &'static str {
    if row.status == Offered {
        "confirm"
    } else {
        "approve"
    }
}
