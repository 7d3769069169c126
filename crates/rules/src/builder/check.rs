//! What a clerk filled in wrongly, in Chinese, naming the field as the page labels it. Only
//! the fields whose mistakes the definition's own checks would word in its keys, or that the
//! writer would leave out (a single level's share): everything else is checked when the
//! definition is read.

use super::{Form, Level, Row, SharesForm};
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
    shares(&form.cross.shares, &mut out);
    out
}

/// The page's label of a level's parts: 省级份额.
pub fn share_label(level: Level) -> String {
    format!("{}份额", level.label_zh())
}

const SHARES_SOURCE: &str = "分级承担依据(条款)";
const SHARES_DOCUMENT_NO: &str = "分级承担依据的文号";

/// 分级承担: whole parts of 1 to 100, at least two levels, a source only with them.
fn shares(s: &SharesForm, out: &mut Vec<String>) {
    let given = s.given();
    for (level, parts) in &given {
        let parts = parts.trim();
        if !parts.parse::<u32>().is_ok_and(|n| (1..=100).contains(&n)) {
            let label = share_label(*level);
            out.push(format!(
                "分级承担的“{label}”应为 1 到 100 的整数(如省、市、区按 8:1:1 分担时省级填 8),现为“{parts}”"
            ));
        }
    }
    match given.as_slice() {
        [(level, _)] => out.push(format!(
            "分级承担须填写至少两级财政的份额(如市级 1、区级 1 即市、区按 1:1 分担),现只填了“{}”",
            share_label(*level)
        )),
        [] if !s.source.trim().is_empty() => out.push(format!(
            "填写了“{SHARES_SOURCE}”,还须填写至少两级财政的份额"
        )),
        _ => {}
    }
    if s.source.trim().is_empty() && !s.source_document_no.trim().is_empty() {
        out.push(format!(
            "填写了“{SHARES_DOCUMENT_NO}”,还须填写“{SHARES_SOURCE}”"
        ));
    }
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
