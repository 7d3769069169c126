//! What the `qinqing policy check|test|eval` commands call. Functions return values and strings;
//! printing and file output belong to the binary.

use crate::batch::{Columns, SweepResult};
use crate::cases::{CaseFailure, CaseReport, run_cases};
use crate::cross::{Adjustment, Limit};
use crate::diag::Diagnostic;
use crate::eval::{EvalOptions, Evaluation, Outcome, Status, evaluate};
use crate::facts::Facts;
use crate::set::{Cell, PolicySet, SubjectResult};
use crate::text;
use qinqing_domain::Money;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// What `policy check` reports for a valid library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub policies: usize,
    pub cases: usize,
    pub custom_attributes: usize,
    /// One line per policy: "p3-equipment-investment  设备投资补助  (apply, 7 cases)".
    pub lines: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        write!(
            f,
            "{} 项政策、{} 个测试用例、{} 个自定义属性,校验通过 / {} policies, {} cases, {} custom attributes: OK",
            self.policies,
            self.cases,
            self.custom_attributes,
            self.policies,
            self.cases,
            self.custom_attributes
        )
    }
}

/// Validates a policy directory or file: every problem with file and line, or a summary.
///
/// Stricter than loading: every parameter value must name its legal source (文号 and 条款),
/// so a library checked here can show an enterprise where each figure comes from. (Loading
/// alone accepts a parameter without one, so definitions stored before sources existed still
/// evaluate.)
pub fn check(path: &Path) -> Result<Summary, Vec<Diagnostic>> {
    let set = crate::files::load_dir(path)?;
    let unsourced = unsourced_params(&set);
    if !unsourced.is_empty() {
        return Err(unsourced);
    }
    Ok(summarise(&set))
}

/// A diagnostic for each parameter with a value lacking its source, or a source without a
/// document number when the policy has none either.
pub fn unsourced_params(set: &PolicySet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for p in &set.policies {
        for param in p.params.values() {
            let lacking = param.sources.iter().any(|s| match s {
                None => true,
                Some(s) => s.document_no.is_none() && p.document_no.is_none(),
            });
            if lacking {
                out.push(Diagnostic::new(
                    &p.file,
                    param.line,
                    format!(
                        "参数“{}”缺少法律依据:请写明 source = \"第几条\"(本政策文号 document_no)或 source = {{ document_no = \"文号\", article = \"条款\" }}",
                        param.name
                    ),
                    format!(
                        "parameter `{}` lacks its legal source (`source`: document number and article)",
                        param.name
                    ),
                ));
            }
        }
        if p.cross.shares.as_ref().is_some_and(|s| s.source.is_none()) {
            out.push(Diagnostic::new(
                &p.file,
                p.cross.line,
                "分级承担(shares)缺少法律依据:请写明 source = \"第几条\"",
                "`shares` lacks its legal source (`source`)",
            ));
        }
    }
    out
}

/// The summary of a loaded set.
pub fn summarise(set: &PolicySet) -> Summary {
    let lines = set
        .policies
        .iter()
        .map(|p| {
            format!(
                "{}  {}  ({}, {} cases)",
                p.id,
                p.title,
                p.mode.as_str(),
                p.cases.len()
            )
        })
        .collect();
    Summary {
        policies: set.policies.len(),
        cases: set.policies.iter().map(|p| p.cases.len()).sum(),
        custom_attributes: set.schema.attrs().iter().filter(|a| !a.standard).count(),
        lines,
    }
}

/// Runs the embedded cases. A library that does not load reports each diagnostic as a failure.
pub fn test(path: &Path) -> CaseReport {
    match crate::files::load_dir(path) {
        Ok(set) => run_cases(&set),
        Err(diags) => CaseReport {
            passed: 0,
            failures: diags
                .into_iter()
                .map(|d| CaseFailure {
                    file: d.file.clone(),
                    policy_id: String::new(),
                    case: "(加载 / load)".into(),
                    line: d.line,
                    message: format!("{} / {}", d.message_zh, d.message_en),
                })
                .collect(),
        },
    }
}

/// One line of `policy eval` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub credit_code: String,
    pub policy_id: String,
    /// "eligible" | "ineligible" | "undetermined".
    pub outcome: &'static str,
    /// Granted amount after cross-policy rules (eligible only).
    pub amount: Option<Money>,
    /// Why, in Chinese: the computation, the failed tests, or the missing facts.
    pub reason: String,
}

/// Every policy for every subject with exclusive groups, caps and budgets applied, one row per
/// subject and policy of the subject's entity (person policies are not listed for enterprises).
/// Subjects are in approval order (matters for `in_order` budgets).
pub fn eval(set: &PolicySet, subjects: &[Facts], year: i32) -> Vec<ResultRow> {
    let opts = EvalOptions::default();
    let evaluations: Vec<Vec<Evaluation>> = subjects
        .iter()
        .map(|f| {
            set.policies
                .iter()
                .map(|p| evaluate(p, &set.schema, f, year, &opts))
                .collect()
        })
        .collect();
    let mut results: Vec<_> = subjects
        .iter()
        .zip(&evaluations)
        .map(|(f, evs)| {
            let outcomes = evs.iter().map(|e| e.outcome.clone()).collect();
            set.subject_result(f.subject_id.clone(), outcomes)
        })
        .collect();
    set.apply_budgets(&mut results);
    let mut rows = Vec::new();
    for ((r, evs), f) in results.iter().zip(&evaluations).zip(subjects) {
        for ((cell, ev), p) in r.cells.iter().zip(evs).zip(&set.policies) {
            // Person policies are not listed for enterprises, nor the reverse.
            if p.entity != f.entity {
                continue;
            }
            rows.push(ResultRow {
                credit_code: r.subject_id.clone(),
                policy_id: p.id.clone(),
                outcome: cell.outcome.as_str(),
                amount: cell.granted,
                reason: reason(cell, ev, set),
            });
        }
    }
    rows
}

fn reason(cell: &Cell, ev: &Evaluation, set: &PolicySet) -> String {
    let mut s = match &cell.outcome {
        Outcome::Eligible { .. } => ev.reward_text.clone().unwrap_or_default(),
        Outcome::Ineligible => {
            let failed: Vec<&str> = ev
                .checks
                .iter()
                .filter(|c| c.status == Status::Failed)
                .map(|c| c.sentence.as_str())
                .collect();
            let mut s = failed.join(";");
            if let Some(n) = &ev.near_miss {
                let _ = write!(s, "(临界:{})", n.gap);
            }
            s
        }
        Outcome::Undetermined { missing } => {
            let labels: Vec<&str> = missing.iter().map(|m| m.label.as_str()).collect();
            format!("缺少数据:{}", labels.join("、"))
        }
    };
    for a in &cell.adjustments {
        s.push(';');
        s.push_str(&adjustment_text(a, set));
    }
    s
}

/// Why a granted amount is less than the policy's own, in Chinese.
pub fn adjustment_text(a: &Adjustment, set: &PolicySet) -> String {
    match a {
        Adjustment::Excluded { winner, .. } => format!(
            "同一事项就高不重复,已享受“{}”",
            set.policies.get(*winner).map_or("", |p| p.title.as_str())
        ),
        Adjustment::Capped { cap, .. } => format!(
            "受本区工业扶持政策每家企业每年合计上限 {} 限制",
            text::money_round(*cap)
        ),
        Adjustment::Budget { allocation, .. } => match allocation {
            crate::model::Allocation::ProRata => "申领总额超出预算,按比例分配".to_string(),
            crate::model::Allocation::InOrder => "申领总额超出预算,按审批顺序分配".to_string(),
        },
    }
}

/// Why one grant pays less than its policy's own amount, in Chinese; `titles` are the titles of
/// the prior grants the limits refer to by index.
pub fn limit_text(limit: &Limit, titles: &[&str]) -> String {
    match limit {
        Limit::AlreadyGranted { prior, .. } => format!(
            "同一事项就高不重复:本年度已享受“{}”,不再重复给予",
            titles.get(*prior).copied().unwrap_or("同类政策")
        ),
        Limit::TopUp { already, .. } => format!(
            "同一事项就高补差:本年度已享受同类政策 {},只补差额",
            text::money_exact(*already)
        ),
        Limit::CapUsed { cap, used, .. } => format!(
            "同组政策每家企业每年合计不超过 {},本年度已享受 {},只能核定余下的 {}",
            text::money_round(*cap),
            text::money_exact(*used),
            text::money_exact((cap - used).max(0))
        ),
    }
}

/// The header line of `policy eval`'s CSV.
pub const EVAL_CSV_HEADER: &str = "credit_code,policy_id,outcome,amount,reason\n";

/// The CSV of `policy eval`: header [`EVAL_CSV_HEADER`], amounts as "1234.56", fields quoted
/// when they contain commas, quotes or line breaks.
pub fn rows_to_csv(rows: &[ResultRow]) -> String {
    let mut out = String::from(EVAL_CSV_HEADER);
    for r in rows {
        push_csv_line(
            &mut out,
            [&r.credit_code, &r.policy_id, r.outcome],
            r.amount,
            &r.reason,
        );
    }
    out
}

/// Appends the `policy eval` lines (no header) of the rows `rows` of a column sweep: one per
/// row and policy of the store's entity, like [`eval`]. `reasons` holds, for the rows explained,
/// one reason per policy ([`reasons`]); other rows have none.
pub fn sweep_csv(
    set: &PolicySet,
    cols: &Columns,
    result: &SweepResult,
    rows: std::ops::Range<usize>,
    reasons: &HashMap<usize, Vec<String>>,
    out: &mut String,
) {
    let policies: Vec<usize> = (0..set.policies.len())
        .filter(|&p| set.policies[p].entity == cols.entity)
        .collect();
    for row in rows {
        let code = cols.subject_id(row);
        let why = reasons.get(&row);
        for &p in &policies {
            let reason = why.and_then(|w| w.get(p)).map_or("", String::as_str);
            push_csv_line(
                out,
                [code, &set.policies[p].id, result.outcome_name(p, row)],
                result.granted(p, row),
                reason,
            );
        }
    }
}

fn push_csv_line(out: &mut String, fields: [&str; 3], amount: Option<Money>, reason: &str) {
    for f in fields {
        out.push_str(&csv_field(f));
        out.push(',');
    }
    if let Some(m) = amount {
        let _ = write!(out, "{m}");
    }
    out.push(',');
    out.push_str(&csv_field(reason));
    out.push('\n');
}

/// The reason [`eval`] gives for each policy (indexed like the set's policies) of one subject,
/// given the amounts a whole-population run granted it (`granted(policy)`), which include the
/// budgets shared with the other subjects.
pub fn reasons(
    set: &PolicySet,
    facts: &Facts,
    year: i32,
    granted: impl Fn(usize) -> Option<Money>,
) -> Vec<String> {
    let (evs, mut result) = evaluate_subject(set, facts, year);
    for (p, cell) in result.cells.iter_mut().enumerate() {
        let paid = granted(p);
        if paid == cell.granted {
            continue;
        }
        cell.granted = paid;
        if let Some(pool) = set
            .cross
            .pools
            .iter()
            .find(|pool| pool.members.contains(&p))
        {
            cell.adjustments.push(Adjustment::Budget {
                pool: pool.name.clone(),
                allocation: pool.allocation,
            });
        }
    }
    result
        .cells
        .iter()
        .zip(&evs)
        .map(|(cell, ev)| reason(cell, ev, set))
        .collect()
}

/// Every policy for one subject, explained, and the subject's amounts after exclusive groups
/// and annual caps (budgets, which span subjects, not applied).
fn evaluate_subject(set: &PolicySet, facts: &Facts, year: i32) -> (Vec<Evaluation>, SubjectResult) {
    let opts = EvalOptions::default();
    let evs: Vec<Evaluation> = set
        .policies
        .iter()
        .map(|p| evaluate(p, &set.schema, facts, year, &opts))
        .collect();
    let outcomes = evs.iter().map(|e| e.outcome.clone()).collect();
    let result = set.subject_result(facts.subject_id.clone(), outcomes);
    (evs, result)
}

fn csv_field(f: &str) -> std::borrow::Cow<'_, str> {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\"")).into()
    } else {
        f.into()
    }
}

/// One subject against the whole library, in Chinese prose: what it gets and why, what data
/// would decide the undetermined ones, and why the others do not apply. Exclusive groups and
/// annual caps are applied; budgets, which depend on all other claimants, are not.
pub fn explain(set: &PolicySet, facts: &Facts, year: i32) -> String {
    let (evs, result) = evaluate_subject(set, facts, year);
    let mut eligible = Vec::new();
    let mut undetermined = Vec::new();
    let mut ineligible = Vec::new();
    for (i, ev) in evs.iter().enumerate() {
        if set.policies[i].entity != facts.entity {
            continue;
        }
        match ev.outcome {
            Outcome::Eligible { .. } => eligible.push(i),
            Outcome::Undetermined { .. } => undetermined.push(i),
            Outcome::Ineligible => ineligible.push(i),
        }
    }
    let total: i64 = result
        .cells
        .iter()
        .filter_map(|c| c.granted.map(Money::fen))
        .sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}({}){year} 年度政策匹配结果",
        facts.name, facts.subject_id
    );
    let _ = writeln!(
        s,
        "符合条件 {} 项,合计可获 {};待补充资料 {} 项;不符合 {} 项。",
        eligible.len(),
        text::money_exact(total),
        undetermined.len(),
        ineligible.len()
    );
    if !eligible.is_empty() {
        let _ = writeln!(s, "\n一、符合条件");
        for (n, &i) in eligible.iter().enumerate() {
            let (p, ev, cell) = (&set.policies[i], &evs[i], &result.cells[i]);
            let granted = cell.granted.map_or(0, Money::fen);
            let _ = writeln!(
                s,
                "{}. {}({}):可获 {}",
                n + 1,
                p.title,
                p.mode.label_zh(),
                text::money_exact(granted)
            );
            if let Some(r) = &ev.reward_text {
                let _ = writeln!(s, "   计算:{r}");
            }
            for a in &cell.adjustments {
                let _ = writeln!(s, "   调整:{}", adjustment_text(a, set));
            }
            for c in &ev.checks {
                let _ = writeln!(s, "   ✓ {}", c.sentence);
            }
        }
    }
    if !undetermined.is_empty() {
        let _ = writeln!(s, "\n二、待补充资料");
        for (n, &i) in undetermined.iter().enumerate() {
            let ev = &evs[i];
            if let Outcome::Undetermined { missing } = &ev.outcome {
                let labels: Vec<&str> = missing.iter().map(|m| m.label.as_str()).collect();
                let _ = writeln!(
                    s,
                    "{}. {}:补充{}即可判断",
                    n + 1,
                    set.policies[i].title,
                    labels.join("、")
                );
            }
            for c in ev.checks.iter().filter(|c| c.status != Status::Passed) {
                let mark = if c.status == Status::Unknown {
                    "?"
                } else {
                    "✗"
                };
                let _ = writeln!(s, "   {mark} {}", c.sentence);
            }
        }
    }
    if !ineligible.is_empty() {
        let _ = writeln!(s, "\n三、不符合");
        for (n, &i) in ineligible.iter().enumerate() {
            let ev = &evs[i];
            let near = if ev.near_miss.is_some() {
                "(临界)"
            } else {
                ""
            };
            let _ = writeln!(s, "{}. {}{near}", n + 1, set.policies[i].title);
            for c in ev.checks.iter().filter(|c| c.status == Status::Failed) {
                let _ = writeln!(s, "   ✗ {}", c.sentence);
            }
            if let Some(nm) = &ev.near_miss {
                let _ = writeln!(s, "   临界:{},{}", nm.sentence, nm.gap);
            }
        }
    }
    s
}
