//! Running the test cases embedded in policy files (`qinqing policy test`).
//!
//! A case evaluates its policy alone for its facts and year, and compares the outcome, the
//! amount (before cross-policy rules, which depend on the other policies and subjects), and when
//! given the missing facts and the near-miss flag.

use crate::eval::{EvalOptions, Outcome, evaluate};
use crate::model::{Case, Expect, Policy};
use crate::schema::Schema;
use crate::set::PolicySet;
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
            match run_case(p, &set.schema, case) {
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
