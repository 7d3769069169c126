//! Integrity (以信用代审核 and its other side): a pledge found false is recorded against the
//! enterprise, the grant is clawed back (追回: amount due, repaid, outstanding), and the record
//! blocks pledges and benefits until its end; an imported credit blacklist has the same effect.

use crate::status::PayoutStatus;
use crate::store::integrity::{self as store, NewRecord};
use crate::store::{payouts, policies};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use qinqing_domain::Money;
use qinqing_domain::deadline::beijing;
use qinqing_domain::org::Role;
use qinqing_exchange::blacklist::read_blacklist;
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::store::{Conn, StoreError, enterprises};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// How long a record blocks when it names no end: three years, the usual term of a 失信 listing.
pub const DEFAULT_BLOCK_DAYS: i64 = 3 * 365;

fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&beijing()).date_naive()
}

/// The last day an enterprise is blocked until, if a record blocks it today.
pub(crate) async fn blocked_until(
    conn: &mut Conn,
    enterprise_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<NaiveDate>> {
    Ok(store::blocked_until(conn, enterprise_id, today(now)).await?)
}

/// Those of `enterprise_ids` a record blocks today.
pub(crate) async fn blocked_among(
    conn: &mut Conn,
    enterprise_ids: &[i64],
    now: DateTime<Utc>,
) -> AppResult<HashSet<i64>> {
    Ok(store::blocked_among(conn, enterprise_ids, today(now)).await?)
}

/// Refuses pledges and benefits to an enterprise with a bad credit entry.
pub(crate) async fn ensure_not_blocked(
    conn: &mut Conn,
    enterprise_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match blocked_until(conn, enterprise_id, now).await? {
        Some(until) => Err(AppError::forbidden(format!(
            "企业存在失信记录(至 {until}),期间不能以承诺申报或享受政策"
        ))),
        None => Ok(()),
    }
}

fn may_record(who: &Principal, department_org_id: i64) -> bool {
    who.role == Role::Admin || (who.role == Role::DepartmentLead && who.org_id == department_org_id)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FalsePledgeInput {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FalsePledgeOutcome {
    pub blocked_until: NaiveDate,
    /// Yuan to claw back (the payout had been paid); absent when the payout was stopped in time.
    pub clawback_due: Option<String>,
    pub payout_cancelled: bool,
}

/// The policy's department lead finds a pledge of an approved application false.
pub async fn record_false_pledge(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &FalsePledgeInput,
    meta: &RequestMeta,
) -> AppResult<FalsePledgeOutcome> {
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "请写明认定虚假承诺的事实"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = crate::applications::visible_row(&mut tx, who, receipt_no).await?;
    let policy = policies::get(&mut tx, row.policy_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application without policy")))?;
    if !may_record(who, policy.department_org_id) {
        return Err(AppError::forbidden("虚假承诺由政策所属部门负责人认定"));
    }
    if row.status != crate::status::ApplicationStatus::Approved || row.pledges == "[]" {
        return Err(AppError::Conflict {
            field: None,
            message: "只有以承诺获得核准的申报才能认定虚假承诺".into(),
        });
    }
    let blocked_until = today(now) + Duration::days(DEFAULT_BLOCK_DAYS);
    let record = NewRecord {
        enterprise_id: row.enterprise_id,
        kind: "false_pledge",
        application_id: Some(row.id),
        reason,
        blocked_until,
        source: None,
        recorded_by: Some(who.user_id),
    };
    store::insert_record(&mut tx, &record, now).await?;
    let payout = payouts::of_application(&mut tx, row.id).await?;
    let (clawback_due, payout_cancelled) = match payout.as_ref().map(|p| (p.status, p)) {
        Some((PayoutStatus::Paid, p)) => {
            match store::insert_clawback(&mut tx, row.id, row.enterprise_id, p.amount, now).await {
                Err(StoreError::Duplicate) => {
                    return Err(AppError::Conflict {
                        field: None,
                        message: "这份申报已在追回中".into(),
                    });
                }
                other => other?,
            };
            (Some(p.amount), false)
        }
        Some((PayoutStatus::Allocating, p)) => {
            // Nothing was committed for a grant still waiting for its share.
            payouts::cancel(&mut tx, p.id).await?;
            (None, true)
        }
        Some((PayoutStatus::Pending | PayoutStatus::Failed, p)) => {
            payouts::cancel(&mut tx, p.id).await?;
            policies::release_budget(&mut tx, row.policy_id, p.amount).await?;
            crate::funding::release_granted(&mut tx, row.policy_id, row.id).await?;
            (None, true)
        }
        Some((_, _)) => {
            return Err(AppError::Conflict {
                field: None,
                message: "该笔资金正在银行拨付中,请待银行回单后再认定并追回".into(),
            });
        }
        None => (None, false),
    };
    let code = qinqing_domain::CreditCode::parse(&row.credit_code)
        .map_err(|e| AppError::Internal(e.into()))?;
    let change = Change {
        action: "integrity.false_pledge",
        object_type: "application",
        object_id: row.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({
            "enterprise": code.as_str(),
            "reason": reason,
            "blocked_until": blocked_until,
            "clawback_due": clawback_due.map(|f| Money::from_fen(f).to_string()),
            "payout_cancelled": payout_cancelled,
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(FalsePledgeOutcome {
        blocked_until,
        clawback_due: clawback_due.map(|f| Money::from_fen(f).to_string()),
        payout_cancelled,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RepaymentInput {
    /// Yuan.
    pub amount: String,
}

/// Finance records money the enterprise paid back; never more than is outstanding.
pub async fn record_repayment(
    app: &App,
    who: &Principal,
    clawback_id: i64,
    input: &RepaymentInput,
    meta: &RequestMeta,
) -> AppResult<ClawbackView> {
    if !matches!(who.role, Role::Finance | Role::Admin) {
        return Err(AppError::forbidden("只有财政人员可以登记退回资金"));
    }
    let amount = Money::parse_yuan(input.amount.trim())
        .map_err(|e| AppError::invalid("amount", format!("金额有误:{e}")))?;
    if amount.fen() <= 0 {
        return Err(AppError::invalid("amount", "金额须大于 0"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let c = store::clawback(&mut tx, clawback_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这笔追回".into()))?;
    if !store::repay(&mut tx, clawback_id, amount.fen(), now).await? {
        return Err(AppError::invalid(
            "amount",
            format!("超过尚未追回的 {}", crate::yuan(c.amount_due - c.repaid)),
        ));
    }
    let change = Change {
        action: "integrity.repaid",
        object_type: "application",
        object_id: c.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "clawback": clawback_id, "amount": amount.to_string() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let c = store::clawback(&mut tx, clawback_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这笔追回".into()))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(c.into())
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BlacklistSummary {
    pub recorded: usize,
    /// Listed enterprises not registered on the platform (nothing to block).
    pub not_registered: usize,
}

/// Imports a credit blacklist (CSV): each registered enterprise on it is blocked until the
/// listed date (or for the default period). Any wrong row rejects the whole file.
pub async fn import_blacklist(
    app: &App,
    who: &Principal,
    file_name: &str,
    bytes: &[u8],
    meta: &RequestMeta,
) -> AppResult<BlacklistSummary> {
    if !matches!(who.role, Role::Admin | Role::DepartmentLead) {
        return Err(AppError::forbidden(
            "只有平台管理员或部门负责人可以导入失信名单",
        ));
    }
    let lines = read_blacklist(bytes).map_err(|errors| {
        AppError::ImportRejected(qinqing_exchange::ImportReport { rows: 0, errors })
    })?;
    let now = app.now();
    let default_until = today(now) + Duration::days(DEFAULT_BLOCK_DAYS);
    let mut tx = app.db.begin().await?;
    let mut summary = BlacklistSummary::default();
    for line in &lines {
        let Some(enterprise) = enterprises::get_by_credit_code(&mut tx, &line.credit_code).await?
        else {
            summary.not_registered += 1;
            continue;
        };
        let record = NewRecord {
            enterprise_id: enterprise.id,
            kind: "blacklist",
            application_id: None,
            reason: &line.reason,
            blocked_until: line.until.unwrap_or(default_until),
            source: Some(file_name),
            recorded_by: Some(who.user_id),
        };
        store::insert_record(&mut tx, &record, now).await?;
        summary.recorded += 1;
    }
    let change = Change {
        action: "integrity.blacklist_imported",
        object_type: "integrity",
        object_id: file_name.to_string(),
        on_behalf_of: None,
        detail: serde_json::json!({ "lines": lines.len(), "recorded": summary.recorded, "not_registered": summary.not_registered }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    pub id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    /// false_pledge | blacklist
    pub kind: String,
    pub receipt_no: Option<String>,
    pub reason: String,
    pub blocked_until: NaiveDate,
    pub source: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClawbackView {
    pub id: i64,
    pub receipt_no: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub amount_due: String,
    pub repaid: String,
    pub outstanding: String,
    pub updated_at: DateTime<Utc>,
}

impl From<store::ClawbackRow> for ClawbackView {
    fn from(c: store::ClawbackRow) -> Self {
        ClawbackView {
            id: c.id,
            amount_due: Money::from_fen(c.amount_due).to_string(),
            repaid: Money::from_fen(c.repaid).to_string(),
            outstanding: Money::from_fen(c.amount_due - c.repaid).to_string(),
            receipt_no: c.receipt_no,
            credit_code: c.credit_code,
            enterprise_name: c.enterprise_name,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrityOverview {
    pub records: Vec<RecordView>,
    pub clawbacks: Vec<ClawbackView>,
}

/// Integrity records and clawbacks, for district staff, finance and supervisors.
pub async fn overview(app: &App, who: &Principal) -> AppResult<IntegrityOverview> {
    let district_wide = matches!(who.scope, qinqing_domain::org::Scope::All)
        || matches!(who.role, Role::DepartmentLead | Role::Finance);
    if !(who.role.is_supervisor() || who.role.is_staff() && district_wide) {
        return Err(AppError::forbidden("无权查看信用记录与追回"));
    }
    let mut conn = app.db.conn().await?;
    let records = store::records(&mut conn)
        .await?
        .into_iter()
        .map(|r| RecordView {
            id: r.id,
            credit_code: r.credit_code,
            enterprise_name: r.enterprise_name,
            kind: r.kind,
            receipt_no: r.receipt_no,
            reason: r.reason,
            blocked_until: r.blocked_until,
            source: r.source,
            recorded_at: r.recorded_at,
        })
        .collect();
    let clawbacks = store::clawbacks(&mut conn)
        .await?
        .into_iter()
        .map(ClawbackView::from)
        .collect();
    Ok(IntegrityOverview { records, clawbacks })
}
