//! 缴费: the fees a matter's case owes, computed from the district's fee schedule (`data/fees.csv`,
//! each rate with its legal basis) when the department takes the case in, on one payment order
//! whose number the enterprise pays under (the 非税收入缴款码, in its bank's app or at a bank).
//! The non-tax payment system tells the platform of the payment by a signed notice (the gateway
//! hook); a payment made at the counter is recorded by the department with its receipt. An order
//! is paid once and for its exact amount, and the case is approved only once it is paid.

use crate::case::{CaseView, begin_on_case, view_in};
use crate::status::CaseStatus;
use crate::store::cases::CaseRow;
use crate::store::payments::{self as store, NewPayment, PaidVia, PaymentRow};
use crate::store::projects::ProjectRow;
use chrono::{DateTime, Utc};
use qinqing_domain::Money;
use qinqing_exchange::directory::{Column, Line, read};
use qinqing_exchange::{FileFormat, ImportReport, RowError};
use qinqing_kernel::input::required_text;
use qinqing_kernel::store::{Conn, StoreError};
use qinqing_kernel::{App, AppError, AppResult, Principal, RequestMeta};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use utoipa::ToSchema;

/// The fee schedule's sheet.
const FEE_COLUMNS: [Column; 5] = [
    ("matter", "事项编码", true),
    ("item", "收费项目", true),
    ("unit", "计费单位", true),
    ("rate", "收费标准(元)", true),
    ("basis", "设定依据", true),
];

/// What a rate is charged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeUnit {
    /// Once per case (件).
    PerCase,
    /// Per square metre of the project's floor area (平方米建筑面积).
    PerSquareMetre,
}

impl FeeUnit {
    fn parse(text: &str) -> Option<FeeUnit> {
        match text.trim() {
            "件" | "每件" => Some(FeeUnit::PerCase),
            "平方米建筑面积" | "平方米" => Some(FeeUnit::PerSquareMetre),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeRate {
    pub matter: String,
    pub item: String,
    pub unit: FeeUnit,
    pub rate: Money,
    pub basis: String,
}

/// One line of a payment order, as assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeeLine {
    pub item: String,
    /// What it was charged on, in words (1 件; 36500.5 平方米).
    pub quantity: String,
    /// Yuan, two decimals.
    pub rate: String,
    pub amount: String,
    pub amount_fen: i64,
    pub basis: String,
}

/// The fee schedule in force: the one compiled in.
pub fn schedule() -> &'static [FeeRate] {
    static BUILTIN: LazyLock<Vec<FeeRate>> = LazyLock::new(builtin);
    &BUILTIN
}

#[allow(
    clippy::expect_used,
    reason = "the compiled-in file is fixed; a unit test proves it reads"
)]
fn builtin() -> Vec<FeeRate> {
    read_schedule(include_bytes!("../data/fees.csv"), FileFormat::Csv)
        .expect("the built-in fee schedule is valid")
}

/// Reads a fee schedule (CSV or XLSX), rejecting it whole with every problem by row and column.
pub fn read_schedule(bytes: &[u8], format: FileFormat) -> Result<Vec<FeeRate>, ImportReport> {
    let lines = read(bytes, format, &FEE_COLUMNS)?;
    let mut errors = Vec::new();
    let rates: Vec<FeeRate> = lines
        .iter()
        .filter_map(|line| rate_of(line).map_err(|e| errors.extend(e)).ok())
        .collect();
    match errors.is_empty() {
        true => Ok(rates),
        false => Err(ImportReport {
            rows: lines.len(),
            errors,
        }),
    }
}

fn rate_of(line: &Line) -> Result<FeeRate, Vec<RowError>> {
    let mut errors = Vec::new();
    if crate::catalogue().get(line.get("matter")).is_none() {
        errors.push(line.error("matter", "事项目录中没有这个事项编码"));
    }
    let unit = FeeUnit::parse(line.get("unit"));
    if unit.is_none() {
        errors.push(line.error("unit", "计费单位应为“件”或“平方米建筑面积”"));
    }
    let rate = Money::parse_yuan(line.get("rate"))
        .ok()
        .filter(|r| r.fen() > 0);
    if rate.is_none() {
        errors.push(line.error("rate", "收费标准应为大于 0 的元数,最多两位小数"));
    }
    match (unit, rate) {
        (Some(unit), Some(rate)) if errors.is_empty() => Ok(FeeRate {
            matter: line.get("matter").to_string(),
            item: line.get("item").to_string(),
            unit,
            rate,
            basis: line.get("basis").to_string(),
        }),
        _ => Err(errors),
    }
}

/// The lines a case of `matter` owes for a project of `floor_area` hundredths of a square
/// metre; each amount rounded to the fen, half away from zero.
pub fn assess(rates: &[FeeRate], matter: &str, floor_area: i64) -> Vec<FeeLine> {
    rates
        .iter()
        .filter(|r| r.matter == matter)
        .map(|r| {
            let (quantity, fen) = match r.unit {
                FeeUnit::PerCase => ("1 件".to_string(), i128::from(r.rate.fen())),
                FeeUnit::PerSquareMetre => {
                    let area = crate::project::area_text(floor_area);
                    let exact = i128::from(r.rate.fen()) * i128::from(floor_area);
                    (format!("{area} 平方米"), (exact + 50) / 100)
                }
            };
            let amount = Money::from_fen(i64::try_from(fen).unwrap_or(i64::MAX));
            FeeLine {
                item: r.item.clone(),
                quantity,
                rate: r.rate.to_string(),
                amount: amount.to_string(),
                amount_fen: amount.fen(),
                basis: r.basis.clone(),
            }
        })
        .collect()
}

/// A case's payment order as its readers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    /// The number the enterprise pays under (缴款码).
    pub order_no: String,
    pub lines: Vec<FeeLine>,
    /// Yuan, two decimals.
    pub total: String,
    pub total_fen: i64,
    pub paid: bool,
    /// Whether it may be paid now: not yet paid, and the case is with the department.
    pub payable: bool,
    pub paid_at: Option<DateTime<Utc>>,
    /// 网上缴款 (the payment system's notice) or 窗口缴款 (recorded by the department).
    pub paid_via: Option<String>,
    /// The payment system's transaction, or the counter's receipt number.
    pub payment_ref: Option<String>,
}

/// The order as shown; `case_open` when its case is with the department (taken in, undecided).
pub(crate) fn payment_view(row: PaymentRow, case_open: bool) -> PaymentView {
    let lines: Vec<FeeLine> = serde_json::from_str(&row.lines).unwrap_or_default();
    PaymentView {
        payable: case_open && row.paid.is_none(),
        order_no: row.order_no,
        lines,
        total: Money::from_fen(row.amount_fen).to_string(),
        total_fen: row.amount_fen,
        paid: row.paid.is_some(),
        paid_at: row.paid.as_ref().map(|p| p.at),
        paid_via: row.paid.as_ref().map(|p| p.via.label().to_string()),
        payment_ref: row.paid.map(|p| p.reference),
    }
}

/// Assesses the fees of a case just taken in, if its matter has any: one payment order.
pub(crate) async fn assess_on_acceptance(
    conn: &mut Conn,
    by: (&Principal, &RequestMeta),
    (project, case): (&ProjectRow, &CaseRow),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let lines = assess(schedule(), &case.matter_code, project.floor_area);
    if lines.is_empty() {
        return Ok(());
    }
    let amount_fen = lines.iter().map(|l| l.amount_fen).sum();
    let order_no = qinqing_kernel::receipts::receipt_number("JF", now)?;
    let text = serde_json::to_string(&lines)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("fee lines of {order_no}: {e}")))?;
    let new = NewPayment {
        case_id: case.id,
        order_no: &order_no,
        amount_fen,
        lines: &text,
    };
    store::insert(conn, &new, now).await?;
    let detail = serde_json::json!({ "order_no": order_no, "amount_fen": amount_fen });
    let change = ("construction.fee_assessed", detail);
    crate::trail::on_case(conn, by, case, change, now).await
}

/// A case whose fees are not paid is not approved.
pub(crate) async fn paid_before_approval(conn: &mut Conn, case: &CaseRow) -> AppResult<()> {
    match store::of_case(conn, case.id).await? {
        Some(p) if p.paid.is_none() => Err(AppError::Conflict {
            field: None,
            message: format!(
                "缴费单 {} 尚未缴清({} 元),缴清后方可准予许可",
                p.order_no,
                Money::from_fen(p.amount_fen)
            ),
        }),
        _ => Ok(()),
    }
}

/// The non-tax payment system's notice of a payment, as it signs it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PaymentNotice {
    /// The order paid (缴款码).
    pub order_no: String,
    /// What was paid, in fen: exactly the order's amount.
    pub amount_fen: i64,
    /// The payment system's own number of the transaction.
    pub transaction_id: String,
}

/// What the hook answers the payment system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeReceipt {
    pub order_no: String,
    /// true when this notice recorded the payment; false when it had been recorded already
    /// (the payment system sends a notice again until it is answered).
    pub recorded: bool,
    /// A second payment of an order already paid (another transaction): received and put on
    /// the case's trail for the department to refund (退付), never counted as a payment.
    pub duplicate: bool,
}

/// How a payment met its order.
enum Settled {
    /// Paid now.
    Now,
    /// Paid before by this same transaction or receipt.
    Already,
    /// Paid before by another: this one is a second payment.
    Twice,
}

/// Records a payment the non-tax payment system notifies (its signature already checked): once,
/// for the order's exact amount; a repeated notice of the same transaction is answered as
/// received, another transaction for an order already paid is refused, never paid twice.
pub async fn notified(
    app: &App,
    notice: &PaymentNotice,
    meta: &RequestMeta,
) -> AppResult<NoticeReceipt> {
    let reference = required_text(
        "transaction_id",
        &notice.transaction_id,
        64,
        "缺少交易流水号",
    )?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let order = store::by_order(&mut tx, notice.order_no.trim())
        .await?
        .ok_or_else(|| AppError::NotFound("没有这个缴款码".into()))?;
    if order.amount_fen != notice.amount_fen {
        return Err(AppError::invalid(
            "amount_fen",
            format!("缴款金额应为 {} 分,与缴费单不符", order.amount_fen),
        ));
    }
    let settled = settle(&mut tx, &order, (PaidVia::Gateway, &reference), None, now).await?;
    let system = Principal::system();
    let case = crate::store::cases::by_id(&mut tx, order.case_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case of {}", order.order_no)))?;
    let detail = serde_json::json!({
        "order_no": order.order_no,
        "transaction_id": reference,
        "amount_fen": order.amount_fen,
    });
    let by = (&system, meta);
    match settled {
        Settled::Now => {
            let change = ("construction.fee_paid", detail.clone());
            crate::trail::on_case(&mut tx, by, &case, change, now).await?;
            // Paid for a case no longer with the department: the money goes back.
            if case.status != CaseStatus::Accepted {
                let change = ("construction.fee_refund_due", detail);
                crate::trail::on_case(&mut tx, by, &case, change, now).await?;
            }
        }
        Settled::Twice => {
            let change = ("construction.fee_refund_due", detail);
            crate::trail::on_case(&mut tx, by, &case, change, now).await?;
        }
        Settled::Already => {}
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(NoticeReceipt {
        order_no: order.order_no,
        recorded: matches!(settled, Settled::Now),
        duplicate: matches!(settled, Settled::Twice),
    })
}

/// A refused case whose fees were paid: the refund is put on its trail for the department.
pub(crate) async fn refund_if_paid(
    conn: &mut Conn,
    by: (&Principal, &RequestMeta),
    case: &CaseRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(order) = store::of_case(conn, case.id).await? else {
        return Ok(());
    };
    if let Some(paid) = &order.paid {
        let detail = serde_json::json!({
            "order_no": order.order_no,
            "payment_ref": paid.reference,
            "amount_fen": order.amount_fen,
        });
        let change = ("construction.fee_refund_due", detail);
        crate::trail::on_case(conn, by, case, change, now).await?;
    }
    Ok(())
}

/// Marks the order paid unless it is, and says how the payment met it.
async fn settle(
    conn: &mut Conn,
    order: &PaymentRow,
    (via, reference): (PaidVia, &str),
    by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Settled> {
    if store::mark_paid(conn, order.id, (via, reference), by, now).await? {
        return Ok(Settled::Now);
    }
    let again = store::by_order(conn, &order.order_no).await?;
    Ok(match again.and_then(|o| o.paid) {
        Some(paid) if paid.via == via && paid.reference == reference => Settled::Already,
        _ => Settled::Twice,
    })
}

/// A payment at the counter, recorded by the department handling the case with the receipt's
/// number (非税收入票据号).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CounterPaymentInput {
    pub receipt_no: String,
}

pub async fn paid_at_counter(
    app: &App,
    who: &Principal,
    receipt_no: &str,
    input: &CounterPaymentInput,
    meta: &RequestMeta,
) -> AppResult<CaseView> {
    let reference = required_text("receipt_no", &input.receipt_no, 64, "请填写非税收入票据号")?;
    let now = app.now();
    let refusal = |_: &CaseRow| "只有承办部门可以登记窗口缴款".to_string();
    let (mut tx, _, case) =
        begin_on_case(app, who, receipt_no, crate::access::of_department, refusal).await?;
    let order = store::of_case(&mut tx, case.id)
        .await?
        .ok_or_else(|| AppError::Conflict {
            field: None,
            message: "本件没有需要缴纳的费用".into(),
        })?;
    let via = (PaidVia::Counter, reference.as_str());
    let already = || AppError::Conflict {
        field: None,
        message: format!("缴费单 {} 已经缴清,不能重复登记", order.order_no),
    };
    if order.paid.is_none() && case.status != CaseStatus::Accepted {
        return Err(crate::case::moved_on(&case));
    }
    match settle(&mut tx, &order, via, Some(who.user_id), now).await? {
        Settled::Now => {}
        // The same receipt sent twice (a second click): already recorded.
        Settled::Already => return view_in(&mut tx, who, receipt_no).await,
        Settled::Twice => return Err(already()),
    }
    let detail = serde_json::json!({ "order_no": order.order_no, "receipt_no": reference });
    let change = ("construction.fee_paid", detail);
    crate::trail::on_case(&mut tx, (who, meta), &case, change, now).await?;
    let shown = view_in(&mut tx, who, receipt_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(shown)
}

/// Whether `signature` (hex HMAC-SHA256 of `body` under the shared `secret`, optionally
/// prefixed `sha256=`) is the payment system's: compared in constant time.
pub fn signed_by_payment_system(secret: &str, body: &[u8], signature: &str) -> bool {
    use hmac::{KeyInit, Mac};
    let hex_text = signature.trim();
    let hex_text = hex_text.strip_prefix("sha256=").unwrap_or(hex_text);
    let Ok(given) = hex::decode(hex_text) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_schedule_reads_and_charges_by_case_and_by_floor_area_to_the_fen() {
        let rates = schedule();
        let registration = assess(rates, "land_registration", 3_650_050);
        assert_eq!(registration.len(), 1);
        assert_eq!(registration[0].amount, "550.00");
        assert_eq!(registration[0].quantity, "1 件");
        assert!(registration[0].basis.contains("发改价格规〔2016〕2559号"));
        // 36500.5 m² at 80 yuan: 2,920,040 yuan exactly.
        let permit = assess(rates, "construction_permit", 3_650_050);
        assert_eq!(permit[0].amount_fen, 292_004_000);
        assert_eq!(permit[0].quantity, "36500.5 平方米");
        assert!(
            assess(rates, "project_filing", 3_650_050).is_empty(),
            "备案 is free"
        );
    }

    #[test]
    fn a_fraction_of_a_fen_is_rounded_half_away_from_zero() {
        let rate = FeeRate {
            matter: "x".into(),
            item: "配套费".into(),
            unit: FeeUnit::PerSquareMetre,
            rate: Money::from_fen(333),
            basis: String::new(),
        };
        // 0.15 m² × 3.33 yuan = 0.4995 yuan → 0.50; 0.01 m² × 3.33 = 0.0333 → 0.03.
        assert_eq!(
            assess(std::slice::from_ref(&rate), "x", 15)[0].amount_fen,
            50
        );
        assert_eq!(assess(std::slice::from_ref(&rate), "x", 1)[0].amount_fen, 3);
    }

    #[test]
    fn a_schedule_is_refused_whole_with_every_problem_by_row_and_column() {
        let text = "事项编码,收费项目,计费单位,收费标准(元),设定依据\n\
                    no_such_matter,登记费,件,550,依据\n\
                    land_registration,登记费,吨,-1,依据\n";
        let report = read_schedule(text.as_bytes(), FileFormat::Csv).unwrap_err();
        let places: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(places, [(2, "matter"), (3, "unit"), (3, "rate")]);
    }

    #[test]
    fn only_the_payment_systems_signature_over_these_exact_bytes_is_accepted() {
        use hmac::{KeyInit, Mac};
        let body = br#"{"order_no":"JF1","amount_fen":55000,"transaction_id":"T1"}"#;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"gateway-secret").unwrap();
        mac.update(body);
        let good = hex::encode(mac.finalize().into_bytes());
        assert!(signed_by_payment_system("gateway-secret", body, &good));
        assert!(signed_by_payment_system(
            "gateway-secret",
            body,
            &format!("sha256={good}")
        ));
        assert!(!signed_by_payment_system("another-secret", body, &good));
        let altered = br#"{"order_no":"JF1","amount_fen":5500,"transaction_id":"T1"}"#;
        assert!(!signed_by_payment_system("gateway-secret", altered, &good));
        assert!(!signed_by_payment_system("gateway-secret", body, "not hex"));
    }
}
