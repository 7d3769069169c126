//! 研判: what the requests of a region and period say — where they come from (category,
//! department, town, month), how fast they are answered and resolved, which enterprises and
//! subjects keep coming back, and which problems are still unresolved. For leads, supervisors,
//! administrators and the staff of a town or the district, each within its region; exported as
//! CSV or XLSX.
//!
//! Counts are grouped in SQL; medians and the Beijing month of each request are computed here,
//! from one row of times per request, because the two databases share no median or time-zone
//! arithmetic.

use crate::store::request_analysis::{self as store, Dimension, Group, Period, Timing, Unresolved};
use crate::store::requests::RequestRow;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use qinqing_domain::deadline::beijing;
use qinqing_domain::org::{OrgKind, Role, Scope};
use qinqing_exchange::table::{Cell, Table};
use qinqing_kernel::principal::region_prefix;
use qinqing_kernel::store::orgs;
use qinqing_kernel::{App, AppError, AppResult, Principal};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Requests of one enterprise this close together count as repeats.
pub const REPEAT_DAYS: i64 = 90;
/// Titles agreeing in this many leading characters (punctuation and spaces removed) are taken
/// to be on the same subject.
pub const SUBJECT_CHARS: usize = 8;
/// The longest period one analysis covers, in months.
const MAX_MONTHS: i64 = 24;
/// The months shown when no period is asked for (this one and the five before).
const DEFAULT_MONTHS: i64 = 6;
/// How many requests each list of unresolved problems shows.
const TOP: i64 = 10;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AnalysisQuery {
    /// First month, YYYY-MM (Beijing time); default five months before `to`.
    pub from: Option<String>,
    /// Last month, YYYY-MM; default this month.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupRow {
    pub key: String,
    pub label: String,
    pub total: i64,
    pub in_hand: i64,
    pub closed: i64,
    /// Bar length for the chart: percent of the largest group.
    pub bar: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    /// YYYY-MM
    pub month: String,
    pub total: i64,
    pub bar: i64,
}

/// How long something took, over the requests where it happened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeFigures {
    /// Requests measured (answered, or past due unanswered for the on-time share).
    pub measured: usize,
    /// One decimal, in `unit`.
    pub median: Option<String>,
    pub average: Option<String>,
    /// 小时 | 天
    pub unit: &'static str,
    /// Done within the limit, in basis points; requests past due and not done count as late.
    pub on_time_bp: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepeatEnterprise {
    pub enterprise_name: String,
    /// Requests of the period within 90 days of another of the same enterprise.
    pub count: usize,
    pub receipts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepeatSubject {
    pub category_name: String,
    pub town: String,
    /// The title of the first request of the group.
    pub title: String,
    pub count: usize,
    pub receipts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemRow {
    pub receipt_no: String,
    pub enterprise_name: String,
    pub category_name: String,
    pub title: String,
    pub owner_name: String,
    pub status_label: &'static str,
    pub grade: i64,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Analysis {
    /// The region analysed (全区 or the organisation's name).
    pub scope: String,
    pub from: String,
    pub to: String,
    pub total: i64,
    pub in_hand: i64,
    pub closed: i64,
    pub by_category: Vec<GroupRow>,
    pub by_department: Vec<GroupRow>,
    pub by_town: Vec<GroupRow>,
    pub by_month: Vec<MonthRow>,
    pub response: TimeFigures,
    pub resolution: TimeFigures,
    pub repeat_enterprises: Vec<RepeatEnterprise>,
    pub repeat_subjects: Vec<RepeatSubject>,
    /// Still in hand, waiting longest (whenever filed).
    pub oldest: Vec<ProblemRow>,
    /// Past their resolution limit.
    pub overdue: Vec<ProblemRow>,
    /// Reopened after an unsatisfied follow-up.
    pub reopened: Vec<ProblemRow>,
}

/// Leads, supervisors and administrators; and the staff of a town or the district, who watch
/// their region's requests.
async fn may_view(app: &App, who: &Principal) -> AppResult<bool> {
    if matches!(who.role, Role::DepartmentLead | Role::Admin) || who.role.is_supervisor() {
        return Ok(true);
    }
    if !who.role.is_staff() || who.role == Role::Steward {
        return Ok(false);
    }
    let mut conn = app.db.conn().await?;
    let kind = orgs::get(&mut conn, who.org_id).await?.map(|o| o.kind);
    Ok(matches!(kind, Some(OrgKind::Town | OrgKind::District)))
}

/// The requests named in the analysis that `who` may open: a lead reads the district's figures
/// but opens only the requests that reached the department, so the page links only those.
pub async fn openable(app: &App, who: &Principal, a: &Analysis) -> AppResult<HashSet<String>> {
    let named: HashSet<&String> = a
        .repeat_enterprises
        .iter()
        .flat_map(|r| &r.receipts)
        .chain(a.repeat_subjects.iter().flat_map(|r| &r.receipts))
        .chain(
            [&a.oldest, &a.overdue, &a.reopened]
                .into_iter()
                .flatten()
                .map(|p| &p.receipt_no),
        )
        .collect();
    let mut conn = app.db.conn().await?;
    let mut open = HashSet::new();
    for receipt in named {
        match crate::access::visible_row(&mut conn, who, receipt).await {
            Ok(_) => {
                open.insert(receipt.clone());
            }
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(open)
}

fn parse_month(field: &str, text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, "月份应写成 YYYY-MM,例如 2026-03"))
}

fn add_months(d: NaiveDate, n: i64) -> NaiveDate {
    let months = i64::from(d.year()) * 12 + i64::from(d.month0()) + n;
    let (year, month0) = (months.div_euclid(12), months.rem_euclid(12));
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, u32::try_from(month0).ok()? + 1, 1))
        .unwrap_or(d)
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month0())
        - i64::from(from.month0())
}

/// Midnight in Beijing at the start of `month`, as UTC.
fn month_start(month: NaiveDate) -> DateTime<Utc> {
    let midnight = month.and_hms_opt(0, 0, 0).unwrap_or_default();
    beijing()
        .from_local_datetime(&midnight)
        .single()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The first and last month asked for, checked.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn months(q: &AnalysisQuery, now: DateTime<Utc>) -> AppResult<(NaiveDate, NaiveDate)> {
    let today = now.with_timezone(&beijing()).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let to = match given(&q.to) {
        Some(t) => parse_month("to", t)?,
        None => this_month,
    };
    let from = match given(&q.from) {
        Some(f) => parse_month("from", f)?,
        None => add_months(to, 1 - DEFAULT_MONTHS),
    };
    if from > to {
        return Err(AppError::invalid("from", "起始月份不能晚于截止月份"));
    }
    if months_between(from, to) >= MAX_MONTHS {
        return Err(AppError::invalid(
            "from",
            format!("一次最多分析 {MAX_MONTHS} 个月"),
        ));
    }
    Ok((from, to))
}

pub async fn analyse(app: &App, who: &Principal, q: &AnalysisQuery) -> AppResult<Analysis> {
    if !may_view(app, who).await? {
        return Err(AppError::forbidden(
            "只有部门负责人、监督人员、管理员和镇街工作人员可以查看诉求研判",
        ));
    }
    let (prefix, scope) = match &who.scope {
        Scope::All => (String::new(), "全区".to_string()),
        Scope::Region(code) => (region_prefix(code), who.org_name.clone()),
        _ => return Err(AppError::forbidden("当前账户没有数据范围")),
    };
    let now = app.now();
    let (from, to) = months(q, now)?;
    let period = Period {
        region_prefix: prefix.clone(),
        from: month_start(from),
        to: month_start(add_months(to, 1)),
    };
    let mut conn = app.db.conn().await?;
    let by_category = store::grouped(&mut conn, &period, Dimension::Category).await?;
    let by_department = store::grouped(&mut conn, &period, Dimension::Department).await?;
    let by_town = store::grouped(&mut conn, &period, Dimension::Town).await?;
    let timings = store::timings(&mut conn, &period).await?;
    let mut problems = Vec::new();
    for kind in [
        Unresolved::Oldest,
        Unresolved::Overdue,
        Unresolved::Reopened,
    ] {
        let rows = store::unresolved(&mut conn, &prefix, kind, now, TOP).await?;
        problems.push(rows.into_iter().map(problem).collect::<Vec<_>>());
    }
    let [oldest, overdue, reopened]: [Vec<ProblemRow>; 3] = problems
        .try_into()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("three lists of problems")))?;
    let sum = |f: fn(&Group) -> i64| by_category.iter().map(f).sum::<i64>();
    Ok(Analysis {
        scope,
        from: from.format("%Y-%m").to_string(),
        to: to.format("%Y-%m").to_string(),
        total: sum(|g| g.total),
        in_hand: sum(|g| g.in_hand),
        closed: sum(|g| g.closed),
        by_month: by_month(&timings, from, to),
        response: response_times(&timings, now),
        resolution: resolution_times(&timings, now),
        repeat_enterprises: repeat_enterprises(&timings),
        repeat_subjects: repeat_subjects(&timings, &by_town),
        by_category: group_rows(by_category),
        by_department: group_rows(by_department),
        by_town: group_rows(by_town),
        oldest,
        overdue,
        reopened,
    })
}

fn bar(value: i64, max: i64) -> i64 {
    if max > 0 { value * 100 / max } else { 0 }
}

fn group_rows(groups: Vec<Group>) -> Vec<GroupRow> {
    let max = groups.iter().map(|g| g.total).max().unwrap_or(0);
    groups
        .into_iter()
        .map(|g| GroupRow {
            bar: bar(g.total, max),
            key: g.key,
            label: g.label,
            total: g.total,
            in_hand: g.in_hand,
            closed: g.closed,
        })
        .collect()
}

fn by_month(timings: &[Timing], from: NaiveDate, to: NaiveDate) -> Vec<MonthRow> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..=months_between(from, to) {
        counts.insert(add_months(from, i).format("%Y-%m").to_string(), 0);
    }
    for t in timings {
        let month = t.submitted_at.with_timezone(&beijing()).format("%Y-%m");
        *counts.entry(month.to_string()).or_default() += 1;
    }
    let max = counts.values().copied().max().unwrap_or(0);
    counts
        .into_iter()
        .map(|(month, total)| MonthRow {
            bar: bar(total, max),
            month,
            total,
        })
        .collect()
}

/// Median and average of durations in seconds, one decimal in units of `unit_secs`.
fn figures(
    mut secs: Vec<i64>,
    unit: &'static str,
    unit_secs: i64,
    on_time: (i64, i64),
) -> TimeFigures {
    secs.sort_unstable();
    let tenths = |s: i64| {
        let t = s * 10 / unit_secs;
        format!("{}.{}", t / 10, t % 10)
    };
    let n = secs.len();
    let median = (n > 0).then(|| {
        let mid = if n % 2 == 1 {
            secs[n / 2]
        } else {
            (secs[n / 2 - 1] + secs[n / 2]) / 2
        };
        tenths(mid)
    });
    let average = (n > 0).then(|| tenths(secs.iter().sum::<i64>() / n as i64));
    let (done, measured) = on_time;
    TimeFigures {
        measured: usize::try_from(measured).unwrap_or(0),
        median,
        average,
        unit,
        on_time_bp: (measured > 0).then(|| done * 10_000 / measured),
    }
}

/// A limit is kept when the act came by its due time; a limit past due without the act is late.
fn on_time(
    pairs: impl Iterator<Item = (Option<DateTime<Utc>>, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) -> (i64, i64) {
    let (mut kept, mut measured) = (0, 0);
    for (done, due) in pairs {
        match (done, due) {
            (Some(done), Some(due)) => {
                measured += 1;
                kept += i64::from(done <= due);
            }
            (None, Some(due)) if due < now => measured += 1,
            _ => {}
        }
    }
    (kept, measured)
}

fn response_times(timings: &[Timing], now: DateTime<Utc>) -> TimeFigures {
    let secs = timings
        .iter()
        .filter_map(|t| t.responded_at.map(|r| (r - t.submitted_at).num_seconds()))
        .collect();
    let kept = on_time(
        timings.iter().map(|t| (t.responded_at, t.response_due_at)),
        now,
    );
    figures(secs, "小时", 3600, kept)
}

fn resolution_times(timings: &[Timing], now: DateTime<Utc>) -> TimeFigures {
    let secs = timings
        .iter()
        .filter_map(|t| t.replied_at.map(|r| (r - t.submitted_at).num_seconds()))
        .collect();
    let kept = on_time(
        timings.iter().map(|t| (t.replied_at, t.resolution_due_at)),
        now,
    );
    figures(secs, "天", 86_400, kept)
}

/// Enterprises with requests within 90 days of one another, most repeats first.
fn repeat_enterprises(timings: &[Timing]) -> Vec<RepeatEnterprise> {
    let mut by_enterprise: BTreeMap<i64, Vec<&Timing>> = BTreeMap::new();
    for t in timings {
        by_enterprise.entry(t.enterprise_id).or_default().push(t);
    }
    let window = Duration::days(REPEAT_DAYS);
    let mut out: Vec<RepeatEnterprise> = by_enterprise
        .into_values()
        .filter_map(|list| {
            // `timings` is in submission order, so each list is too.
            let repeats: Vec<&Timing> = list
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    let near = |o: &&Timing| (o.submitted_at - t.submitted_at).abs() <= window;
                    list[..*i].iter().any(near) || list[i + 1..].iter().any(near)
                })
                .map(|(_, t)| *t)
                .collect();
            (repeats.len() > 1).then(|| RepeatEnterprise {
                enterprise_name: repeats[0].enterprise_name.clone(),
                count: repeats.len(),
                receipts: repeats.iter().map(|t| t.receipt_no.clone()).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.enterprise_name.cmp(&b.enterprise_name))
    });
    out
}

/// The first `SUBJECT_CHARS` letters and digits of a title (or of the description when the
/// request has no title).
fn subject_key(t: &Timing) -> String {
    t.title
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&t.description)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(SUBJECT_CHARS)
        .collect()
}

/// Requests of one category and town whose titles agree, across enterprises.
fn repeat_subjects(timings: &[Timing], towns: &[Group]) -> Vec<RepeatSubject> {
    let mut groups: BTreeMap<(String, String, String), Vec<&Timing>> = BTreeMap::new();
    for t in timings {
        let town: String = t.region_code.chars().take(9).collect();
        let key = (t.category_code.clone(), town, subject_key(t));
        groups.entry(key).or_default().push(t);
    }
    let town_name = |code: &str| {
        towns
            .iter()
            .find(|g| g.key == code)
            .map_or_else(|| code.to_string(), |g| g.label.clone())
    };
    let mut out: Vec<RepeatSubject> = groups
        .into_iter()
        .filter(|((_, _, subject), list)| list.len() > 1 && !subject.is_empty())
        .map(|((_, town, _), list)| RepeatSubject {
            category_name: list[0].category_name.clone(),
            town: town_name(&town),
            title: list[0]
                .title
                .clone()
                .unwrap_or_else(|| list[0].description.chars().take(30).collect()),
            count: list.len(),
            receipts: list.iter().map(|t| t.receipt_no.clone()).collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.title.cmp(&b.title)));
    out
}

fn problem(r: RequestRow) -> ProblemRow {
    ProblemRow {
        status_label: r.status.label_zh(),
        title: r
            .title
            .unwrap_or_else(|| r.description.chars().take(30).collect()),
        receipt_no: r.receipt_no,
        enterprise_name: r.enterprise_name,
        category_name: r.category_name,
        owner_name: r.owner_name,
        grade: r.grade,
        submitted_at: r.submitted_at,
    }
}

/// The analysis as tables: CSV gets the first (every figure in one sheet), XLSX all of them.
pub fn tables(a: &Analysis) -> Vec<Table> {
    let count = |n: usize| Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX));
    // Every figure in one sheet: its dimension, what it counts, and the value.
    let figure = |dimension: &str, item: &str, value: Cell| {
        vec![Cell::text(dimension), Cell::text(item), value]
    };
    let mut rows = vec![
        figure("概况", "统计范围", Cell::text(&a.scope)),
        figure(
            "概况",
            "统计期间",
            Cell::text(&format!("{} 至 {}", a.from, a.to)),
        ),
        figure("概况", "诉求总数", Cell::Integer(a.total)),
        figure("概况", "办理中", Cell::Integer(a.in_hand)),
        figure("概况", "已办结", Cell::Integer(a.closed)),
    ];
    for (name, f) in [("响应", &a.response), ("办结", &a.resolution)] {
        rows.push(figure(
            name,
            &format!("中位用时({})", f.unit),
            Cell::text_or_blank(f.median.as_deref()),
        ));
        rows.push(figure(
            name,
            &format!("平均用时({})", f.unit),
            Cell::text_or_blank(f.average.as_deref()),
        ));
        rows.push(figure(name, "按时率", Cell::percent_or_blank(f.on_time_bp)));
    }
    for (name, groups) in [
        ("按类别", &a.by_category),
        ("按部门", &a.by_department),
        ("按镇街", &a.by_town),
    ] {
        for g in groups {
            rows.push(figure(name, &g.label, Cell::Integer(g.total)));
        }
    }
    for m in &a.by_month {
        rows.push(figure("按月份", &m.month, Cell::Integer(m.total)));
    }
    for r in &a.repeat_enterprises {
        rows.push(figure(
            "重复诉求(同一企业)",
            &r.enterprise_name,
            count(r.count),
        ));
    }
    for r in &a.repeat_subjects {
        let label = format!("{} · {} · {}", r.category_name, r.town, r.title);
        rows.push(figure("重复诉求(同一事项)", &label, count(r.count)));
    }
    let figures = Table::new("诉求研判", &["维度", "项目", "数值"], rows);
    let groups = |title: &str, list: &[GroupRow]| {
        Table::new(
            title,
            &["项目", "诉求数", "办理中", "已办结"],
            list.iter().map(|g| {
                vec![
                    Cell::text(&g.label),
                    Cell::Integer(g.total),
                    Cell::Integer(g.in_hand),
                    Cell::Integer(g.closed),
                ]
            }),
        )
    };
    let problems = Table::new(
        "未解决问题",
        &[
            "类型",
            "编号",
            "企业",
            "类别",
            "标题",
            "受理部门",
            "状态",
            "等级",
            "登记时间",
        ],
        [
            ("最久未办结", &a.oldest),
            ("已超期", &a.overdue),
            ("重新办理", &a.reopened),
        ]
        .iter()
        .flat_map(|(kind, list)| {
            list.iter().map(move |p| {
                let at = p
                    .submitted_at
                    .with_timezone(&beijing())
                    .format("%Y-%m-%d %H:%M");
                vec![
                    Cell::text(kind),
                    Cell::text(&p.receipt_no),
                    Cell::text(&p.enterprise_name),
                    Cell::text(&p.category_name),
                    Cell::text(&p.title),
                    Cell::text(&p.owner_name),
                    Cell::text(p.status_label),
                    Cell::Integer(p.grade),
                    Cell::text(&at.to_string()),
                ]
            })
        }),
    );
    vec![
        figures,
        groups("按类别", &a.by_category),
        groups("按部门", &a.by_department),
        groups("按镇街", &a.by_town),
        problems,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_across_years_and_refuse_long_or_reversed_periods() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        assert_eq!(add_months(d(2026, 11), 3), d(2027, 2));
        assert_eq!(add_months(d(2026, 1), -1), d(2025, 12));
        assert_eq!(months_between(d(2025, 12), d(2026, 2)), 2);
        let now = Utc.with_ymd_and_hms(2026, 3, 31, 17, 0, 0).unwrap();
        let (from, to) = months(&AnalysisQuery::default(), now).unwrap();
        assert_eq!(
            (from, to),
            (d(2025, 11), d(2026, 4)),
            "Beijing is already in April"
        );
        let reversed = AnalysisQuery {
            from: Some("2026-05".into()),
            to: Some("2026-04".into()),
        };
        assert!(months(&reversed, now).is_err());
        let bad = AnalysisQuery {
            from: Some("2026/05".into()),
            to: None,
        };
        assert!(months(&bad, now).is_err());
    }

    #[test]
    fn medians_take_the_middle_and_late_unanswered_limits_count_as_late() {
        let f = figures(vec![3600, 7200, 36_000], "小时", 3600, (1, 2));
        assert_eq!(f.median.as_deref(), Some("2.0"));
        assert_eq!(f.average.as_deref(), Some("4.3"));
        assert_eq!(f.on_time_bp, Some(5000));
        let now = Utc::now();
        let hour = Duration::hours(1);
        let kept = on_time(
            [
                (Some(now - hour * 3), Some(now - hour * 2)),
                (None, Some(now - hour)),
                (None, Some(now + hour)),
            ]
            .into_iter(),
            now,
        );
        assert_eq!(kept, (1, 2));
    }
}
