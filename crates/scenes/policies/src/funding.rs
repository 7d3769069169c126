//! 分级承担 at every point money is committed or given back: where fiscal levels share a
//! policy's awards ("市、区两级按1:1分担"), a grant is split by the parts its policy version
//! states and each level's share is committed against that level's budget of the policy, in the
//! grant's transaction and after the policy's own budget (lock order 3). A level whose budget is
//! short refuses the grant, naming the level; nothing is committed then.

use crate::store::level_budgets::{self, LevelBudget, Sum};
use qinqing_domain::Money;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{AppError, AppResult};
use qinqing_rules::model::{CostSharing, Level};
use serde::Serialize;
use utoipa::ToSchema;

/// Each level's share of one grant, in fen, from the national level down.
pub(crate) type Shares = Vec<(Level, i64)>;

/// The shares of `amount` under `sharing`; none when the policy is paid by one budget.
pub(crate) fn split(sharing: Option<&CostSharing>, amount: i64) -> Shares {
    sharing.map(|s| s.split(amount)).unwrap_or_default()
}

/// Commits each level's share of a grant against its budget and records the shares.
pub(crate) async fn commit(
    conn: &mut Conn,
    policy_id: i64,
    application_id: i64,
    shares: &Shares,
) -> AppResult<()> {
    for &(level, amount) in shares {
        if !level_budgets::add(conn, policy_id, level, Sum::Committed, amount).await? {
            return Err(short(conn, policy_id, level, amount).await?);
        }
    }
    level_budgets::insert_shares(conn, application_id, shares).await?;
    Ok(())
}

/// Gives back to each level what `shares` held or committed (an offer declined or excluded, a
/// payout cancelled). Sums held before shares were recorded are not there to give back.
pub(crate) async fn release(
    conn: &mut Conn,
    policy_id: i64,
    shares: &Shares,
    sum: Sum,
) -> AppResult<()> {
    for &(level, amount) in shares {
        level_budgets::take(conn, policy_id, level, sum, amount).await?;
    }
    Ok(())
}

/// Gives back to each level what a grant committed (its payout was cancelled).
pub(crate) async fn release_granted(
    conn: &mut Conn,
    policy_id: i64,
    application_id: i64,
) -> AppResult<()> {
    let shares: Shares = level_budgets::shares_of(conn, &[application_id])
        .await?
        .into_iter()
        .map(|(_, level, fen)| (level, fen))
        .collect();
    release(conn, policy_id, &shares, Sum::Committed).await
}

/// Holds back each level's part of a 免申即享 chunk's offers (`amounts`, fen each).
pub(crate) async fn hold(
    conn: &mut Conn,
    policy_id: i64,
    sharing: Option<&CostSharing>,
    amounts: impl Iterator<Item = i64>,
) -> AppResult<bool> {
    let mut held: Shares = Vec::new();
    for amount in amounts {
        for (level, fen) in split(sharing, amount) {
            match held.iter_mut().find(|(l, _)| *l == level) {
                Some((_, sum)) => *sum += fen,
                None => held.push((level, fen)),
            }
        }
    }
    for (level, fen) in held {
        if fen > 0 && !level_budgets::add(conn, policy_id, level, Sum::Reserved, fen).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The refusal of a grant whose share at `level` is more than that level's budget has left.
async fn short(conn: &mut Conn, policy_id: i64, level: Level, amount: i64) -> AppResult<AppError> {
    let left = level_budgets::of_policy(conn, policy_id)
        .await?
        .iter()
        .find(|b| b.level == level)
        .and_then(LevelBudget::left)
        .unwrap_or(0);
    Ok(AppError::Conflict {
        field: Some("amount".into()),
        message: format!(
            "{}财政承担的 {} 超过本政策{}预算余额 {},无法核准",
            level.label_zh(),
            crate::yuan(amount),
            level.label_zh(),
            crate::yuan(left.max(0))
        ),
    })
}

/// What a 免申即享 chunk may still hold back: what is left of each sharing level's budget.
pub(crate) struct LevelPurse<'a> {
    sharing: Option<&'a CostSharing>,
    left: Vec<(Level, i64)>,
}

impl<'a> LevelPurse<'a> {
    /// Read under the policy row's lock, so no grant moves the levels' budgets meanwhile.
    pub(crate) async fn open(
        conn: &mut Conn,
        policy_id: i64,
        sharing: Option<&'a CostSharing>,
    ) -> AppResult<LevelPurse<'a>> {
        let left = match sharing {
            None => Vec::new(),
            Some(_) => level_budgets::of_policy(conn, policy_id)
                .await?
                .iter()
                .filter_map(|b| Some((b.level, b.left()?)))
                .collect(),
        };
        Ok(LevelPurse { sharing, left })
    }

    /// Takes the shares of `amount` when every limited level can pay its share.
    pub(crate) fn take(&mut self, amount: i64) -> bool {
        let shares = split(self.sharing, amount);
        let fits = |(level, fen): &(Level, i64)| {
            self.left
                .iter()
                .find(|(l, _)| l == level)
                .is_none_or(|(_, left)| fen <= left)
        };
        if !shares.iter().all(fits) {
            return false;
        }
        for (level, fen) in shares {
            if let Some((_, left)) = self.left.iter_mut().find(|(l, _)| *l == level) {
                *left -= fen;
            }
        }
        true
    }
}

/// One level's share of a grant, as the enterprise and staff read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareView {
    /// 市级, 区级 ….
    pub level: &'static str,
    /// Yuan.
    pub amount: String,
}

pub(crate) fn views(shares: &[(Level, i64)]) -> Vec<ShareView> {
    shares
        .iter()
        .map(|&(level, fen)| ShareView {
            level: level.label_zh(),
            amount: Money::from_fen(fen).to_string(),
        })
        .collect()
}

/// One level's budget of a policy, as staff read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelBudgetView {
    /// `municipal`, `district` … (the key of the definition's `shares` and of the input).
    pub key: &'static str,
    pub level: &'static str,
    /// Yuan; absent when unlimited.
    pub total: Option<String>,
    pub committed: String,
    pub reserved: String,
}

pub(crate) fn budget_views(budgets: &[LevelBudget]) -> Vec<LevelBudgetView> {
    budgets
        .iter()
        .map(|b| LevelBudgetView {
            key: b.level.as_str(),
            level: b.level.label_zh(),
            total: b.total.map(|t| Money::from_fen(t).to_string()),
            committed: Money::from_fen(b.committed).to_string(),
            reserved: Money::from_fen(b.reserved).to_string(),
        })
        .collect()
}
