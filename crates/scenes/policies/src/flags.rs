//! The fulfilment's 数智监督 rules: decisions outside office hours, approvals above what the rules
//! computed, and 差评追责 — a bad rating whose follow-up came late or not at all, naming the
//! people who decided the application, so that 纪检 can check whether they failed their duty
//! (seed 001: "经核实确认属于…履职不到位,行政相对人作出差评的,纪检部门对责任人按照有关规定进行追责");
//! many awards to one enterprise from policies sharing a cross-policy rule; and one person
//! approving what they entered themselves (自己录入自己审批).

use crate::applications::{TRAIL_OBJECT, page_of};
use crate::grant_rules;
use crate::ratings::level_label;
use crate::store::flags::{self as store, BadRating, Before, Earlier, Grant, Item};
use crate::yuan;
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::enterprise::FIGURE_FIELDS;
use qinqing_domain::office_hours::outside_office_hours;
use qinqing_kernel::flags::{Flag, FlagRule, FlagScope, LOOK_BACK_DAYS};
use qinqing_kernel::notifications::beijing_minutes;
use qinqing_kernel::store::Conn;
use qinqing_kernel::{App, AppResult};
use qinqing_rules::model::CrossRules;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

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

const MANY_AWARDS: FlagRule = FlagRule {
    key: "many_awards_in_group",
    label: "同类奖补集中于一家企业",
    looks_at: "同一企业在同一政策年度,从同一事项(就高不重复)或共用年度合计上限的政策中获得 3 项以上奖补;或同一事项的奖补合计超过其中最高一项(平台按就高补差核准,不会出现,出现即说明数据被绕过平台改动)。",
};
const SELF_APPROVAL: FlagRule = FlagRule {
    key: "self_approval",
    label: "自己录入自己审批",
    looks_at: "作出最终核准、或核对发布免申即享的人,在此前 90 天内亲自修改过该企业的资料(经营数据、资质、登记信息,联系电话除外)、提交过这份申报,或以亲清管家、受托代办人身份代该企业办理过业务(工作人员替企业登记来电诉求不算)。数据录入和审批应由不同的人把关。",
};

/// The rules, in the order 纪检 reads them.
pub const RULES: &[FlagRule] = &[
    LATE_FOLLOW_UP,
    OFF_HOURS,
    ABOVE_COMPUTED,
    MANY_AWARDS,
    SELF_APPROVAL,
];

/// An enterprise granted this many awards in one exclusive group or under one annual cap in
/// one policy year is flagged: the rules let several policies share a cap, but three or more
/// grants to one enterprise from policies meant to be alternatives is where money is steered.
const MANY_IN_GROUP: usize = 3;

/// How many of the things a person did before approving a self-approval flag names (the
/// latest); the trail has the rest.
const DEEDS_SHOWN: usize = 3;

/// What the rules flag in the scope.
pub async fn raise(app: &App, conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let mut raised = late_follow_ups(conn, scope).await?;
    raised.extend(off_hours(app, conn, scope).await?);
    raised.extend(above_computed(conn, scope).await?);
    raised.extend(many_awards(conn, scope).await?);
    raised.extend(self_approvals(conn, scope).await?);
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

/// The grants of one enterprise's policy year that share a cross-policy rule.
struct Shared<'a> {
    /// 同一事项 (an exclusive group) or an annual cap, with its amount.
    cap: Option<i64>,
    grants: Vec<&'a Grant>,
}

async fn many_awards(conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let grants = store::grants_in_busy_years(conn, scope.since, scope.region_prefix).await?;
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let schema = crate::schema(conn).await?;
    let mut rules: HashMap<(i64, i64), CrossRules> = HashMap::new();
    for g in &grants {
        let key = (g.policy_id, g.policy_version);
        if let Entry::Vacant(e) = rules.entry(key) {
            e.insert(grant_rules::cross_rules(conn, &schema, key.0, key.1).await?);
        }
    }
    // Each enterprise's policy year, its grants grouped by the rule they share.
    let mut shared: BTreeMap<(i64, i64, bool, String), Shared<'_>> = BTreeMap::new();
    for g in &grants {
        let cross = &rules[&(g.policy_id, g.policy_version)];
        if let Some(group) = &cross.exclusive_group {
            shared
                .entry((g.enterprise_id, g.year, true, group.clone()))
                .or_insert(Shared {
                    cap: None,
                    grants: Vec::new(),
                })
                .grants
                .push(g);
        }
        if let Some((group, cap)) = &cross.annual_cap {
            shared
                .entry((g.enterprise_id, g.year, false, group.clone()))
                .or_insert(Shared {
                    cap: Some(cap.fen()),
                    grants: Vec::new(),
                })
                .grants
                .push(g);
        }
    }
    let mut flagged = Vec::new();
    for ((_, year, exclusive, _), s) in &shared {
        let Some(last) = s.grants.iter().max_by_key(|g| g.decided_at) else {
            continue;
        };
        if last.decided_at < scope.since {
            continue;
        }
        if let Some(reason) = group_reason(*year, *exclusive, s) {
            flagged.push((*last, reason, s));
        }
    }
    let receipts: Vec<&str> = flagged
        .iter()
        .flat_map(|(_, _, s)| s.grants.iter().map(|g| g.item.receipt_no.as_str()))
        .collect();
    let by = store::granted_by(conn, &receipts).await?;
    Ok(flagged
        .into_iter()
        .map(|(last, reason, s)| {
            let mut persons: Vec<String> = Vec::new();
            for name in s
                .grants
                .iter()
                .flat_map(|g| by.get(&g.item.receipt_no))
                .flatten()
            {
                if !persons.contains(name) {
                    persons.push(name.clone());
                }
            }
            Flag {
                label: format!("{}({} 政策年度)", last.item.enterprise_name, last.year),
                ..flag(&MANY_AWARDS, &last.item, last.decided_at, reason, persons)
            }
        })
        .collect())
}

/// Why the grants sharing a rule are flagged, or `None` when they are not: too many of them,
/// or an exclusive group (or a cap) paying out more than it can.
fn group_reason(year: i64, exclusive: bool, s: &Shared<'_>) -> Option<String> {
    let total: i64 = s.grants.iter().map(|g| g.approved).sum();
    let highest = s
        .grants
        .iter()
        .map(|g| g.computed.unwrap_or(g.approved).max(g.approved))
        .max()
        .unwrap_or(0);
    let over = if exclusive {
        (total > highest).then(|| format!("合计超过其中最高一项 {}", yuan(highest)))
    } else {
        s.cap
            .filter(|cap| total > *cap)
            .map(|cap| format!("合计超过共用的年度上限 {}", yuan(cap)))
    };
    if over.is_none() && s.grants.len() < MANY_IN_GROUP {
        return None;
    }
    let rule = match (exclusive, s.cap) {
        (true, _) => "同一事项(就高不重复)的".to_string(),
        (false, Some(cap)) => format!("共用年度合计上限 {} 的", yuan(cap)),
        (false, None) => "共用年度合计上限的".to_string(),
    };
    let listed: Vec<String> = s
        .grants
        .iter()
        .map(|g| {
            format!(
                "“{}”{}({} 核准)",
                g.item.policy_title,
                yuan(g.approved),
                beijing_minutes(g.decided_at)
            )
        })
        .collect();
    let mut reason = format!(
        "{year} 政策年度从{rule} {} 项政策获得奖补:{},合计 {}",
        s.grants.len(),
        listed.join("、"),
        yuan(total)
    );
    if let Some(over) = over {
        reason.push_str(&format!(";{over},平台不会这样核准,说明数据被绕过平台改动"));
    }
    Some(reason)
}

async fn self_approvals(conn: &mut Conn, scope: &FlagScope<'_>) -> AppResult<Vec<Flag>> {
    let look_back = Duration::days(LOOK_BACK_DAYS);
    let before = store::done_before(
        conn,
        scope.since,
        scope.since - look_back,
        scope.region_prefix,
    )
    .await?;
    let mut by_step: BTreeMap<i64, Vec<&Before>> = BTreeMap::new();
    for b in &before {
        by_step.entry(b.step_id).or_default().push(b);
    }
    let ids: Vec<i64> = by_step.keys().copied().collect();
    let commitments = store::commitments(conn, &ids).await?;
    Ok(commitments
        .iter()
        .filter_map(|c| {
            let mut done: Vec<&Before> = by_step
                .get(&c.step_id)?
                .iter()
                .copied()
                .filter(|b| b.at >= c.at - look_back && b.at <= c.at)
                .collect();
            done.sort_by_key(|b| b.at);
            let mut deeds: Vec<String> = done.iter().filter_map(|b| deed(b)).collect();
            if deeds.is_empty() {
                return None;
            }
            if deeds.len() > DEEDS_SHOWN {
                let n = deeds.len();
                deeds.drain(..n - DEEDS_SHOWN);
                deeds[0] = format!("(共 {n} 次,以下是最近 {DEEDS_SHOWN} 次){}", deeds[0]);
            }
            let what = match c.action.as_str() {
                "release" => "核对发布了该企业的免申即享",
                _ => "核准了这份申报",
            };
            let amount = c
                .amount
                .map(|a| format!(",金额 {}", yuan(a)))
                .unwrap_or_default();
            let reason = format!(
                "{}{};随后于 {} {what}{amount}",
                c.decider,
                deeds.join(";"),
                beijing_minutes(c.at)
            );
            Some(flag(
                &SELF_APPROVAL,
                &c.item,
                c.at,
                reason,
                vec![c.decider.clone()],
            ))
        })
        .collect())
}

/// What a person did before the commitment, in words; `None` for a change that the decision
/// does not depend on (only the contact phone).
fn deed(b: &Before) -> Option<String> {
    let when = beijing_minutes(b.at);
    match &b.what {
        Earlier::Submitted => Some(format!("于 {when} 提交了这份申报")),
        Earlier::OnBehalf(_) => Some(format!("于 {when} 以企业身份代其办理过业务")),
        Earlier::Profile(changes) => {
            let changed: Vec<String> = changes
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(change_text)
                .collect();
            (!changed.is_empty())
                .then(|| format!("于 {when} 修改了该企业的资料:{}", changed.join("、")))
        }
    }
}

/// One change of a profile as the trail recorded it, in words: a figure with its values, any
/// other field by name; the contact phone is left out.
fn change_text(change: &serde_json::Value) -> Option<String> {
    let field = change["field"].as_str()?;
    if let Some((_, label)) = FIGURE_FIELDS.iter().find(|(f, _)| *f == field) {
        let label = label.split('(').next().unwrap_or(label);
        let value = |v: &serde_json::Value| v.as_str().unwrap_or("空").to_string();
        let year = change["year"]
            .as_i64()
            .map(|y| format!("{y} 年"))
            .unwrap_or_default();
        return Some(format!(
            "{year}{label}由 {} 改为 {}",
            value(&change["old"]),
            value(&change["new"])
        ));
    }
    let label = match field {
        "contact_phone" => return None,
        "name" => "企业名称",
        "legal_representative" => "法定代表人",
        "industry_code" => "所属行业",
        "region_code" => "所在区划",
        "ownership" => "登记注册类型",
        "established_on" => "成立日期",
        "credit_status" => "信用状况",
        "qualifications" => "资质认定",
        _ => "其他资料",
    };
    Some(label.to_string())
}
