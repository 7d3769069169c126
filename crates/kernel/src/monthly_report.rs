//! 月度报告 (issue 18): a month of supervision in one document for the 会诊日 and the
//! leadership — the key figures, each department's on-time rate as a chart, twelve months of
//! trend, what every department has open and overdue in every scene, the most overdue items
//! with their department, and the departments ranked by the scorecard. As PDF, to print and
//! hand round, and as XLSX, to work on.
//!
//! The month's own figures (closed, on time, ratings, commitments) come from the scorecard of
//! that month; what is open and overdue is as the cockpit sees it when the report is made.

use crate::cockpit::{self, By, CellQuery, Cockpit, ListedClock, Sort, Status};
use crate::notifications::beijing_minutes;
use crate::scorecard::{self, Measure, Period, Scorecard};
use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Datelike, Months, Utc};
use qinqing_domain::deadline::local_date;
use qinqing_exchange::pdf::{Bar, BarChart, Block, Document, Figure, Tone};
use qinqing_exchange::table::{Cell, Table};
use serde::Serialize;
use utoipa::ToSchema;

/// The report of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyReport {
    /// `2026-11`.
    pub month: String,
    /// 2026 年 11 月.
    pub label: String,
    pub figures: Headline,
    /// Departments by scene, open and overdue as of the report.
    pub cockpit: Cockpit,
    /// The most overdue open items, the longest overdue first.
    pub late: Vec<LateItem>,
    /// The month's ranking.
    pub scorecard: Scorecard,
    pub as_of: DateTime<Utc>,
}

/// The figures a reader takes in first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Headline {
    /// Clocks closed or fallen due in the month, and of them kept.
    pub decided: i64,
    pub on_time: i64,
    /// Percent with one decimal, each over what the month counted; none with nothing counted.
    pub on_time_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub commitments_rate: Option<f64>,
    /// As of the report.
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
    pub longest_delay_days: Option<i64>,
}

/// An overdue item with the department that answers for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LateItem {
    pub department: String,
    #[serde(flatten)]
    pub clock: ListedClock,
}

/// How many overdue items the report lists.
const LATE_LIMIT: usize = 30;

/// Who may have the report: whoever has the cockpit.
pub fn may_view(role: qinqing_domain::org::Role) -> bool {
    cockpit::may_view(role) && scorecard::may_view(role)
}

/// The report of `month` (`2026-11`; the last full month when absent) over what `who` may see.
pub async fn monthly_report(
    app: &App,
    who: &Principal,
    month: Option<&str>,
) -> AppResult<MonthlyReport> {
    if !may_view(who.role) {
        return Err(AppError::forbidden(
            "只有监督部门、部门负责人和管理员可以下载月度报告",
        ));
    }
    let now = app.now();
    let period = month_of(month, now)?;
    let scorecard = scorecard::scorecard(app, who, Some(&period.key)).await?;
    let cockpit = cockpit::cockpit(app, who, By::Department, Sort::Overdue).await?;
    let late = late_items(app, who, &cockpit).await?;
    Ok(MonthlyReport {
        month: period.key,
        label: period.label,
        figures: headline(&scorecard, &cockpit, own_department(who)),
        cockpit,
        late,
        scorecard,
        as_of: now,
    })
}

/// The month an address names, refusing years and months still to come.
fn month_of(month: Option<&str>, now: DateTime<Utc>) -> AppResult<Period> {
    let refuse = |message: &str| AppError::invalid("month", message.to_string());
    let key = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(key) => key.to_string(),
        None => {
            let last = local_date(now)
                .with_day(1)
                .and_then(|d| d.checked_sub_months(Months::new(1)))
                .ok_or_else(|| refuse("无法确定上个月"))?;
            format!("{}-{:02}", last.year(), last.month())
        }
    };
    if !key.contains('-') {
        return Err(refuse("月份应为年月,如 2026-11"));
    }
    let period = Period::parse(Some(&key), now).map_err(|_| refuse("月份应为年月,如 2026-11"))?;
    if period.from > now {
        return Err(refuse("这个月还没有到,没有可报告的内容"));
    }
    Ok(period)
}

/// A department lead's report is of their department (the ranking still shows every one).
fn own_department(who: &Principal) -> Option<i64> {
    (who.role == qinqing_domain::org::Role::DepartmentLead).then_some(who.org_id)
}

/// The month's figures over the departments the report covers, and what is open now.
fn headline(s: &Scorecard, c: &Cockpit, only_org: Option<i64>) -> Headline {
    let sum = |measure: Measure| {
        s.rows
            .iter()
            .filter(|r| only_org.is_none_or(|org| r.org_id == org))
            .flat_map(|r| &r.measures)
            .filter(|m| m.measure == measure)
            .fold((0, 0), |(good, total), m| (good + m.good, total + m.total))
    };
    let rate = |(good, total): (i64, i64)| (total > 0).then(|| (good * 1000 / total) as f64 / 10.0);
    let (on_time, decided) = sum(Measure::OnTime);
    let now = &c.total.total;
    Headline {
        decided,
        on_time,
        on_time_rate: rate((on_time, decided)),
        satisfaction_rate: rate(sum(Measure::Satisfaction)),
        commitments_rate: rate(sum(Measure::Commitments)),
        open: now.open,
        due_soon: now.due_soon,
        overdue: now.overdue,
        longest_delay_days: now.longest_delay_days,
    }
}

/// The overdue items of every department with any, the longest overdue first.
async fn late_items(app: &App, who: &Principal, c: &Cockpit) -> AppResult<Vec<LateItem>> {
    let mut late = Vec::new();
    for row in c.rows.iter().filter(|r| r.total.overdue > 0) {
        let query = CellQuery {
            by: By::Department,
            key: Some(row.key.clone()),
            owner: None,
            status: Status::Overdue,
        };
        let clocks = cockpit::clocks(app, who, &query).await?;
        late.extend(clocks.into_iter().map(|clock| LateItem {
            department: row.name.clone(),
            clock,
        }));
    }
    late.sort_by_key(|l| std::cmp::Reverse(l.clock.days_late));
    late.truncate(LATE_LIMIT);
    Ok(late)
}

/// The report as workbook sheets: the figures, the ranking, departments by scene, the overdue
/// items and the trend.
pub fn tables(r: &MonthlyReport) -> Vec<Table> {
    let f = &r.figures;
    let rate = |x: Option<f64>| Cell::percent_or_blank(x.map(|p| (p * 100.0).round() as i64));
    let figures = Table::figures(
        &format!("概况 {}", r.label),
        [
            ("报告月份", Cell::text(&r.label)),
            ("本月应办结件数", Cell::Integer(f.decided)),
            ("本月按时办结件数", Cell::Integer(f.on_time)),
            ("按时办结率", rate(f.on_time_rate)),
            ("好评率", rate(f.satisfaction_rate)),
            ("承诺履约率", rate(f.commitments_rate)),
            ("在办(截至报告生成时)", Cell::Integer(f.open)),
            ("24 小时内到期", Cell::Integer(f.due_soon)),
            ("已逾期", Cell::Integer(f.overdue)),
            (
                "最长逾期天数",
                f.longest_delay_days.map_or(Cell::Blank, Cell::Integer),
            ),
            ("报告生成时间", Cell::text(&beijing_minutes(r.as_of))),
        ],
    );
    vec![
        figures,
        ranking_table(&r.scorecard),
        departments_table(&r.cockpit),
        late_table(&r.late),
        trend_table(&r.cockpit),
    ]
}

fn ranking_table(s: &Scorecard) -> Table {
    let mut ranking = scorecard::tables(s).swap_remove(0);
    ranking.title = "部门评分".into();
    ranking
}

fn departments_table(c: &Cockpit) -> Table {
    let mut headers = vec!["部门".to_string()];
    for o in &c.owners {
        headers.push(format!("{} 在办", o.label));
        headers.push(format!("{} 逾期", o.label));
    }
    headers.extend(["即将到期", "最长逾期天数", "按时办结率(近 12 个月)"].map(String::from));
    let rows = c.rows.iter().chain([&c.total]).map(|row| {
        let mut cells = vec![Cell::text(&row.name)];
        for cell in &row.cells {
            cells.extend([Cell::Integer(cell.open), Cell::Integer(cell.overdue)]);
        }
        let t = &row.total;
        cells.extend([
            Cell::Integer(t.due_soon),
            t.longest_delay_days.map_or(Cell::Blank, Cell::Integer),
            Cell::percent_or_blank(t.on_time_percent.map(|p| i64::from(p) * 100)),
        ]);
        cells
    });
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    Table::new("各部门在办与逾期", &headers, rows)
}

fn late_table(late: &[LateItem]) -> Table {
    let rows = late.iter().map(|l| {
        vec![
            Cell::text(&l.department),
            Cell::text(&l.clock.label),
            Cell::text(l.clock.owner),
            Cell::text(&beijing_minutes(l.clock.due_at)),
            Cell::Integer(l.clock.days_late),
        ]
    });
    Table::new(
        "逾期事项",
        &["部门", "事项", "业务", "应办结时间", "逾期天数"],
        rows,
    )
}

fn trend_table(c: &Cockpit) -> Table {
    let rows = c.months.iter().map(|m| {
        vec![
            Cell::text(&m.month),
            Cell::Integer(m.closed),
            Cell::Integer(m.on_time),
            Cell::percent_or_blank(Some(i64::from(m.on_time_percent) * 100)),
        ]
    });
    Table::new(
        "近 12 个月办结",
        &["月份", "办结件数", "按时办结件数", "按时办结率"],
        rows,
    )
}

/// The report as a printable document.
pub fn document(r: &MonthlyReport) -> Document {
    let f = &r.figures;
    let mut blocks = vec![
        Block::Heading("一、本月概况".into()),
        Block::Figures(figures(f)),
        Block::Paragraph(summary(r)),
        Block::Heading("二、各部门本月按时办结率".into()),
    ];
    blocks.push(on_time_chart(&r.scorecard));
    blocks.extend([
        Block::Heading("三、近 12 个月按时办结率".into()),
        trend_chart(&r.cockpit),
        Block::Heading("四、各部门在办与逾期(截至报告生成时)".into()),
        Block::Table(departments_brief(&r.cockpit)),
        Block::Heading("五、逾期事项(逾期最久的在前)".into()),
    ]);
    if r.late.is_empty() {
        blocks.push(Block::Paragraph("报告生成时没有逾期事项。".into()));
    } else {
        blocks.push(Block::Table(late_table(&r.late)));
    }
    let w = &r.scorecard.weights;
    blocks.extend([
        Block::Heading("六、部门评分排名".into()),
        Block::Paragraph(format!(
            "综合得分按按时办结率 {}%、好评率 {}%、承诺履约率 {}% 的权重加权计算。",
            w.on_time, w.satisfaction, w.commitments
        )),
    ]);
    blocks.extend(ranking_brief(&r.scorecard));
    Document {
        title: "智慧云监督 月度报告".into(),
        subtitle: format!(
            "{} · 报告生成于 {}(北京时间)",
            r.label,
            beijing_minutes(r.as_of)
        ),
        footer: format!("亲清家园 · {}", r.label),
        blocks,
    }
}

/// Departments by what they have open, for the page: the workbook has every scene's column.
fn departments_brief(c: &Cockpit) -> Table {
    let rows = c.rows.iter().chain([&c.total]).map(|row| {
        let t = &row.total;
        let worst = row
            .cells
            .iter()
            .zip(&c.owners)
            .filter(|(cell, _)| cell.overdue > 0)
            .max_by_key(|(cell, _)| cell.overdue)
            .map(|(cell, owner)| format!("{} {} 件", owner.label, cell.overdue));
        vec![
            Cell::text(&row.name),
            Cell::Integer(t.open),
            Cell::Integer(t.due_soon),
            Cell::Integer(t.overdue),
            t.longest_delay_days.map_or(Cell::Blank, Cell::Integer),
            Cell::percent_or_blank(t.on_time_percent.map(|p| i64::from(p) * 100)),
            Cell::text_or_blank(worst.as_deref()),
        ]
    });
    Table::new(
        "各部门在办与逾期",
        &[
            "部门",
            "在办",
            "24 小时内到期",
            "已逾期",
            "最长逾期天数",
            "按时办结率",
            "逾期最多的业务",
        ],
        rows,
    )
}

/// The ranking for the page: each measure's rate only, departments with nothing counted in
/// the month named in a sentence after it.
fn ranking_brief(s: &Scorecard) -> Vec<Block> {
    let (counted, idle): (Vec<_>, Vec<_>) = s
        .rows
        .iter()
        .partition(|r| r.measures.iter().any(|m| m.total > 0));
    let mut headers = vec!["排名", "部门", "综合得分"];
    headers.extend(Measure::ALL.map(Measure::label_zh));
    let rows = counted.iter().map(|r| {
        let mut cells = vec![
            r.rank.map_or(Cell::Blank, |n| Cell::Integer(n as i64)),
            Cell::text(&r.department),
            Cell::text_or_blank(r.score.map(|x| format!("{x:.1}")).as_deref()),
        ];
        cells.extend(r.measures.iter().map(|m| Cell::text(&percent(m.rate))));
        cells
    });
    let mut blocks = vec![Block::Table(Table::new("部门评分", &headers, rows))];
    if !idle.is_empty() {
        let names: Vec<&str> = idle.iter().map(|r| r.department.as_str()).collect();
        blocks.push(Block::Paragraph(format!(
            "本月没有可统计事项的:{}。",
            names.join("、")
        )));
    }
    blocks
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("—".into(), |p| format!("{p:.1}%"))
}

/// Good at 95 % or better, to watch from 80 %, bad below.
fn tone_of(rate: Option<f64>) -> Tone {
    match rate {
        None => Tone::Plain,
        Some(p) if p >= 95.0 => Tone::Good,
        Some(p) if p >= 80.0 => Tone::Watch,
        Some(_) => Tone::Bad,
    }
}

fn figures(f: &Headline) -> Vec<Figure> {
    let count = |n: i64, bad: Tone| if n > 0 { bad } else { Tone::Good };
    vec![
        Figure {
            label: "本月应办结".into(),
            value: format!("{} 件", f.decided),
            tone: Tone::Plain,
        },
        Figure {
            label: "按时办结率".into(),
            value: percent(f.on_time_rate),
            tone: tone_of(f.on_time_rate),
        },
        Figure {
            label: "好评率".into(),
            value: percent(f.satisfaction_rate),
            tone: tone_of(f.satisfaction_rate),
        },
        Figure {
            label: "承诺履约率".into(),
            value: percent(f.commitments_rate),
            tone: tone_of(f.commitments_rate),
        },
        Figure {
            label: "在办".into(),
            value: format!("{} 件", f.open),
            tone: Tone::Plain,
        },
        Figure {
            label: "24 小时内到期".into(),
            value: format!("{} 件", f.due_soon),
            tone: count(f.due_soon, Tone::Watch),
        },
        Figure {
            label: "已逾期".into(),
            value: format!("{} 件", f.overdue),
            tone: count(f.overdue, Tone::Bad),
        },
        Figure {
            label: "最长逾期".into(),
            value: f
                .longest_delay_days
                .map_or("—".into(), |d| format!("{d} 天")),
            tone: count(f.longest_delay_days.unwrap_or(0), Tone::Bad),
        },
    ]
}

/// The figures in sentences, for a reader who does not read charts.
fn summary(r: &MonthlyReport) -> String {
    let f = &r.figures;
    let mut s = format!(
        "{}共有 {} 件事项办结或到期,其中按时办结 {} 件,按时办结率 {}。",
        r.label,
        f.decided,
        f.on_time,
        percent(f.on_time_rate)
    );
    s.push_str(&format!(
        "截至报告生成时,在办 {} 件,其中已逾期 {} 件",
        f.open, f.overdue
    ));
    match f.longest_delay_days {
        Some(days) if f.overdue > 0 => s.push_str(&format!(",最长已逾期 {days} 天。")),
        _ => s.push('。'),
    }
    if let Some(worst) = r.cockpit.rows.iter().find(|row| row.total.overdue > 0) {
        s.push_str(&format!(
            "逾期最多的是{}({} 件)。",
            worst.name, worst.total.overdue
        ));
    }
    s
}

fn on_time_chart(s: &Scorecard) -> Block {
    let bars = s
        .rows
        .iter()
        .filter_map(|row| {
            let m = row.measures.iter().find(|m| m.measure == Measure::OnTime)?;
            let rate = m.rate?;
            Some(Bar {
                label: row.department.clone(),
                share: rate / 100.0,
                shown: format!("{rate:.1}%"),
                tone: tone_of(Some(rate)),
            })
        })
        .collect::<Vec<_>>();
    if bars.is_empty() {
        return Block::Paragraph("本月没有办结或到期的事项。".into());
    }
    Block::Bars(BarChart {
        title: "本月办结或到期的事项中按时办结的比例".into(),
        bars,
    })
}

fn trend_chart(c: &Cockpit) -> Block {
    if c.months.is_empty() {
        return Block::Paragraph("近 12 个月没有办结的事项。".into());
    }
    Block::Bars(BarChart {
        title: "每月办结的事项中按时办结的比例(括号内为办结件数)".into(),
        bars: c
            .months
            .iter()
            .map(|m| {
                let rate = f64::from(m.on_time_percent);
                Bar {
                    label: format!("{}({} 件)", m.month, m.closed),
                    share: rate / 100.0,
                    shown: format!("{rate:.0}%"),
                    tone: tone_of(Some(rate)),
                }
            })
            .collect(),
    })
}

/// The months a report may be asked for, newest first: this month so far, then the eleven
/// before it; each `(2026-11, 2026 年 11 月)`.
pub fn recent_months(now: DateTime<Utc>) -> Vec<(String, String)> {
    let Some(first) = local_date(now).with_day(1) else {
        return Vec::new();
    };
    (0..12)
        .filter_map(|back| first.checked_sub_months(Months::new(back)))
        .map(|m| {
            let label = format!("{} 年 {} 月", m.year(), m.month());
            (format!("{}-{:02}", m.year(), m.month()), label)
        })
        .collect()
}
