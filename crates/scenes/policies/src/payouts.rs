//! Payment straight to the enterprise (直达付). The enterprise confirms its account once;
//! finance assembles the approved payouts into a batch, exports the bank file and imports the
//! bank's result file. Every line carries its batch number, line number and payout reference;
//! a result settles a payout only for the line it is on now (a stale answer for a line since
//! retried elsewhere is refused), the exported file is kept as exported, and each change is a
//! conditional update on the payout's state, so exporting a batch again, importing the same
//! result twice, or a crash between the two never pays or records anything twice.

use crate::status::PayoutStatus;
use crate::store::payouts::{self as store, BankAccount, BatchRow, PayoutRow};
use chrono::{DateTime, Utc};
use qinqing_domain::org::Role;
use qinqing_domain::{CreditCode, Money};
use qinqing_exchange::RowError;
use qinqing_exchange::bank::{self, Outcome, PayoutLine};
use qinqing_kernel::audit::{self, Change};
use qinqing_kernel::enterprises::visible_enterprise;
use qinqing_kernel::error::FieldErrors;
use qinqing_kernel::notifications::{self, NewMessage};
use qinqing_kernel::store::{Conn, StoreError, users};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AccountInput {
    /// Must be the enterprise's registered name: banks pay only to an account in the payee's name.
    pub payee_name: String,
    pub account_no: String,
    pub bank_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub payee_name: String,
    pub account_no: String,
    pub bank_name: String,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl From<BankAccount> for AccountView {
    fn from(a: BankAccount) -> Self {
        AccountView {
            payee_name: a.payee_name,
            account_no: a.account_no,
            bank_name: a.bank_name,
            confirmed_at: a.confirmed_at,
        }
    }
}

pub async fn account(
    app: &App,
    who: &Principal,
    code: &CreditCode,
) -> AppResult<Option<AccountView>> {
    let mut conn = app.db.conn().await?;
    let enterprise = visible_enterprise(&mut conn, who, code).await?;
    Ok(store::account(&mut conn, enterprise.id)
        .await?
        .map(AccountView::from))
}

/// The enterprise (or its steward) confirms the account payouts go to; a change is audited
/// with the old and new account.
pub async fn confirm_account(
    app: &App,
    who: &Principal,
    code: &CreditCode,
    input: &AccountInput,
    meta: &RequestMeta,
) -> AppResult<AccountView> {
    if !qinqing_kernel::principal::acts_for_enterprise(who) {
        return Err(AppError::forbidden(
            "收款账户只能由企业本身或其亲清管家确认",
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let enterprise = visible_enterprise(&mut tx, who, code).await?;
    let account = parse_account(input, &enterprise.identity.name)?;
    let confirmed = BankAccount {
        confirmed_at: Some(now),
        ..account
    };
    let old = store::account(&mut tx, enterprise.id).await?;
    store::save_account(&mut tx, enterprise.id, &confirmed, Some(who.user_id), now).await?;
    let change = Change {
        action: "bank_account.confirmed",
        object_type: "enterprise",
        object_id: code.to_string(),
        on_behalf_of: qinqing_kernel::principal::on_behalf(who, code),
        detail: serde_json::json!({
            "old": old.map(|a| format!("{} {}", a.bank_name, a.account_no)),
            "new": format!("{} {}", confirmed.bank_name, confirmed.account_no),
        }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(confirmed.into())
}

pub(crate) fn parse_account(input: &AccountInput, enterprise_name: &str) -> AppResult<BankAccount> {
    let mut errors = FieldErrors::default();
    let payee = input.payee_name.trim();
    if payee != enterprise_name {
        errors.add(
            "payee_name",
            format!("户名须与企业名称“{enterprise_name}”一致"),
        );
    }
    let account: String = input
        .account_no
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !(8..=32).contains(&account.len()) || !account.chars().all(|c| c.is_ascii_digit()) {
        errors.add("account_no", "账号应为 8 到 32 位数字");
    }
    if input.bank_name.trim().chars().count() < 2 {
        errors.add("bank_name", "请填写开户银行(含支行)");
    }
    errors.finish()?;
    Ok(BankAccount {
        payee_name: payee.to_string(),
        account_no: account,
        bank_name: input.bank_name.trim().to_string(),
        confirmed_at: None,
    })
}

fn require_finance(who: &Principal) -> AppResult<()> {
    if matches!(who.role, Role::Finance | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::forbidden("只有财政拨付人员可以办理拨付"))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayoutView {
    pub id: i64,
    pub receipt_no: String,
    pub policy_title: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub amount: String,
    pub reference: String,
    pub status: PayoutStatus,
    pub status_label: &'static str,
    pub batch_id: Option<i64>,
    pub line_no: Option<i64>,
    pub account_no: Option<String>,
    pub bank_name: Option<String>,
    pub failure_reason: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl From<&PayoutRow> for PayoutView {
    fn from(p: &PayoutRow) -> Self {
        PayoutView {
            id: p.id,
            receipt_no: p.receipt_no.clone(),
            policy_title: p.policy_title.clone(),
            credit_code: p.credit_code.clone(),
            enterprise_name: p.enterprise_name.clone(),
            amount: Money::from_fen(p.amount).to_string(),
            reference: p.reference.clone(),
            status: p.status,
            status_label: p.status.label_zh(),
            batch_id: p.batch_id,
            line_no: p.line_no,
            account_no: p.account_no.clone(),
            bank_name: p.bank_name.clone(),
            failure_reason: p.failure_reason.clone(),
            paid_at: p.paid_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    pub batch_no: String,
    pub created_at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
    pub lines: i64,
    pub total: String,
    pub paid: i64,
    pub failed: i64,
}

impl From<&BatchRow> for BatchView {
    fn from(b: &BatchRow) -> Self {
        BatchView {
            id: b.id,
            batch_no: b.batch_no.clone(),
            created_at: b.created_at,
            exported_at: b.exported_at,
            lines: b.lines,
            total: Money::from_fen(b.total).to_string(),
            paid: b.paid,
            failed: b.failed,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayoutDesk {
    pub payouts: Vec<PayoutView>,
    pub batches: Vec<BatchView>,
}

/// Every payout and batch, for finance (and supervisors, who read).
pub async fn desk(app: &App, who: &Principal) -> AppResult<PayoutDesk> {
    if !(matches!(who.role, Role::Finance | Role::Admin) || who.role.is_supervisor()) {
        return Err(AppError::forbidden(
            "只有财政拨付人员和监督人员可以查看拨付",
        ));
    }
    let mut conn = app.db.conn().await?;
    let payouts = store::all(&mut conn).await?;
    let batches = store::batches(&mut conn).await?;
    Ok(PayoutDesk {
        payouts: payouts.iter().map(PayoutView::from).collect(),
        batches: batches.iter().map(BatchView::from).collect(),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewBatch {
    pub batch: BatchView,
    /// Payouts left out because the enterprise has not confirmed an account.
    pub waiting_for_account: Vec<PayoutView>,
}

/// Puts every pending payout whose enterprise has a confirmed account on a new batch.
pub async fn create_batch(app: &App, who: &Principal, meta: &RequestMeta) -> AppResult<NewBatch> {
    require_finance(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let ready = store::ready(&mut tx).await?;
    let mut waiting = Vec::new();
    let mut chosen = Vec::new();
    for p in &ready {
        match store::account(&mut tx, p.enterprise_id).await? {
            Some(a) if a.confirmed_at.is_some() => chosen.push((p, a)),
            _ => waiting.push(PayoutView::from(p)),
        }
    }
    if chosen.is_empty() {
        return Err(AppError::Conflict {
            field: None,
            message: "没有可拨付的款项(待拨付款项的企业均未确认收款账户)".into(),
        });
    }
    let batch_no = qinqing_kernel::receipts::receipt_number("PC", now)?;
    let batch_id = store::insert_batch(&mut tx, &batch_no, Some(who.user_id), now).await?;
    for (line, (p, account)) in (1..).zip(&chosen) {
        if !store::assign(&mut tx, p.id, batch_id, line, account).await? {
            return Err(AppError::Conflict {
                field: None,
                message: "有款项刚被另一批次纳入,请重试".into(),
            });
        }
    }
    let total: i64 = chosen.iter().map(|(p, _)| p.amount).sum();
    let change = Change {
        action: "payout_batch.created",
        object_type: "payout_batch",
        object_id: batch_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "lines": chosen.len(), "total": Money::from_fen(total).to_string() }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let batch = store::batch(&mut tx, batch_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("batch vanished")))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(NewBatch {
        batch: BatchView::from(&batch),
        waiting_for_account: waiting,
    })
}

/// Exports a batch's bank file for the bank: the first export freezes the file (kept byte for
/// byte), marks the batch exported and is audited; exporting again answers the same file and
/// changes nothing.
pub async fn export_batch(
    app: &App,
    who: &Principal,
    batch_id: i64,
    meta: &RequestMeta,
) -> AppResult<(String, Vec<u8>)> {
    require_finance(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let batch = batch_row(&mut tx, batch_id).await?;
    if batch.exported_at.is_some() {
        return Ok((file_name(&batch), frozen_file(&mut tx, &batch).await?));
    }
    let bytes = build_file(&mut tx, &batch).await?;
    let text = String::from_utf8(bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("bank file not UTF-8: {e}")))?;
    if !store::mark_exported(&mut tx, batch_id, &text, now).await? {
        // Another export of the same batch came first: its file is the one the bank has.
        return Ok((file_name(&batch), frozen_file(&mut tx, &batch).await?));
    }
    let change = Change {
        action: "payout_batch.exported",
        object_type: "payout_batch",
        object_id: batch.batch_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "lines": batch.lines }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((file_name(&batch), text.into_bytes()))
}

/// The bank file of a batch already exported, as it was exported: a read, nothing changes.
pub async fn batch_file(app: &App, who: &Principal, batch_id: i64) -> AppResult<(String, Vec<u8>)> {
    require_finance(who)?;
    let mut conn = app.db.conn().await?;
    let batch = batch_row(&mut conn, batch_id).await?;
    if batch.exported_at.is_none() {
        return Err(AppError::Conflict {
            field: None,
            message: "该批次还没有导出银行文件:请先导出".into(),
        });
    }
    Ok((file_name(&batch), frozen_file(&mut conn, &batch).await?))
}

async fn batch_row(conn: &mut Conn, batch_id: i64) -> AppResult<BatchRow> {
    store::batch(conn, batch_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个拨付批次".into()))
}

fn file_name(batch: &BatchRow) -> String {
    format!("{}.csv", batch.batch_no)
}

/// The kept file of an exported batch. A batch exported before files were kept is written from
/// its lines as they stand, as it always was.
async fn frozen_file(conn: &mut Conn, batch: &BatchRow) -> AppResult<Vec<u8>> {
    match store::exported_file(conn, batch.id).await? {
        Some(text) => Ok(text.into_bytes()),
        None => build_file(conn, batch).await,
    }
}

/// The bank file of the batch's lines: one row per payout on it, in line order, each with the
/// batch number and line number the bank's result must quote.
async fn build_file(conn: &mut Conn, batch: &BatchRow) -> AppResult<Vec<u8>> {
    let rows = store::of_batch(conn, batch.id).await?;
    let lines: Vec<PayoutLine> = rows
        .iter()
        .map(|p| PayoutLine {
            batch: batch.batch_no.clone(),
            line: u32::try_from(p.line_no.unwrap_or(0)).unwrap_or(0),
            payee_name: p.payee_name.clone().unwrap_or_default(),
            account: p.account_no.clone().unwrap_or_default(),
            bank: p.bank_name.clone().unwrap_or_default(),
            amount: Money::from_fen(p.amount),
            purpose: format!("{} 政策资金", p.policy_title),
            reference: p.reference.clone(),
        })
        .collect();
    Ok(bank::write_payout_file(&lines))
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ResultSummary {
    pub paid: usize,
    pub failed: usize,
    /// Lines already recorded by an earlier import of the same result (changed nothing).
    pub already_recorded: usize,
}

/// Imports the bank's result file. Any problem (unknown reference, a batch line the reference
/// is not on now — a stale answer for a line since retried in a later batch —, amount different
/// from the one sent, a line not sent to the bank, a paid line now reported failed) rejects the
/// whole file with every problem listed; nothing is recorded then.
pub async fn import_results(
    app: &App,
    who: &Principal,
    bytes: &[u8],
    meta: &RequestMeta,
) -> AppResult<ResultSummary> {
    require_finance(who)?;
    let lines = bank::read_result_file(bytes).map_err(reject)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let mut errors = Vec::new();
    let mut plan = Vec::new();
    for line in &lines {
        let Some(p) = store::by_reference(&mut tx, &line.reference).await? else {
            errors.push(row_error(
                line.row,
                "reference",
                &line.reference,
                "平台没有这个业务参考号",
            ));
            continue;
        };
        if let Some(error) = stale(line, &p) {
            errors.push(error);
            continue;
        }
        if let Some(amount) = line.amount.filter(|a| a.fen() != p.amount) {
            let message = format!(
                "金额 {} 与拨付金额 {} 不符",
                amount,
                Money::from_fen(p.amount)
            );
            errors.push(row_error(line.row, "amount", &amount.to_string(), &message));
            continue;
        }
        let paid = matches!(line.outcome, Outcome::Paid);
        match (p.status, paid) {
            (PayoutStatus::Batched, _) => plan.push((line, p)),
            (PayoutStatus::Paid, true) | (PayoutStatus::Failed, false) => plan.push((line, p)),
            (PayoutStatus::Paid, false) => errors.push(row_error(
                line.row,
                "status",
                "失败",
                "该笔已登记为已到账,不能改为失败",
            )),
            _ => errors.push(row_error(
                line.row,
                "reference",
                &line.reference,
                "该笔款项未发往银行(不在已导出的批次中)",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(rejected(lines.len(), errors));
    }
    let mut summary = ResultSummary::default();
    for (line, p) in plan {
        let (paid, reason) = match &line.outcome {
            Outcome::Paid => (true, None),
            Outcome::Failed { reason } => (false, Some(reason.as_str())),
        };
        if !store::settle(&mut tx, p.id, paid, reason, line.bank_txn.as_deref(), now).await? {
            summary.already_recorded += 1;
            continue;
        }
        if paid {
            summary.paid += 1;
            tell_paid(&mut tx, &p, now).await?;
        } else {
            summary.failed += 1;
        }
        let change = Change {
            action: if paid { "payout.paid" } else { "payout.failed" },
            object_type: "application",
            object_id: p.receipt_no.clone(),
            on_behalf_of: None,
            detail: serde_json::json!({ "reference": p.reference, "amount": Money::from_fen(p.amount).to_string(), "reason": reason, "bank_txn": line.bank_txn }),
        };
        audit::record(&mut tx, who, meta, change, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// Why a result line does not answer the line its payout is on now, if it does not: the bank
/// answers one line of one exported file, and only that line's answer may settle the payout.
fn stale(line: &bank::ResultLine, p: &PayoutRow) -> Option<RowError> {
    let asked = format!("批次 {} 第 {} 行", line.batch, line.line);
    let error = |column: &str, value: &str, message: String| {
        Some(row_error(line.row, column, value, &message))
    };
    let Some(batch_no) = p.batch_no.as_deref() else {
        if p.status == PayoutStatus::Pending {
            return error(
                "batch",
                &line.batch,
                format!("{asked}的结果已失效:该笔款项已重新排队待拨付,不能再按旧批次的结果登记"),
            );
        }
        // Never sent: the status check below names it.
        return None;
    };
    let now_on = format!("批次 {batch_no} 第 {} 行", p.line_no.unwrap_or(0));
    if batch_no != line.batch {
        return error(
            "batch",
            &line.batch,
            format!("{asked}的结果已失效:该笔款项现由{now_on}拨付,旧批次的结果不能再登记"),
        );
    }
    if p.line_no != Some(i64::from(line.line)) {
        return error(
            "line",
            &line.line.to_string(),
            format!("{asked}不是这笔款项:该业务参考号在{now_on},请使用银行按原拨付文件返回的结果"),
        );
    }
    if !p.batch_exported {
        return error(
            "batch",
            &line.batch,
            format!("批次 {batch_no} 还没有导出银行文件,不会有银行结果"),
        );
    }
    None
}

fn row_error(row: usize, column: &str, value: &str, message: &str) -> RowError {
    RowError {
        row,
        column: column.to_string(),
        value: value.to_string(),
        message: message.to_string(),
    }
}

fn reject(errors: Vec<RowError>) -> AppError {
    rejected(0, errors)
}

fn rejected(rows: usize, errors: Vec<RowError>) -> AppError {
    AppError::ImportRejected(qinqing_exchange::ImportReport { rows, errors })
}

async fn tell_paid(conn: &mut Conn, p: &PayoutRow, now: DateTime<Utc>) -> AppResult<()> {
    for user in users::of_enterprise(conn, p.enterprise_id).await? {
        let message = NewMessage {
            recipient_user_id: user,
            template: crate::messages::PAYOUT_ARRIVED,
            params: serde_json::json!({
                "object": format!("“{}”(受理号 {})", p.policy_title, p.receipt_no),
                "amount": crate::yuan(p.amount),
            }),
            idempotency_key: format!("payout:{}:paid:user:{user}", p.reference),
            link: Some(crate::applications::page_of(&p.receipt_no)),
        };
        notifications::enqueue(conn, message, now).await?;
    }
    Ok(())
}

/// Puts a failed line back in the queue; the next batch pays it to the account confirmed then
/// (so the enterprise corrects its account first).
pub async fn retry(
    app: &App,
    who: &Principal,
    payout_id: i64,
    meta: &RequestMeta,
) -> AppResult<PayoutView> {
    require_finance(who)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let p = store::get(&mut tx, payout_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这笔拨付".into()))?;
    if !store::retry(&mut tx, payout_id).await? {
        return Err(AppError::Conflict {
            field: None,
            message: format!("该笔款项{},不能重新拨付", p.status.label_zh()),
        });
    }
    let change = Change {
        action: "payout.retried",
        object_type: "application",
        object_id: p.receipt_no.clone(),
        on_behalf_of: None,
        detail: serde_json::json!({ "reference": p.reference, "failure_reason": p.failure_reason }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    let p = store::get(&mut tx, payout_id)
        .await?
        .ok_or_else(|| AppError::NotFound("没有这笔拨付".into()))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(PayoutView::from(&p))
}
