//! Each fiscal level's budget of a policy whose awards several levels share (分级承担), and each
//! grant's share per level. Every write here comes after the policy row was taken in the same
//! transaction (lock order 3), so a level's sums move one transaction at a time; commitments are
//! conditional updates that never take a level past its total.

use qinqing_kernel::store::sql::{in_list, value_rows};
use qinqing_kernel::store::{Conn, Result};
use qinqing_rules::model::Level;
use sqlx::{AssertSqlSafe, Row};

/// One level's budget of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelBudget {
    pub level: Level,
    /// Fen; `None`: no limit.
    pub total: Option<i64>,
    pub committed: i64,
    /// Held back by 免申即享 offers not yet confirmed.
    pub reserved: i64,
}

impl LevelBudget {
    /// What is left beside what is committed and held back; `None`: no limit.
    pub fn left(&self) -> Option<i64> {
        self.total.map(|t| t - self.committed - self.reserved)
    }
}

/// Which sum a change moves.
#[derive(Debug, Clone, Copy)]
pub enum Sum {
    Committed,
    Reserved,
}

impl Sum {
    fn column(self) -> &'static str {
        match self {
            Sum::Committed => "budget_committed",
            Sum::Reserved => "budget_reserved",
        }
    }
}

/// The levels' budgets of a policy, from the national level down.
pub async fn of_policy(conn: &mut Conn, policy_id: i64) -> Result<Vec<LevelBudget>> {
    let rows = sqlx::query(
        "SELECT level, budget_total, budget_committed, budget_reserved \
         FROM policy_level_budget WHERE policy_id = $1",
    )
    .bind(policy_id)
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let level: String = r.try_get("level")?;
        let Some(level) = Level::parse(&level) else {
            continue;
        };
        out.push(LevelBudget {
            level,
            total: r.try_get("budget_total")?,
            committed: r.try_get("budget_committed")?,
            reserved: r.try_get("budget_reserved")?,
        });
    }
    out.sort_by_key(|b| b.level);
    Ok(out)
}

/// Sets each level's total (`None`: no limit), keeping what is committed and held.
pub async fn set_totals(
    conn: &mut Conn,
    policy_id: i64,
    totals: &[(Level, Option<i64>)],
) -> Result<()> {
    for &(level, total) in totals {
        sqlx::query(
            "INSERT INTO policy_level_budget (policy_id, level, budget_total) VALUES ($1, $2, $3) \
             ON CONFLICT (policy_id, level) DO UPDATE SET budget_total = excluded.budget_total",
        )
        .bind(policy_id)
        .bind(level.as_str())
        .bind(total)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds `amount` fen to a level's committed or reserved sum; false (and nothing changed) when
/// what is left of the level's total is less.
pub async fn add(
    conn: &mut Conn,
    policy_id: i64,
    level: Level,
    sum: Sum,
    amount: i64,
) -> Result<bool> {
    let column = sum.column();
    let sql = format!(
        "INSERT INTO policy_level_budget (policy_id, level, {column}) VALUES ($1, $2, $3) \
         ON CONFLICT (policy_id, level) DO UPDATE \
         SET {column} = policy_level_budget.{column} + excluded.{column} \
         WHERE policy_level_budget.budget_total IS NULL \
         OR policy_level_budget.budget_committed + policy_level_budget.budget_reserved \
         + excluded.{column} <= policy_level_budget.budget_total"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(policy_id)
        .bind(level.as_str())
        .bind(amount)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes `amount` fen off a level's committed or reserved sum (a declined offer, a cancelled
/// payout); false when the sum is smaller.
pub async fn take(
    conn: &mut Conn,
    policy_id: i64,
    level: Level,
    sum: Sum,
    amount: i64,
) -> Result<bool> {
    let column = sum.column();
    let sql = format!(
        "UPDATE policy_level_budget SET {column} = {column} - $1 \
         WHERE policy_id = $2 AND level = $3 AND {column} >= $1"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(amount)
        .bind(policy_id)
        .bind(level.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records each level's share of a grant.
pub async fn insert_shares(
    conn: &mut Conn,
    application_id: i64,
    shares: &[(Level, i64)],
) -> Result<()> {
    if shares.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO grant_share (application_id, level, amount) VALUES {}",
        value_rows(shares.len(), 3)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for &(level, amount) in shares {
        q = q.bind(application_id).bind(level.as_str()).bind(amount);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Each level's share of the grants of these applications: (application id, level, fen), from
/// the national level down.
pub async fn shares_of(conn: &mut Conn, application_ids: &[i64]) -> Result<Vec<(i64, Level, i64)>> {
    if application_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT application_id, level, amount FROM grant_share WHERE application_id IN ({})",
        in_list(1, application_ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in application_ids {
        q = q.bind(id);
    }
    let mut out = Vec::new();
    for r in q.fetch_all(conn).await? {
        let level: String = r.try_get("level")?;
        if let Some(level) = Level::parse(&level) {
            out.push((r.try_get("application_id")?, level, r.try_get("amount")?));
        }
    }
    out.sort_by_key(|&(id, level, _)| (id, level));
    Ok(out)
}
