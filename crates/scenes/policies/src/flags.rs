//! The fulfilment's 数智监督 rules: decisions outside office hours, approvals above what the
//! rules computed, and 差评追责 — a bad rating whose follow-up came late or not at all, naming
//! the people who decided the application, so that 纪检 can check whether they failed their duty
//! (seed 001: "经核实确认属于…履职不到位,行政相对人作出差评的,纪检部门对责任人按照有关规定进行追责").

use crate::applications::{TRAIL_OBJECT, page_of};
use crate::ratings::level_label;
use crate::store::flags::{self as store, BadRating, Item};
use crate::yuan;
use chrono::{DateTime, Utc};
use qinqing_domain::office_hours::outside_office_hours;
use qinqing_kernel::flags::{Flag, FlagRule, FlagScope};
use qinqing_kernel::notifications::beijing_minutes;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{App, AppResult};

const OFF_HOURS: FlagRule = FlagRule {
    key: "decision_off_hours",
    label: "非工作时间审批",
    looks_at: "在深夜(22:00 至次日 7:00)或休息日作出的核准、不予通过和免申即享确认。",
};
const ABOVE_COMPUTED: FlagRule = FlagRule {
    key: "approved_above_computed",
    label: "核准金额高于测算金额",
    looks_at: "核准金额高于按申报数据和政策规则测算的金额(平台拒绝这样核准,出现即说明数据被绕过平台改动)。",
};
const LATE_FOLLOW_UP: FlagRule = FlagRule {
    key: "bad_rating_follow_up",
    label: "差评追责",
    looks_at: "企业给出差评后,政策所属部门逾期未回访整改、逾期才回访,或回访核实属于经办人员履职不到位;列出作出审批的人员,供纪检追责。",
};

/// The rules, in the order 纪检 reads them.
pub const RULES: &[FlagRule] = &[LATE_FOLLOW_UP, OFF_HOURS, ABOVE_COMPUTED];

/// What the rules flag in the scope.
pub async fn raise(app: &App, conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let mut raised = late_follow_ups(conn, scope).await?;
    raised.extend(off_hours(app, conn, scope).await?);
    raised.extend(above_computed(conn, scope).await?);
    Ok(raised)
}

/// A flag on an application: `at` is when what it points at happened.
fn flag(
    rule: &FlagRule,
    item: &Item,
    at: DateTime<Utc>,
    reason: String,
    persons: Vec<String>,
) -> Flag {
    Flag {
        rule: rule.key,
        label: format!("{}:{}", item.enterprise_name, item.policy_title),
        reason,
        persons,
        department: Some(item.department.clone()),
        at,
        link: Some(page_of(&item.receipt_no)),
        trail: Some(format!("/trace/{TRAIL_OBJECT}/{}", item.receipt_no)),
    }
}

async fn late_follow_ups(conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let bad = store::bad_ratings(conn, scope.since, scope.now, scope.region_prefix).await?;
    let receipts: Vec<&str> = bad.iter().map(|b| b.item.receipt_no.as_str()).collect();
    let mut deciders = store::deciders(conn, &receipts).await?;
    Ok(bad
        .iter()
        .map(|b| {
            let persons = deciders.remove(&b.item.receipt_no).unwrap_or_default();
            let at = b.followed_up_at.unwrap_or(b.due_at);
            flag(
                &LATE_FOLLOW_UP,
                &b.item,
                at,
                bad_rating_reason(b, scope.now),
                persons,
            )
        })
        .collect())
}

/// What became of a bad rating, in a sentence: when it was given, then whether and when it was
/// followed up and what the follow-up found.
fn bad_rating_reason(b: &BadRating, now: DateTime<Utc>) -> String {
    let rating = match &b.comment {
        Some(c) => format!("{}({})", level_label(b.level), c),
        None => level_label(b.level).to_string(),
    };
    let due = beijing_minutes(b.due_at);
    let mut reason = format!("{} 收到差评“{rating}”;", beijing_minutes(b.rated_at));
    match b.followed_up_at {
        None => reason.push_str(&format!(
            "回访整改应于 {due} 前完成,已逾期 {} 天仍未回访",
            (now - b.due_at).num_days().max(0)
        )),
        Some(done) if done > b.due_at => reason.push_str(&format!(
            "回访整改应于 {due} 前完成,逾期 {} 天才回访",
            (done - b.due_at).num_days().max(0)
        )),
        Some(done) => reason.push_str(&format!("{} 按时回访", beijing_minutes(done))),
    }
    if b.duty_failed {
        let note = b.follow_up_note.as_deref().unwrap_or_default();
        reason.push_str(&format!(";回访核实属于经办人员履职不到位:{note}"));
    }
    reason
}

async fn off_hours(app: &App, conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let calendar = app.calendar();
    let decisions = store::decisions(conn, scope.since, scope.region_prefix).await?;
    Ok(decisions
        .into_iter()
        .filter_map(|d| {
            let when = outside_office_hours(&calendar, d.at)?;
            let what = match d.action.as_str() {
                "approve" => "核准",
                "reject" => "作出不予通过决定",
                _ => "确认免申即享发放",
            };
            let reason = format!("{}({}){what}", beijing_minutes(d.at), when.label_zh());
            Some(flag(&OFF_HOURS, &d.item, d.at, reason, vec![d.decider]))
        })
        .collect())
}

async fn above_computed(conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let above = store::above_computed(conn, scope.since, scope.region_prefix).await?;
    let receipts: Vec<&str> = above.iter().map(|a| a.item.receipt_no.as_str()).collect();
    let mut deciders = store::deciders(conn, &receipts).await?;
    Ok(above
        .iter()
        .map(|a| {
            let reason = format!(
                "核准 {},按规则测算为 {},多出 {}",
                yuan(a.approved),
                yuan(a.computed),
                yuan(a.approved - a.computed)
            );
            let persons = deciders.remove(&a.item.receipt_no).unwrap_or_default();
            flag(&ABOVE_COMPUTED, &a.item, a.decided_at, reason, persons)
        })
        .collect())
}
