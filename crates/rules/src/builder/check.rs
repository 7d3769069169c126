//! What a clerk filled in wrongly, in Chinese, naming the field as the page labels it. Only
//! the fields whose mistakes the definition's own checks would word in its keys, or that the
//! writer would leave out: everything else is checked when the definition is read.

use super::{Form, Row};
use chrono::NaiveDate;

/// The page's labels of a row's fields.
const CONSECUTIVE_YEARS: &str = "连续年数";
const RECOGNISED_FROM: &str = "认定日期自";
const RECOGNISED_TO: &str = "认定日期至";

/// Every problem of the form, one sentence each; empty when the form can be written.
pub fn problems(form: &Form) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in form.conditions.iter().enumerate() {
        row(&format!("第 {} 项条件", i + 1), r, &mut out);
    }
    for (k, tier) in form.reward.tiers.iter().enumerate() {
        for (j, r) in tier.conditions.iter().enumerate() {
            row(
                &format!("第 {} 档的第 {} 项条件", k + 1, j + 1),
                r,
                &mut out,
            );
        }
    }
    out
}

fn row(name: &str, r: &Row, out: &mut Vec<String>) {
    let years = r.consecutive_years.trim();
    if r.op.takes_consecutive_years()
        && !years.is_empty()
        && !years.parse::<u8>().is_ok_and(|n| (1..=10).contains(&n))
    {
        out.push(format!(
            "{name}的“{CONSECUTIVE_YEARS}”应为 1 到 10 之间的整数(只要求当年时不填),现为“{years}”"
        ));
    }
    if !r.op.takes_recognition_window() {
        return;
    }
    let mut date = |label: &str, text: &str| match text.trim() {
        "" => None,
        t => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                out.push(format!("{name}的“{label}”应为日期,如 2023-01-01,现为“{t}”"));
                None
            }
        },
    };
    let from = date(RECOGNISED_FROM, &r.recognised_from);
    let to = date(RECOGNISED_TO, &r.recognised_to);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        out.push(format!(
            "{name}的“{RECOGNISED_FROM}”({from})晚于“{RECOGNISED_TO}”({to})"
        ));
    }
}
