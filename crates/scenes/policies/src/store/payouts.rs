//! Payouts (直达付) and the batches sent to the bank, and the enterprises' bank accounts. Every
//! state change is a conditional update on the payout's current status, so a result file
//! imported twice or a batch exported twice changes nothing the second time.

use crate::status::PayoutStatus;
use chrono::{DateTime, Utc};
use qinqing_kernel::store::sql::in_list;
use qinqing_kernel::store::{Conn, Result, stored, time};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRow {
    pub id: i64,
    pub application_id: i64,
    pub receipt_no: String,
    pub policy_id: i64,
    pub policy_title: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub credit_code: String,
    pub amount: i64,
    pub reference: String,
    pub status: PayoutStatus,
    pub batch_id: Option<i64>,
    /// The number of the batch it is on, and whether that batch's file went to the bank.
    pub batch_no: Option<String>,
    pub batch_exported: bool,
    pub line_no: Option<i64>,
    pub payee_name: Option<String>,
    pub account_no: Option<String>,
    pub bank_name: Option<String>,
    pub failure_reason: Option<String>,
    pub bank_txn: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "SELECT y.id, y.application_id, a.receipt_no, y.policy_id, p.title AS policy_title, \
    y.enterprise_id, e.name AS enterprise_name, e.credit_code, y.amount, y.reference, y.status, \
    y.batch_id, y.line_no, y.payee_name, y.account_no, y.bank_name, y.failure_reason, y.bank_txn, \
    y.created_at, y.paid_at, b.batch_no, b.exported_at AS batch_exported_at \
    FROM payout y JOIN application a ON a.id = y.application_id \
    JOIN policy p ON p.id = y.policy_id JOIN enterprise e ON e.id = y.enterprise_id \
    LEFT JOIN payout_batch b ON b.id = y.batch_id";

fn from_row(r: &AnyRow) -> Result<PayoutRow> {
    Ok(PayoutRow {
        id: r.try_get("id")?,
        application_id: r.try_get("application_id")?,
        receipt_no: r.try_get("receipt_no")?,
        policy_id: r.try_get("policy_id")?,
        policy_title: r.try_get("policy_title")?,
        enterprise_id: r.try_get("enterprise_id")?,
        enterprise_name: r.try_get("enterprise_name")?,
        credit_code: r.try_get("credit_code")?,
        amount: r.try_get("amount")?,
        reference: r.try_get("reference")?,
        status: stored("payout.status", r.try_get::<String, _>("status")?.parse())?,
        batch_id: r.try_get("batch_id")?,
        batch_no: r.try_get("batch_no")?,
        batch_exported: r
            .try_get::<Option<String>, _>("batch_exported_at")?
            .is_some(),
        line_no: r.try_get("line_no")?,
        payee_name: r.try_get("payee_name")?,
        account_no: r.try_get("account_no")?,
        bank_name: r.try_get("bank_name")?,
        failure_reason: r.try_get("failure_reason")?,
        bank_txn: r.try_get("bank_txn")?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        paid_at: r
            .try_get::<Option<String>, _>("paid_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
    })
}

/// Creates the payout instruction of an approved application (at most one per application):
/// `pending`, or `allocating` when the amount waits for a 按比例 allocation.
#[allow(clippy::too_many_arguments, reason = "one payout row's columns")]
pub async fn insert(
    conn: &mut Conn,
    application_id: i64,
    policy_id: i64,
    enterprise_id: i64,
    amount: i64,
    reference: &str,
    status: PayoutStatus,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO payout (application_id, policy_id, enterprise_id, amount, reference, status, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(application_id)
    .bind(policy_id)
    .bind(enterprise_id)
    .bind(amount)
    .bind(reference)
    .bind(status.as_str())
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

async fn list_by(conn: &mut Conn, condition: &str, value: Option<i64>) -> Result<Vec<PayoutRow>> {
    let sql = format!("{COLUMNS} WHERE {condition} ORDER BY y.batch_id, y.line_no, y.id");
    let q = sqlx::query(AssertSqlSafe(sql));
    let q = match value {
        Some(v) => q.bind(v),
        None => q,
    };
    q.fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Payouts waiting for a batch (new, or failed and corrected).
pub async fn ready(conn: &mut Conn) -> Result<Vec<PayoutRow>> {
    list_by(conn, "y.status = 'pending'", None).await
}

pub async fn of_batch(conn: &mut Conn, batch_id: i64) -> Result<Vec<PayoutRow>> {
    list_by(conn, "y.batch_id = $1", Some(batch_id)).await
}

pub async fn of_enterprise(conn: &mut Conn, enterprise_id: i64) -> Result<Vec<PayoutRow>> {
    list_by(conn, "y.enterprise_id = $1", Some(enterprise_id)).await
}

pub async fn of_application(conn: &mut Conn, application_id: i64) -> Result<Option<PayoutRow>> {
    Ok(list_by(conn, "y.application_id = $1", Some(application_id))
        .await?
        .into_iter()
        .next())
}

pub async fn all(conn: &mut Conn) -> Result<Vec<PayoutRow>> {
    list_by(conn, "1 = 1", None).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<PayoutRow>> {
    Ok(list_by(conn, "y.id = $1", Some(id))
        .await?
        .into_iter()
        .next())
}

pub async fn by_reference(conn: &mut Conn, reference: &str) -> Result<Option<PayoutRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE y.reference = $1")))
        .bind(reference)
        .fetch_optional(conn)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: i64,
    pub batch_no: String,
    pub created_at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
    pub lines: i64,
    pub total: i64,
    pub paid: i64,
    pub failed: i64,
}

pub async fn insert_batch(
    conn: &mut Conn,
    batch_no: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO payout_batch (batch_no, created_by, created_at) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(batch_no)
    .bind(created_by)
    .bind(time::to_text(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Puts a pending payout on a batch line with the account it will be paid to; false when it
/// is no longer pending (another batch took it).
pub async fn assign(
    conn: &mut Conn,
    payout_id: i64,
    batch_id: i64,
    line_no: i64,
    account: &BankAccount,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout SET status = 'batched', batch_id = $1, line_no = $2, payee_name = $3, \
         account_no = $4, bank_name = $5, failure_reason = NULL WHERE id = $6 AND status = 'pending'",
    )
    .bind(batch_id)
    .bind(line_no)
    .bind(&account.payee_name)
    .bind(&account.account_no)
    .bind(&account.bank_name)
    .bind(payout_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the batch exported and keeps the file exactly as exported, the first time only;
/// false when it was exported before (the earlier file stays).
pub async fn mark_exported(
    conn: &mut Conn,
    batch_id: i64,
    file: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout_batch SET exported_at = $1, exported_file = $2 \
         WHERE id = $3 AND exported_at IS NULL",
    )
    .bind(time::to_text(now))
    .bind(file)
    .bind(batch_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The file of an exported batch as it was exported; `None` for a batch exported before files
/// were kept.
pub async fn exported_file(conn: &mut Conn, batch_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT exported_file FROM payout_batch WHERE id = $1")
        .bind(batch_id)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>, _>("exported_file"))
        .transpose()?
        .flatten())
}

const BATCH_COLUMNS: &str = "SELECT b.id, b.batch_no, b.created_at, b.exported_at, \
    (SELECT COUNT(*) FROM payout y WHERE y.batch_id = b.id) AS lines, \
    (SELECT CAST(COALESCE(SUM(y.amount), 0) AS BIGINT) FROM payout y WHERE y.batch_id = b.id) AS total, \
    (SELECT COUNT(*) FROM payout y WHERE y.batch_id = b.id AND y.status = 'paid') AS paid, \
    (SELECT COUNT(*) FROM payout y WHERE y.batch_id = b.id AND y.status = 'failed') AS failed \
    FROM payout_batch b";

fn batch_from_row(r: &AnyRow) -> Result<BatchRow> {
    Ok(BatchRow {
        id: r.try_get("id")?,
        batch_no: r.try_get("batch_no")?,
        created_at: time::from_text(&r.try_get::<String, _>("created_at")?)?,
        exported_at: r
            .try_get::<Option<String>, _>("exported_at")?
            .map(|s| time::from_text(&s))
            .transpose()?,
        lines: r.try_get("lines")?,
        total: r.try_get("total")?,
        paid: r.try_get("paid")?,
        failed: r.try_get("failed")?,
    })
}

pub async fn batches(conn: &mut Conn) -> Result<Vec<BatchRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!("{BATCH_COLUMNS} ORDER BY b.id DESC")))
        .fetch_all(conn)
        .await?;
    rows.iter().map(batch_from_row).collect()
}

pub async fn batch(conn: &mut Conn, id: i64) -> Result<Option<BatchRow>> {
    let row = sqlx::query(AssertSqlSafe(format!("{BATCH_COLUMNS} WHERE b.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| batch_from_row(&r)).transpose()
}

/// Records the bank's word on a batched line; false when the line was not waiting for it
/// (already settled by an earlier import of the same file).
pub async fn settle(
    conn: &mut Conn,
    payout_id: i64,
    paid: bool,
    reason: Option<&str>,
    bank_txn: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout SET status = $1, failure_reason = $2, bank_txn = $3, \
         paid_at = CASE WHEN $1 = 'paid' THEN $4 ELSE NULL END \
         WHERE id = $5 AND status = 'batched'",
    )
    .bind(
        if paid {
            PayoutStatus::Paid
        } else {
            PayoutStatus::Failed
        }
        .as_str(),
    )
    .bind(reason)
    .bind(bank_txn)
    .bind(time::to_text(now))
    .bind(payout_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a failed line back in the queue for the next batch (after the account was corrected).
pub async fn retry(conn: &mut Conn, payout_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout SET status = 'pending', batch_id = NULL, line_no = NULL \
         WHERE id = $1 AND status = 'failed'",
    )
    .bind(payout_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub payee_name: String,
    pub account_no: String,
    pub bank_name: String,
    pub confirmed_at: Option<DateTime<Utc>>,
}

pub async fn account(conn: &mut Conn, enterprise_id: i64) -> Result<Option<BankAccount>> {
    let row = sqlx::query(
        "SELECT payee_name, account_no, bank_name, confirmed_at FROM bank_account \
         WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(BankAccount {
            payee_name: r.try_get("payee_name")?,
            account_no: r.try_get("account_no")?,
            bank_name: r.try_get("bank_name")?,
            confirmed_at: r
                .try_get::<Option<String>, _>("confirmed_at")?
                .map(|s| time::from_text(&s))
                .transpose()?,
        })
    })
    .transpose()
}

/// Stores the account the enterprise confirmed (replacing an earlier one).
pub async fn save_account(
    conn: &mut Conn,
    enterprise_id: i64,
    account: &BankAccount,
    confirmed_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = time::to_text(now);
    sqlx::query(
        "INSERT INTO bank_account (enterprise_id, payee_name, account_no, bank_name, \
         confirmed_at, confirmed_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (enterprise_id) DO UPDATE SET payee_name = excluded.payee_name, \
         account_no = excluded.account_no, bank_name = excluded.bank_name, \
         confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by, \
         updated_at = excluded.updated_at",
    )
    .bind(enterprise_id)
    .bind(&account.payee_name)
    .bind(&account.account_no)
    .bind(&account.bank_name)
    .bind(account.confirmed_at.map(time::to_text))
    .bind(confirmed_by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stops a payout that has not gone to the bank (a false pledge found before payment).
pub async fn cancel(conn: &mut Conn, payout_id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout SET status = 'cancelled' WHERE id = $1 \
         AND status IN ('pending', 'failed', 'allocating')",
    )
    .bind(payout_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A grant waiting for its share of a 按比例 budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub payout_id: i64,
    pub application_id: i64,
    pub policy_id: i64,
    /// What the grant would pay in full (fen).
    pub claim: i64,
}

/// The grants of these policies for policy year `year` waiting for their share, in the order
/// they were approved.
pub async fn allocating(conn: &mut Conn, policy_ids: &[i64], year: i32) -> Result<Vec<Waiting>> {
    let sql = format!(
        "SELECT y.id, y.application_id, y.policy_id, y.amount FROM payout y \
         JOIN application a ON a.id = y.application_id \
         WHERE y.status = 'allocating' AND a.year = $1 AND y.policy_id IN ({}) ORDER BY y.id",
        in_list(2, policy_ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(year);
    for id in policy_ids {
        q = q.bind(id);
    }
    q.fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Waiting {
                payout_id: r.try_get("id")?,
                application_id: r.try_get("application_id")?,
                policy_id: r.try_get("policy_id")?,
                claim: r.try_get("amount")?,
            })
        })
        .collect()
}

/// What earlier allocations already gave the grants of these policies for policy year `year`.
pub async fn allocated(conn: &mut Conn, policy_ids: &[i64], year: i32) -> Result<i64> {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(y.amount), 0) AS BIGINT) AS total FROM payout y \
         JOIN application a ON a.id = y.application_id \
         WHERE y.status NOT IN ('allocating', 'cancelled') AND a.year = $1 \
         AND y.policy_id IN ({})",
        in_list(2, policy_ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(year);
    for id in policy_ids {
        q = q.bind(id);
    }
    Ok(q.fetch_one(conn).await?.try_get("total")?)
}

/// Gives a waiting grant its share: the payout is queued for the bank with that amount, or
/// cancelled when the share is nothing. False when it no longer waits.
pub async fn allocate(conn: &mut Conn, payout_id: i64, amount: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payout SET amount = $1, \
         status = CASE WHEN $1 > 0 THEN 'pending' ELSE 'cancelled' END \
         WHERE id = $2 AND status = 'allocating'",
    )
    .bind(amount)
    .bind(payout_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
