//! Running the test cases embedded in policy files (`qinqing policy test`).
//!
//! A case evaluates its policy alone for its facts and year, and compares the outcome, the
//! amount (before cross-policy rules, which depend on the other policies and subjects), and when
//! given the missing facts and the near-miss flag; then, where it states them, the amount
//! granted after the cross-policy rules given the grants of the year before it and the budget
//! left (`granted_amount`), and each fiscal level's share (`shares`).

use crate::cross::{PriorGrant, allowance};
use crate::eval::{EvalOptions, Outcome, evaluate};
use crate::model::{Case, Expect, Level, Policy};
use crate::schema::Schema;
use crate::set::PolicySet;
use qinqing_domain::Money;
use std::fmt;

/// The result of running cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseReport {
    pub passed: usize,
    pub failures: Vec<CaseFailure>,
}

/// A case that did not give what it expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFailure {
    pub file: String,
    pub policy_id: String,
    pub case: String,
    pub line: usize,
    pub message: String,
}

impl CaseReport {
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    pub fn is_success(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One line per failure, then "N passed, M failed".
impl fmt::Display for CaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for x in &self.failures {
            writeln!(
                f,
                "{}:{}: {} «{}»: {}",
                x.file, x.line, x.policy_id, x.case, x.message
            )?;
        }
        write!(f, "{} passed, {} failed", self.passed, self.failed())
    }
}

/// Runs every case of every policy of the set.
pub fn run_cases(set: &PolicySet) -> CaseReport {
    let mut report = CaseReport::default();
    for p in &set.policies {
        for case in &p.cases {
            match run_case(p, &set.schema, case).and_then(|()| check_granted(set, p, case)) {
                Ok(()) => report.passed += 1,
                Err(message) => report.failures.push(CaseFailure {
                    file: p.file.clone(),
                    policy_id: p.id.clone(),
                    case: case.name.clone(),
                    line: case.line,
                    message,
                }),
            }
        }
    }
    report
}

/// The amount granted after the cross-policy rules (the case's `earlier` grants of the year, the
/// budget left) and each fiscal level's share of it, where the case states them.
fn check_granted(set: &PolicySet, policy: &Policy, case: &Case) -> Result<(), String> {
    if case.granted_amount.is_none() && case.shares.is_none() {
        return Ok(());
    }
    let own = evaluate(
        policy,
        &set.schema,
        &case.facts,
        case.year,
        &EvalOptions::default(),
    )
    .outcome
    .amount()
    .map_or(0, Money::fen);
    let mut prior = Vec::with_capacity(case.earlier.len());
    for (id, amount) in &case.earlier {
        let earlier = set.get(id).ok_or_else(|| {
            format!("earlier 中的政策“{id}”不在政策库中 / unknown policy `{id}` in `earlier`")
        })?;
        prior.push(PriorGrant {
            cross: &earlier.cross,
            amount: amount.fen(),
        });
    }
    let mut granted = allowance(&policy.cross, own, &prior).amount;
    if let Some(left) = case.budget_left {
        granted = granted.min(left.fen());
    }
    if let Some(want) = case.granted_amount
        && want.fen() != granted
    {
        let have = Money::from_fen(granted);
        return Err(format!(
            "期望核准金额 {want},实际 {have} / expected granted amount {want}, got {have}"
        ));
    }
    let Some(want) = &case.shares else {
        return Ok(());
    };
    let have: Vec<(Level, Money)> = policy
        .cross
        .shares
        .as_ref()
        .map(|s| s.split(granted))
        .unwrap_or_default()
        .into_iter()
        .map(|(l, fen)| (l, Money::from_fen(fen)))
        .collect();
    if *want != have {
        let text = |v: &[(Level, Money)]| {
            let parts: Vec<String> = v
                .iter()
                .map(|(l, m)| format!("{} {m}", l.label_zh()))
                .collect();
            parts.join("、")
        };
        return Err(format!(
            "期望分级承担 {},实际 {} / shares differ",
            text(want),
            text(&have)
        ));
    }
    Ok(())
}

/// `Err` names what differed.
pub fn run_case(policy: &Policy, schema: &Schema, case: &Case) -> Result<(), String> {
    let e = evaluate(
        policy,
        schema,
        &case.facts,
        case.year,
        &EvalOptions::default(),
    );
    let got = match &e.outcome {
        Outcome::Eligible { .. } => Expect::Eligible,
        Outcome::Ineligible => Expect::Ineligible,
        Outcome::Undetermined { .. } => Expect::Undetermined,
    };
    let why = || {
        let failed: Vec<&str> = e
            .checks
            .iter()
            .filter(|c| c.status != crate::eval::Status::Passed)
            .map(|c| c.sentence.as_str())
            .collect();
        if failed.is_empty() {
            String::new()
        } else {
            format!("({})", failed.join(";"))
        }
    };
    if got != case.expect {
        return Err(format!(
            "期望 {},实际 {}{} / expected {}, got {}",
            case.expect.as_str(),
            got.as_str(),
            why(),
            case.expect.as_str(),
            got.as_str()
        ));
    }
    if let (Some(want), Some(have)) = (case.amount, e.outcome.amount())
        && want != have
    {
        return Err(format!(
            "期望金额 {want},实际 {have} / expected amount {want}, got {have}"
        ));
    }
    if let (Some(want), Outcome::Undetermined { missing }) = (&case.missing, &e.outcome) {
        let mut want = want.clone();
        want.sort();
        let mut have: Vec<String> = missing.iter().map(|m| m.key.clone()).collect();
        have.sort();
        if want != have {
            return Err(format!(
                "缺失数据应为 {want:?},实际 {have:?} / missing facts differ"
            ));
        }
    }
    if let Some(want) = case.near_miss
        && want != e.near_miss.is_some()
    {
        return Err(format!(
            "临界标记应为 {want},实际 {} / near-miss flag differs",
            e.near_miss.is_some()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "id = \"a\"\ntitle = \"a\"\ndepartment = \"d\"\nlevel = \"district\"\nmode = \"apply\"\neffective = { from = 2024-01-01 }\n[reward]\nfixed = \"100\"\n[cross]\nannual_cap = { group = \"c\", amount = \"150\" }\nshares = { municipal = 1, district = 2, source = \"第五条\" }\n";

    fn report(cases: &str) -> CaseReport {
        let files = [("a.toml".to_string(), format!("{POLICY}{cases}"))];
        run_cases(&PolicySet::from_sources(None, &files).unwrap())
    }

    #[test]
    fn a_case_states_what_is_granted_after_the_cap_and_the_budget_and_who_pays() {
        let ok = report(
            "[[case]]\nname = \"cap\"\nyear = 2025\nexpect = \"eligible\"\namount = \"100\"\nearlier = [{ policy = \"a\", amount = \"90\" }]\ngranted_amount = \"60\"\nshares = { municipal = \"20\", district = \"40\" }\n\n[[case]]\nname = \"budget\"\nyear = 2025\nexpect = \"eligible\"\namount = \"100\"\nbudget_left = \"30\"\ngranted_amount = \"30\"\nshares = { municipal = \"10\", district = \"20\" }\n",
        );
        assert_eq!((ok.passed, ok.failures.len()), (2, 0), "{:?}", ok.failures);
        let wrong = report(
            "[[case]]\nname = \"cap\"\nyear = 2025\nexpect = \"eligible\"\namount = \"100\"\nearlier = [{ policy = \"a\", amount = \"90\" }]\ngranted_amount = \"100\"\n\n[[case]]\nname = \"shares\"\nyear = 2025\nexpect = \"eligible\"\namount = \"100\"\nshares = { municipal = \"50\", district = \"50\" }\n\n[[case]]\nname = \"unknown\"\nyear = 2025\nexpect = \"eligible\"\namount = \"100\"\nearlier = [{ policy = \"b\", amount = \"1\" }]\ngranted_amount = \"100\"\n",
        );
        let messages: Vec<&str> = wrong.failures.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "期望核准金额 100.00,实际 60.00 / expected granted amount 100.00, got 60.00",
                "期望分级承担 市级 50.00、区级 50.00,实际 市级 33.33、区级 66.67 / shares differ",
                "earlier 中的政策“b”不在政策库中 / unknown policy `b` in `earlier`",
            ]
        );
    }
}
