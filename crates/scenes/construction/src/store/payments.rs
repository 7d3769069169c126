//! `construction_payment`.

use super::{optional_time, required_time};
use chrono::{DateTime, Utc};
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How an order was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidVia {
    /// The non-tax payment system's signed notice.
    Gateway,
    /// At the counter, recorded by the department.
    Counter,
}

impl PaidVia {
    fn as_str(self) -> &'static str {
        match self {
            PaidVia::Gateway => "gateway",
            PaidVia::Counter => "counter",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaidVia::Gateway => "网上缴款",
            PaidVia::Counter => "窗口缴款",
        }
    }
}

impl std::str::FromStr for PaidVia {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "gateway" => Ok(PaidVia::Gateway),
            "counter" => Ok(PaidVia::Counter),
            other => Err(format!("unknown way of payment {other:?}")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Paid {
    pub at: DateTime<Utc>,
    pub via: PaidVia,
    pub reference: String,
}

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: i64,
    pub case_id: i64,
    pub order_no: String,
    pub amount_fen: i64,
    /// JSON, as assessed.
    pub lines: String,
    pub assessed_at: DateTime<Utc>,
    pub paid: Option<Paid>,
}

pub struct NewPayment<'a> {
    pub case_id: i64,
    pub order_no: &'a str,
    pub amount_fen: i64,
    pub lines: &'a str,
}

const SELECT: &str = "SELECT id, case_id, order_no, amount_fen, lines, assessed_at, paid_at, \
     paid_via, payment_ref FROM construction_payment";

fn from_row(r: &AnyRow) -> Result<PaymentRow> {
    let paid = match optional_time(r, "paid_at")? {
        Some(at) => Some(Paid {
            at,
            via: stored("paid_via", r.try_get::<String, _>("paid_via")?.parse())?,
            reference: r.try_get("payment_ref")?,
        }),
        None => None,
    };
    Ok(PaymentRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        order_no: r.try_get("order_no")?,
        amount_fen: r.try_get("amount_fen")?,
        lines: r.try_get("lines")?,
        assessed_at: required_time(r, "assessed_at")?,
        paid,
    })
}

pub async fn insert(conn: &mut Conn, p: &NewPayment<'_>, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO construction_payment (case_id, order_no, amount_fen, lines, assessed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(p.case_id)
    .bind(p.order_no)
    .bind(p.amount_fen)
    .bind(p.lines)
    .bind(time::to_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn of_case(conn: &mut Conn, case_id: i64) -> Result<Option<PaymentRow>> {
    let sql = format!("{SELECT} WHERE case_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_order(conn: &mut Conn, order_no: &str) -> Result<Option<PaymentRow>> {
    let sql = format!("{SELECT} WHERE order_no = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(order_no)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks the order paid if it is not yet: false when it was (by anyone, at any time).
pub async fn mark_paid(
    conn: &mut Conn,
    id: i64,
    (via, reference): (PaidVia, &str),
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE construction_payment SET paid_at = $1, paid_via = $2, payment_ref = $3, \
         recorded_by = $4 WHERE id = $5 AND paid_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(via.as_str())
    .bind(reference)
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
