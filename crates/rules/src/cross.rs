//! Cross-policy rules, applied after each policy has been evaluated on its own.
//!
//! Order, per policy year:
//! 1. **Exclusive groups** (同一事项就高不重复): per subject, of the eligible policies of a group only
//!    the highest amount is granted; a tie goes to the policy whose id sorts first. The others
//!    stay *eligible* with a granted amount of 0 and a note. Undetermined policies do not take
//!    part (nothing is granted on missing data).
//! 2. **Annual caps** over a set of policies: per subject, the policies of a cap group are granted
//!    in order of policy id, each up to what is left of the cap.
//! 3. **Budgets**: the claims on a pool (every positive granted amount of its policies, in the
//!    order of the subjects given — the order of approval — then of policy id) are paid in full
//!    when they fit. Otherwise `in_order` pays each claim up to what is left; `pro_rata` pays
//!    each claim ⌊claim × total / Σclaims⌋ fen and hands the fen left over (fewer than the number
//!    of claims) one each to the claims with the largest remainders, ties to the earlier claim.
//!    The result is exact: the pool pays out exactly its total.
//!
//! Money is also committed one grant at a time (a final approval, a confirmed 免申即享 offer):
//! [`allowance`] applies the same exclusive groups and caps to one new grant, given what the
//! subject was already granted in the same policy year.

use crate::model::{Allocation, CrossRules, Policy};
use std::collections::BTreeMap;

/// The cross-policy rules of a policy set, as indices into its (id-sorted) policy list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossPlan {
    pub exclusive: Vec<(String, Vec<usize>)>,
    pub caps: Vec<(String, i64, Vec<usize>)>,
    pub pools: Vec<Pool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    pub total: i64,
    pub allocation: Allocation,
    pub members: Vec<usize>,
}

/// Why a granted amount differs from the evaluated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjustment {
    /// Another policy of the exclusive group (index) was granted instead.
    Excluded { group: String, winner: usize },
    /// Reduced by the annual cap of a group.
    Capped { group: String, cap: i64 },
    /// Reduced because the pool's claims exceeded its budget.
    Budget {
        pool: String,
        allocation: Allocation,
    },
}

impl CrossPlan {
    /// Groups the policies by the groups and pools they name (consistency is checked by the set).
    pub fn from_policies(policies: &[Policy]) -> CrossPlan {
        let mut exclusive: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut caps: BTreeMap<&str, (i64, Vec<usize>)> = BTreeMap::new();
        let mut pools: BTreeMap<&str, Pool> = BTreeMap::new();
        for (i, p) in policies.iter().enumerate() {
            if let Some(g) = &p.cross.exclusive_group {
                exclusive.entry(g).or_default().push(i);
            }
            if let Some((g, amount)) = &p.cross.annual_cap {
                caps.entry(g)
                    .or_insert((amount.fen(), Vec::new()))
                    .1
                    .push(i);
            }
            if let Some(b) = &p.cross.budget {
                pools
                    .entry(&b.pool)
                    .or_insert_with(|| Pool {
                        name: b.pool.clone(),
                        total: b.total.fen(),
                        allocation: b.allocation,
                        members: Vec::new(),
                    })
                    .members
                    .push(i);
            }
        }
        CrossPlan {
            exclusive: exclusive
                .into_iter()
                .map(|(g, m)| (g.to_string(), m))
                .collect(),
            caps: caps
                .into_iter()
                .map(|(g, (a, m))| (g.to_string(), a, m))
                .collect(),
            pools: pools.into_values().collect(),
        }
    }

    /// Exclusive groups and annual caps for one subject. `granted[p]` is the amount of policy `p`
    /// when eligible (`None` otherwise); reduced in place, with a note per change.
    pub fn apply_subject(&self, granted: &mut [Option<i64>], notes: &mut Vec<(usize, Adjustment)>) {
        let mut values = Vec::new();
        for (group, members) in &self.exclusive {
            values.clear();
            values.extend(members.iter().map(|&p| granted.get(p).copied().flatten()));
            let before = values.clone();
            if let Some(w) = keep_highest(&mut values) {
                for (k, &p) in members.iter().enumerate() {
                    if values[k] != before[k] {
                        granted[p] = values[k];
                        notes.push((
                            p,
                            Adjustment::Excluded {
                                group: group.clone(),
                                winner: members[w],
                            },
                        ));
                    }
                }
            }
        }
        for (group, cap, members) in &self.caps {
            values.clear();
            values.extend(members.iter().map(|&p| granted.get(p).copied().flatten()));
            let before = values.clone();
            fill_cap(*cap, &mut values);
            for (k, &p) in members.iter().enumerate() {
                if values[k] != before[k] {
                    granted[p] = values[k];
                    notes.push((
                        p,
                        Adjustment::Capped {
                            group: group.clone(),
                            cap: *cap,
                        },
                    ));
                }
            }
        }
    }
}

/// An exclusive group for one subject: `values` are the members' amounts in policy order
/// (`None` when not eligible). Every member but the highest is set to 0; a tie goes to the
/// first. Returns the winner's position.
pub(crate) fn keep_highest(values: &mut [Option<i64>]) -> Option<usize> {
    let mut winner: Option<(usize, i64)> = None;
    for (k, v) in values.iter().enumerate() {
        if let Some(a) = v
            && winner.is_none_or(|(_, best)| *a > best)
        {
            winner = Some((k, *a));
        }
    }
    let (w, _) = winner?;
    for (k, v) in values.iter_mut().enumerate() {
        if k != w && v.is_some() {
            *v = Some(0);
        }
    }
    Some(w)
}

/// An annual cap for one subject: members in policy order, each up to what is left.
pub(crate) fn fill_cap(cap: i64, values: &mut [Option<i64>]) {
    let mut left = cap;
    for a in values.iter_mut().flatten() {
        if *a > left {
            *a = left;
        }
        left -= *a;
    }
}

/// A grant already made to the same subject in the same policy year, under the cross-policy
/// rules of the policy version it was made under.
#[derive(Debug, Clone, Copy)]
pub struct PriorGrant<'a> {
    pub cross: &'a CrossRules,
    /// Fen actually granted.
    pub amount: i64,
}

/// Why a new grant pays less than its policy's own amount, given the grants made before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// 同一事项就高不重复: the group already granted `prior` (an index into the prior grants),
    /// so nothing more is paid.
    AlreadyGranted { group: String, prior: usize },
    /// 就高补差: the group already granted `already` fen; only the difference is paid.
    TopUp { group: String, already: i64 },
    /// The group's annual cap, of which `used` fen was already granted.
    CapUsed { group: String, cap: i64, used: i64 },
}

/// What one new grant may pay, and why it is less than its policy's own amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    pub amount: i64,
    pub limits: Vec<Limit>,
}

/// What a new grant of a policy with the rules `cross` may pay when the policy computes
/// `amount`, given the grants made before to the same subject in the same policy year. The
/// order is that of [`CrossPlan::apply_subject`]: the exclusive group, then the annual cap.
/// A grant once made is never taken back, so a later award of an exclusive group is refused,
/// or — with `top_up` (就高补差) — pays only what it exceeds the group's earlier grants by.
pub fn allowance(cross: &CrossRules, amount: i64, prior: &[PriorGrant<'_>]) -> Allowance {
    let mut out = Allowance {
        amount: amount.max(0),
        limits: Vec::new(),
    };
    if let Some(group) = &cross.exclusive_group {
        exclusive_allowance(group, cross.top_up, prior, &mut out);
    }
    if let Some((group, cap)) = &cross.annual_cap {
        let mut values: Vec<Option<i64>> = prior
            .iter()
            .filter(|g| g.cross.annual_cap.as_ref().is_some_and(|(h, _)| h == group))
            .map(|g| Some(g.amount))
            .collect();
        let used = values.iter().flatten().sum();
        values.push(Some(out.amount));
        fill_cap(cap.fen(), &mut values);
        let left = values.last().copied().flatten().unwrap_or(0);
        if left < out.amount {
            out.amount = left;
            out.limits.push(Limit::CapUsed {
                group: group.clone(),
                cap: cap.fen(),
                used,
            });
        }
    }
    out
}

fn exclusive_allowance(group: &str, top_up: bool, prior: &[PriorGrant<'_>], out: &mut Allowance) {
    let mut members = prior
        .iter()
        .enumerate()
        .filter(|(_, g)| g.cross.exclusive_group.as_deref() == Some(group) && g.amount > 0);
    if top_up {
        let already: i64 = members.map(|(_, g)| g.amount).sum();
        if already > 0 {
            out.amount = (out.amount - already).max(0);
            out.limits.push(Limit::TopUp {
                group: group.to_string(),
                already,
            });
        }
    } else if let Some((i, _)) = members.next() {
        out.amount = 0;
        out.limits.push(Limit::AlreadyGranted {
            group: group.to_string(),
            prior: i,
        });
    }
}

/// Shares `total` among `claims` (all ≥ 0) by `allocation`; claims that fit are paid in full.
pub fn allocate(total: i64, claims: &[i64], allocation: Allocation) -> Vec<i64> {
    let sum: i128 = claims.iter().map(|&c| i128::from(c.max(0))).sum();
    let total = total.max(0);
    if sum <= i128::from(total) {
        return claims.iter().map(|&c| c.max(0)).collect();
    }
    match allocation {
        Allocation::InOrder => {
            let mut left = total;
            claims
                .iter()
                .map(|&c| {
                    let paid = c.max(0).min(left);
                    left -= paid;
                    paid
                })
                .collect()
        }
        Allocation::ProRata => pro_rata(total, claims, sum),
    }
}

/// Largest-remainder (Hamilton) apportionment of `total` fen; `sum` > `total` > 0.
pub(crate) fn pro_rata(total: i64, claims: &[i64], sum: i128) -> Vec<i64> {
    let t = i128::from(total);
    let mut shares = Vec::with_capacity(claims.len());
    let mut remainders = Vec::with_capacity(claims.len());
    let mut paid: i128 = 0;
    for (i, &c) in claims.iter().enumerate() {
        let product = i128::from(c.max(0)) * t;
        let share = product / sum;
        paid += share;
        shares.push(share as i64);
        remainders.push((product % sum, i));
    }
    let left = usize::try_from(t - paid).unwrap_or(0);
    // Largest remainder first; ties to the earlier claim.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(left) {
        shares[i] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn claims_that_fit_are_paid_in_full() {
        assert_eq!(allocate(100, &[30, 70], Allocation::ProRata), vec![30, 70]);
        assert_eq!(allocate(100, &[30, 70], Allocation::InOrder), vec![30, 70]);
    }

    #[test]
    fn in_order_pays_the_first_claims_first() {
        assert_eq!(
            allocate(100, &[60, 60, 10], Allocation::InOrder),
            vec![60, 40, 0]
        );
    }

    #[test]
    fn pro_rata_hands_leftover_fen_by_largest_remainder() {
        // 100 × 1/3 each = 33.33…: one fen left, to the first (ties go to the earlier claim).
        assert_eq!(
            allocate(100, &[100, 100, 100], Allocation::ProRata),
            vec![34, 33, 33]
        );
        assert_eq!(allocate(2, &[3, 3, 3], Allocation::ProRata), vec![1, 1, 0]);
        // 10 of 50 + 30 + 20 = 100: exactly 5, 3, 2.
        assert_eq!(
            allocate(10, &[50, 30, 20], Allocation::ProRata),
            vec![5, 3, 2]
        );
        // 7 × 2/3 = 4.67, 7 × 1/3 = 2.33 → 5, 2.
        assert_eq!(allocate(7, &[20, 10], Allocation::ProRata), vec![5, 2]);
    }

    #[test]
    fn shares_add_up_to_the_award_and_leftover_fen_go_to_the_higher_level() {
        let c =
            rules("shares = { provincial = 8, municipal = 1, district = 1, source = \"第七条\" }");
        let s = c.shares.unwrap();
        assert_eq!(s.ratio(), "8:1:1");
        assert_eq!(s.levels_zh(), "省级、市级、区级");
        use crate::model::Level::{District, Municipal, Provincial};
        assert_eq!(
            s.split(1_000_000),
            vec![
                (Provincial, 800_000),
                (Municipal, 100_000),
                (District, 100_000)
            ]
        );
        // 1 fen shared 1:1 goes to the city; 3 fen 8:1:1 are 2.4, 0.3, 0.3 → 3, 0, 0.
        let half = rules("shares = { district = 1, municipal = 1 }")
            .shares
            .unwrap();
        assert_eq!(half.split(1), vec![(Municipal, 1), (District, 0)]);
        assert_eq!(
            s.split(3),
            vec![(Provincial, 3), (Municipal, 0), (District, 0)]
        );
    }

    fn rules(toml: &str) -> CrossRules {
        let src = format!(
            "id = \"x\"\ntitle = \"x\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n[reward]\nfixed = 1\n[cross]\n{toml}\n"
        );
        let schema = crate::Schema::standard();
        crate::parse_policy("x.toml", &src, &schema).unwrap().cross
    }

    #[test]
    fn a_second_award_of_an_exclusive_group_is_refused() {
        let g = rules("exclusive_group = \"g\"");
        let other = rules("");
        let prior = [
            PriorGrant {
                cross: &other,
                amount: 500,
            },
            PriorGrant {
                cross: &g,
                amount: 100,
            },
        ];
        let a = allowance(&g, 300, &prior);
        assert_eq!(a.amount, 0);
        assert_eq!(
            a.limits,
            vec![Limit::AlreadyGranted {
                group: "g".into(),
                prior: 1
            }]
        );
        assert_eq!(allowance(&g, 300, &prior[..1]).amount, 300);
    }

    #[test]
    fn top_up_pays_the_difference_once() {
        let g = rules("exclusive_group = \"g\"\ntop_up = true");
        let first = [PriorGrant {
            cross: &g,
            amount: 100,
        }];
        assert_eq!(allowance(&g, 300, &first).amount, 200);
        // After the difference was paid, the group has granted 300 in all: nothing more.
        let both = [
            first[0],
            PriorGrant {
                cross: &g,
                amount: 200,
            },
        ];
        assert_eq!(allowance(&g, 300, &both).amount, 0);
        assert_eq!(allowance(&g, 50, &first).amount, 0);
    }

    #[test]
    fn an_annual_cap_grants_what_is_left() {
        let c = rules("annual_cap = { group = \"c\", amount = 10 }");
        let prior = [PriorGrant {
            cross: &c,
            amount: 700,
        }];
        let a = allowance(&c, 600, &prior);
        assert_eq!(a.amount, 300);
        assert_eq!(
            a.limits,
            vec![Limit::CapUsed {
                group: "c".into(),
                cap: 1000,
                used: 700
            }]
        );
        assert_eq!(allowance(&c, 200, &prior).limits, vec![]);
    }

    #[test]
    fn top_up_without_a_group_is_an_error() {
        let src = "id = \"x\"\ntitle = \"x\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n[reward]\nfixed = 1\n[cross]\ntop_up = true\n";
        let errs = crate::parse_policy("x.toml", src, &crate::Schema::standard()).unwrap_err();
        assert!(
            errs.iter().any(|d| d.message_en.contains("top_up")),
            "{errs:?}"
        );
    }

    proptest! {
        #[test]
        fn shares_always_add_up_to_the_award(
            amount in 0i64..10_000_000_000,
            parts in proptest::collection::vec(1u32..=100, 2..=4),
        ) {
            let levels = crate::model::Level::ALL;
            let s = crate::model::CostSharing {
                parts: levels.iter().copied().zip(parts.iter().copied()).collect(),
                source: None,
                line: 1,
            };
            let split = s.split(amount);
            prop_assert_eq!(split.iter().map(|(_, f)| f).sum::<i64>(), amount);
            let sum = i128::from(parts.iter().sum::<u32>());
            for ((_, fen), p) in split.iter().zip(&parts) {
                // Each share is its exact part, rounded down or up by less than a fen.
                let exact = i128::from(amount) * i128::from(*p);
                prop_assert!(i128::from(*fen) * sum <= exact + sum && i128::from(*fen) * sum + sum > exact);
            }
        }

        #[test]
        fn pro_rata_pays_exactly_the_total_and_never_more_than_claimed(
            claims in proptest::collection::vec(0i64..10_000_000, 1..50),
            total in 0i64..100_000_000,
        ) {
            let shares = allocate(total, &claims, Allocation::ProRata);
            let sum: i64 = claims.iter().sum();
            let paid: i64 = shares.iter().sum();
            prop_assert_eq!(paid, sum.min(total));
            for (s, c) in shares.iter().zip(&claims) {
                prop_assert!(*s <= *c && *s >= 0);
            }
        }
    }
}
