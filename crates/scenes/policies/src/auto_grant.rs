//! 免申即享 — the policy finds the enterprise. Staff run a published auto-grant policy over every
//! enterprise (see [`crate::grant_run`]); each eligible one (after exclusive groups, caps and the
//! budget left) gets an offer: an application the platform made. The offers of a run wait for staff to check them
//! (待核对) — staff exclude with a reason — until a staff member releases (发布) the run; only
//! then is each enterprise told and given a deadline to confirm its account. Confirmation
//! approves it and creates the payout; the enterprise may decline. The live-application index
//! makes a repeated run offer nothing twice for the same policy and year. Each offer holds its
//! amount back from the policy's budget until it is confirmed (committed) or ends (released), so
//! no enterprise is offered money that is not there, however many runs are made.

use crate::applications::{
    ApplicationView, CONFIRM_CLOCK, get_row, notify_enterprise, record, step, view, visible_row,
};
use crate::funding;
use crate::grant_rules;
use crate::grant_run::may_run;
use crate::payouts::{AccountInput, parse_account};
use crate::status::{ApplicationStatus, RunStatus};
use crate::store::applications::{self as store, Move};
use crate::store::auto_grant::{self as run_store, RunRow};
use crate::store::level_budgets::Sum;
use crate::store::payouts as payout_store;
use chrono::{DateTime, Utc};
use qinqing_domain::deadline::{Limit, LimitUnit};
use qinqing_domain::{CreditCode, Money};
use qinqing_kernel::deadlines::{self, ClockAction, Side, Start};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::Serialize;
use utoipa::ToSchema;

const CONFIRM_LIMIT: Limit = Limit {
    unit: LimitUnit::WorkingDays,
    amount: 10,
};

/// The status of an offer staff are still checking.
const PENDING: ApplicationStatus = ApplicationStatus::PendingCheck;

/// A run as staff check it: its offers and where each stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: i64,
    pub policy_id: String,
    pub year: i32,
    pub status: RunStatus,
    pub status_label: &'static str,
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    /// Enterprises compared so far, of `total` (the run is `running` until they are all done).
    pub done: i64,
    pub total: i64,
    pub offers: Vec<OfferView>,
}

impl RunView {
    /// How far the run has got, in whole percent.
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            100
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub receipt_no: String,
    pub credit_code: String,
    pub name: String,
    pub amount: Option<String>,
    pub status: ApplicationStatus,
    pub status_label: &'static str,
    /// Why it was excluded.
    pub note: Option<String>,
}

async fn run_view(conn: &mut Conn, slug: &str, run: RunRow) -> AppResult<RunView> {
    let work = match run.work_id {
        Some(id) => qinqing_kernel::store::long_work::get(conn, id).await?,
        None => None,
    };
    let (done, total) = work.map_or((0, 0), |w| (w.done, w.total));
    let filter = crate::store::applications::ApplicationFilter {
        run_id: Some(run.id),
        ..Default::default()
    };
    let offers = store::list(conn, &filter, i64::MAX)
        .await?
        .into_iter()
        .map(|r| OfferView {
            status_label: r.status.label_zh(),
            receipt_no: r.receipt_no,
            credit_code: r.credit_code,
            name: r.enterprise_name,
            amount: r.computed_amount.map(|a| Money::from_fen(a).to_string()),
            status: r.status,
            note: r.note,
        })
        .collect();
    Ok(RunView {
        id: run.id,
        policy_id: slug.to_string(),
        year: run.year,
        status_label: run.status.label_zh(),
        status: run.status,
        created_at: run.created_at,
        released_at: run.released_at,
        done,
        total,
        offers,
    })
}

/// The runs of a policy, newest first (its department's staff).
pub async fn runs(app: &App, who: &Principal, slug: &str) -> AppResult<Vec<RunView>> {
    let mut conn = app.db.conn().await?;
    let policy = crate::row_by_slug(&mut conn, slug).await?;
    if !may_run(who, policy.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的工作人员可以查看免申即享比对",
        ));
    }
    let mut out = Vec::new();
    for run in run_store::of_policy(&mut conn, policy.id).await? {
        out.push(run_view(&mut conn, slug, run).await?);
    }
    Ok(out)
}

/// Releases (发布) a checked run: each offer not excluded goes to its enterprise, which is told
/// and has 10 working days to confirm. A run is released once.
pub async fn release(
    app: &App,
    who: &Principal,
    run_id: i64,
    meta: &RequestMeta,
) -> AppResult<RunView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let run = run_store::get(&mut tx, run_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("没有编号为 {run_id} 的免申即享比对")))?;
    let policy = crate::store::policies::get(&mut tx, run.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("run without policy")))?;
    if !may_run(who, policy.department_org_id) {
        return Err(AppError::forbidden(
            "只有政策所属部门的工作人员可以发布免申即享比对",
        ));
    }
    if run.status == RunStatus::Running {
        return Err(AppError::Conflict {
            field: None,
            message: "该次比对尚未完成,完成后再核对发布".into(),
        });
    }
    if !run_store::release(&mut tx, run.id, who.user_id, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "该次比对已经发布,不能重复发布".into(),
        });
    }
    let offered = store::of_run(&mut tx, run.id, PENDING, None).await?.len();
    let change = qinqing_kernel::audit::Change {
        action: "auto_grant.released",
        object_type: "policy",
        object_id: policy.slug.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "run": run.id, "year": run.year, "offered": offered }),
    };
    qinqing_kernel::audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    send_released(app, who, &policy, run.id).await?;
    let mut conn = app.db.conn().await?;
    let run = run_store::get(&mut conn, run.id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("released run vanished")))?;
    run_view(&mut conn, &policy.slug, run).await
}

/// Offers sent per transaction when a run is released.
const RELEASE_CHUNK: i64 = 200;
/// The long work of sending a released run's offers, for the write gate and its metrics.
const RELEASE_WORK: &str = "auto_grant_release";

/// Sends a released run's offers to their enterprises in chunks, each its own short
/// transaction taken after the counter's writes. An offer already sent is not sent again, so
/// a release cut off by a crash is finished by calling this again.
async fn send_released(
    app: &App,
    who: &Principal,
    policy: &crate::store::policies::PolicyRow,
    run_id: i64,
) -> AppResult<()> {
    loop {
        let (mut tx, turn) = app.db.begin_background(RELEASE_WORK).await?;
        let ids = store::of_run(&mut tx, run_id, PENDING, Some(RELEASE_CHUNK)).await?;
        if ids.is_empty() {
            tx.rollback().await.map_err(StoreError::from)?;
            turn.done();
            return Ok(());
        }
        let now = app.now();
        for id in &ids {
            let row = get_row(&mut tx, *id).await?;
            send_offer(&mut tx, app, who, policy, &row, now).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        turn.done();
    }
}

/// Finishes sending the offers of runs released by a process that stopped before it had sent
/// them all; in the releaser's name. For the server's start.
pub async fn resume_releases(app: &App) -> AppResult<usize> {
    let mut conn = app.db.conn().await?;
    let unsent = run_store::released_with_unsent(&mut conn, PENDING.as_str()).await?;
    for (run_id, released_by) in &unsent {
        let Some(run) = run_store::get(&mut conn, *run_id).await? else {
            continue;
        };
        let policy = crate::store::policies::get(&mut conn, run.policy_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("run without policy")))?;
        let releaser = qinqing_kernel::auth::load_principal(app, &mut conn, *released_by)
            .await?
            .unwrap_or_else(Principal::system);
        send_released(app, &releaser, &policy, *run_id).await?;
    }
    Ok(unsent.len())
}

/// One checked offer goes to its enterprise: it is told, and its confirmation clock starts.
async fn send_offer(
    conn: &mut Conn,
    app: &App,
    who: &Principal,
    policy: &crate::store::policies::PolicyRow,
    row: &crate::store::applications::ApplicationRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let m = Move::to(row.id, PENDING, row.stage, ApplicationStatus::Offered);
    if !store::move_state(conn, &m, now).await? {
        // Another process finishing the same release sent it.
        return Ok(());
    }
    step(
        conn,
        who,
        row.id,
        row.stage,
        "release",
        None,
        row.computed_amount,
        now,
    )
    .await?;
    let region = qinqing_domain::DivisionCode::parse(&row.region_code)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("offer region: {e}")))?;
    let label = format!("确认免申即享“{}”收款账户", policy.title);
    let start = Start {
        object_type: "application",
        object_id: &row.receipt_no,
        kind: CONFIRM_CLOCK,
        label: &label,
        region: &region,
        side: Side::Enterprise,
        limit: CONFIRM_LIMIT,
        // The enterprise confirms; the policy's department chases it.
        org_id: Some(policy.department_org_id),
    };
    let due = CONFIRM_LIMIT.due_at(now, &app.calendar());
    deadlines::start(conn, app, start, now).await?;
    let params = serde_json::json!({
        "object": format!("“{}”", policy.title),
        "amount": crate::yuan(row.computed_amount.unwrap_or(0)),
        "due": due.with_timezone(&qinqing_domain::deadline::beijing()).format("%Y-%m-%d").to_string(),
    });
    notify_enterprise(
        conn,
        row,
        crate::messages::GRANT_OFFERED,
        params,
        "offered",
        now,
    )
    .await
}

/// The enterprise confirms its account: the offer is approved and paid like any approval.
pub async fn confirm(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    account: &AccountInput,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    if !qinqing_kernel::principal::acts_for_enterprise(who) {
        return Err(AppError::forbidden("只有企业本身或其亲清管家可以确认"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = offered_row(&mut tx, who, receipt_no).await?;
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    let enterprise = visible_enterprise(&mut tx, who, &code).await?;
    crate::integrity::ensure_not_blocked(&mut tx, enterprise.id, now).await?;
    let confirmed = crate::store::payouts::BankAccount {
        confirmed_at: Some(now),
        ..parse_account(account, &enterprise.identity.name)?
    };
    payout_store::save_account(&mut tx, enterprise.id, &confirmed, Some(who.user_id), now).await?;
    let amount = row
        .computed_amount
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("offer without amount")))?;
    let amount = crate::review::grant(&mut tx, app, who, &row, amount, None, now).await?;
    let detail = serde_json::json!({ "amount": Money::from_fen(amount).to_string(), "account": format!("{} {}", confirmed.bank_name, confirmed.account_no) });
    record(
        &mut tx,
        who,
        meta,
        "auto_grant.confirmed",
        receipt_no,
        &code,
        detail,
        now,
    )
    .await?;
    let row = get_row(&mut tx, row.id).await?;
    let shown = view(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

async fn offered_row(
    conn: &mut Conn,
    who: &Principal,
    receipt_no: &str,
) -> AppResult<crate::store::applications::ApplicationRow> {
    let row = visible_row(conn, who, receipt_no).await?;
    if row.status != ApplicationStatus::Offered {
        return Err(closed(row.status));
    }
    Ok(row)
}

fn closed(status: ApplicationStatus) -> AppError {
    AppError::Conflict {
        field: None,
        message: format!("该事项{},不能再确认、放弃或排除", status.label_zh()),
    }
}

/// The enterprise declines (enterprise side), or staff exclude it after checking (with a
/// reason). Either ends the offer and its clock.
pub async fn close_offer(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> AppResult<ApplicationView> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = visible_row(&mut tx, who, receipt_no).await?;
    let staff = !qinqing_kernel::principal::acts_for_enterprise(who);
    if !(row.status == ApplicationStatus::Offered || (staff && row.status == PENDING)) {
        return Err(closed(row.status));
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let (to, action) = if !staff {
        (ApplicationStatus::Declined, "decline")
    } else {
        let policy = crate::store::policies::get(&mut tx, row.policy_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("offer without policy")))?;
        if !may_run(who, policy.department_org_id) {
            return Err(AppError::forbidden("只有政策所属部门的工作人员可以排除"));
        }
        if reason.is_none() {
            return Err(AppError::invalid("reason", "请写明排除的理由"));
        }
        (ApplicationStatus::Excluded, "exclude")
    };
    let m = Move {
        note: reason,
        decided: true,
        ..Move::to(row.id, row.status, row.stage, to)
    };
    if !store::move_state(&mut tx, &m, now).await? {
        return Err(AppError::Conflict {
            field: None,
            message: "该事项刚被处理,请刷新后再试".into(),
        });
    }
    // The money the offer held goes back to the budget for others, each fiscal level's too.
    if let Some(amount) = row.computed_amount {
        crate::store::policies::release_reserved(&mut tx, row.policy_id, amount).await?;
        let schema = crate::schema(&mut tx).await?;
        let cross = grant_rules::cross_rules(&mut tx, &schema, row.policy_id, row.policy_version);
        let held = funding::split(cross.await?.shares.as_ref(), amount);
        funding::release(&mut tx, row.policy_id, &held, Sum::Reserved).await?;
    }
    step(&mut tx, who, row.id, row.stage, action, reason, None, now).await?;
    deadlines::control_open(
        &mut tx,
        app,
        ("application", receipt_no),
        CONFIRM_CLOCK,
        ClockAction::Stop,
        now,
    )
    .await?;
    let code = CreditCode::parse(&row.credit_code).map_err(|e| AppError::Internal(e.into()))?;
    let detail = serde_json::json!({ "reason": reason });
    record(
        &mut tx,
        who,
        meta,
        &format!("auto_grant.{}", to.as_str()),
        receipt_no,
        &code,
        detail,
        now,
    )
    .await?;
    let row = get_row(&mut tx, row.id).await?;
    let shown = view(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}
