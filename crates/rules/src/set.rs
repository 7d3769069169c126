//! A policy library: the schema, the policies (sorted by id), and their cross-policy plan —
//! plus evaluation of many subjects with the cross-policy rules applied.

use crate::cross::{Adjustment, CrossPlan, allocate};
use crate::diag::Diagnostic;
use crate::eval::{Env, Outcome, decide_with};
use crate::facts::Facts;
use crate::model::Policy;
use crate::schema::Schema;
use qinqing_domain::Money;
use std::collections::BTreeMap;

/// The file name of the attribute schema inside a policy directory.
pub const SCHEMA_FILE: &str = "attributes.toml";

/// Policies ready for evaluation.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub schema: Schema,
    /// Sorted by id, so every "in order of policy" rule is deterministic.
    pub policies: Vec<Policy>,
    pub cross: CrossPlan,
}

impl PolicySet {
    /// Reads a library from texts: an optional schema file and policy files (name, text).
    /// Every problem of every file is returned.
    pub fn from_sources(
        schema: Option<(&str, &str)>,
        files: &[(String, String)],
    ) -> Result<PolicySet, Vec<Diagnostic>> {
        let schema = match schema {
            Some((name, src)) => Schema::with_custom(name, src)?,
            None => Schema::standard(),
        };
        let mut diags = Vec::new();
        let mut policies = Vec::new();
        for (name, src) in files {
            match crate::read::parse_policy(name, src, &schema) {
                Ok(p) => policies.push(p),
                Err(d) => diags.extend(d),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        PolicySet::new(schema, policies)
    }

    /// Checks the policies together: unique ids, and groups and pools declared consistently.
    pub fn new(schema: Schema, mut policies: Vec<Policy>) -> Result<PolicySet, Vec<Diagnostic>> {
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        let mut diags = Vec::new();
        for pair in policies.windows(2) {
            if pair[0].id == pair[1].id {
                diags.push(Diagnostic::new(
                    &pair[1].file,
                    1,
                    format!("政策编号“{}”与 {} 重复", pair[1].id, pair[0].file),
                    format!(
                        "policy id `{}` is also used by {}",
                        pair[1].id, pair[0].file
                    ),
                ));
            }
        }
        check_consistent(&policies, &mut diags);
        if !diags.is_empty() {
            return Err(diags);
        }
        let cross = CrossPlan::from_policies(&policies);
        Ok(PolicySet {
            schema,
            policies,
            cross,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.policies[i])
    }

    /// Every policy for every subject, with exclusive groups, annual caps and budgets applied.
    /// Subjects are taken in the given order, which is the order of approval for `in_order`
    /// budgets.
    pub fn evaluate_all(&self, subjects: &[Facts], year: i32) -> Vec<SubjectResult> {
        let envs: Vec<Env<'_>> = self
            .policies
            .iter()
            .map(|p| Env::new(&self.schema, p, year))
            .collect();
        let mut results: Vec<SubjectResult> = subjects
            .iter()
            .map(|f| {
                let outcomes = envs.iter().map(|e| decide_with(e, f)).collect();
                self.subject_result(f.subject_id.clone(), outcomes)
            })
            .collect();
        self.apply_budgets(&mut results);
        results
    }

    /// One subject's outcomes with the per-subject rules (exclusive groups, caps) applied.
    pub fn subject_result(&self, subject_id: String, outcomes: Vec<Outcome>) -> SubjectResult {
        let mut granted: Vec<Option<i64>> = outcomes
            .iter()
            .map(|o| o.amount().map(Money::fen))
            .collect();
        let mut notes = Vec::new();
        self.cross.apply_subject(&mut granted, &mut notes);
        let mut cells: Vec<Cell> = outcomes
            .into_iter()
            .zip(granted)
            .map(|(outcome, g)| Cell {
                outcome,
                granted: g.map(Money::from_fen),
                adjustments: Vec::new(),
            })
            .collect();
        for (p, note) in notes {
            cells[p].adjustments.push(note);
        }
        SubjectResult { subject_id, cells }
    }

    /// Shares each budget pool among its claims, across subjects.
    pub(crate) fn apply_budgets(&self, results: &mut [SubjectResult]) {
        for pool in &self.cross.pools {
            let mut at = Vec::new();
            let mut claims = Vec::new();
            for (s, r) in results.iter().enumerate() {
                for &p in &pool.members {
                    if let Some(g) = r.cells[p].granted
                        && g > Money::ZERO
                    {
                        at.push((s, p));
                        claims.push(g.fen());
                    }
                }
            }
            let paid = allocate(pool.total, &claims, pool.allocation);
            for ((s, p), (claim, pay)) in at.into_iter().zip(claims.into_iter().zip(paid)) {
                if pay != claim {
                    let cell = &mut results[s].cells[p];
                    cell.granted = Some(Money::from_fen(pay));
                    cell.adjustments.push(Adjustment::Budget {
                        pool: pool.name.clone(),
                        allocation: pool.allocation,
                    });
                }
            }
        }
    }
}

/// Every policy's result for one subject, indexed like [`PolicySet::policies`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectResult {
    pub subject_id: String,
    pub cells: Vec<Cell>,
}

/// One policy's result for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The policy's own outcome and amount.
    pub outcome: Outcome,
    /// What is granted after the cross-policy rules (eligible only).
    pub granted: Option<Money>,
    pub adjustments: Vec<Adjustment>,
}

/// Policies naming the same cap group or budget pool must agree on its amount and rule.
fn check_consistent(policies: &[Policy], diags: &mut Vec<Diagnostic>) {
    let mut caps: BTreeMap<&str, (&Policy, Money)> = BTreeMap::new();
    let mut pools: BTreeMap<&str, &Policy> = BTreeMap::new();
    for p in policies {
        if let Some((g, amount)) = &p.cross.annual_cap {
            match caps.get(g.as_str()) {
                Some((first, a)) if a != amount => diags.push(Diagnostic::new(
                    &p.file,
                    p.cross.line,
                    format!(
                        "年度上限组“{g}”的金额 {amount} 与 {} 中的 {a} 不一致",
                        first.file
                    ),
                    format!("cap group `{g}`: {amount} here, {a} in {}", first.file),
                )),
                Some(_) => {}
                None => {
                    caps.insert(g, (p, *amount));
                }
            }
        }
        if let Some(b) = &p.cross.budget {
            match pools.get(b.pool.as_str()) {
                Some(first) if first.cross.budget.as_ref() != Some(b) => {
                    diags.push(Diagnostic::new(
                        &p.file,
                        p.cross.line,
                        format!("预算池“{}”的总额或分配方式与 {} 不一致", b.pool, first.file),
                        format!(
                            "budget pool `{}` differs from its declaration in {}",
                            b.pool, first.file
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    pools.insert(&b.pool, p);
                }
            }
        }
        if let Some(g) = &p.cross.exclusive_group
            && let Some(other) = policies
                .iter()
                .find(|o| o.cross.exclusive_group.as_ref() == Some(g) && o.entity != p.entity)
        {
            diags.push(Diagnostic::new(
                &p.file,
                p.cross.line,
                format!("互斥组“{g}”中的政策 {} 面向不同的对象", other.id),
                format!(
                    "exclusive group `{g}` mixes enterprise and person policies ({})",
                    other.id
                ),
            ));
        }
        if let Some(g) = &p.cross.exclusive_group
            && let Some(other) = policies.iter().find(|o| {
                o.cross.exclusive_group.as_ref() == Some(g) && o.cross.top_up != p.cross.top_up
            })
            && p.cross.top_up
        {
            diags.push(Diagnostic::new(
                &p.file,
                p.cross.line,
                format!(
                    "同一事项组“{g}”中的政策 {} 未写 top_up(就高补差),组内须一致",
                    other.id
                ),
                format!("exclusive group `{g}`: top_up here, not in {}", other.id),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Entity;

    fn policy(id: &str, amount: u32, cross: &str) -> (String, String) {
        (
            format!("{id}.toml"),
            format!(
                "id = \"{id}\"\ntitle = \"{id}\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = {{ from = 2024-01-01 }}\n[reward]\nfixed = {amount}\n[cross]\n{cross}\n"
            ),
        )
    }

    fn granted(set: &PolicySet, year: i32) -> Vec<Option<i64>> {
        let f = Facts::new("x", "x", Entity::Enterprise);
        let r = set.evaluate_all(&[f], year);
        r[0].cells
            .iter()
            .map(|c| c.granted.map(Money::fen))
            .collect()
    }

    #[test]
    fn the_highest_of_an_exclusive_group_wins_ties_to_the_first_id() {
        let files = [
            policy("a", 100, "exclusive_group = \"g\""),
            policy("b", 300, "exclusive_group = \"g\""),
            policy("c", 300, "exclusive_group = \"g\""),
            policy("d", 50, ""),
        ];
        let set = PolicySet::from_sources(None, &files).unwrap();
        assert_eq!(
            granted(&set, 2025),
            vec![Some(0), Some(30_000), Some(0), Some(5_000)]
        );
    }

    #[test]
    fn an_annual_cap_fills_in_policy_order() {
        let cap = "annual_cap = { group = \"g\", amount = 350 }";
        let files = [
            policy("b", 300, cap),
            policy("a", 100, cap),
            policy("c", 100, cap),
        ];
        let set = PolicySet::from_sources(None, &files).unwrap();
        // Sorted a, b, c: 100, then 250 of 300, then 0.
        assert_eq!(
            granted(&set, 2025),
            vec![Some(10_000), Some(25_000), Some(0)]
        );
    }

    #[test]
    fn an_exclusive_group_either_tops_up_or_not() {
        let files = [
            policy("a", 1, "exclusive_group = \"g\"\ntop_up = true"),
            policy("b", 1, "exclusive_group = \"g\""),
        ];
        let errs = PolicySet::from_sources(None, &files).unwrap_err();
        assert!(
            errs.iter().any(|d| d.message_zh.contains("就高补差")),
            "{errs:?}"
        );
    }

    #[test]
    fn inconsistent_groups_and_duplicate_ids_are_reported() {
        let files = [
            policy("a", 1, "annual_cap = { group = \"g\", amount = 350 }"),
            policy("b", 1, "annual_cap = { group = \"g\", amount = 400 }"),
            policy("b", 1, ""),
        ];
        let errs = PolicySet::from_sources(None, &files).unwrap_err();
        assert!(
            errs.iter().any(|d| d.message_en.contains("also used")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|d| d.message_en.contains("cap group")),
            "{errs:?}"
        );
    }
}
