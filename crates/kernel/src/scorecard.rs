//! 部门评分 (issue 18): each department's record over a year or a month across every scene — the
//! time limits it kept (every government-side clock of every scene, counted by the kernel), what
//! enterprises said of its service (好差评, counted by the scenes that collect ratings) and the
//! contract commitments it kept (counted by the scenes that hold commitments) — combined into one
//! score with weights the administrator sets.

use crate::audit::{self, Change};
use crate::store::{Conn, StoreError, scorecard as store, settings};
use crate::{App, AppError, AppResult, Principal, RequestMeta, cockpit};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use qinqing_domain::deadline::{beijing, local_date};
use qinqing_domain::org::{OrgKind, Role};
use qinqing_exchange::table::{Cell, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The setting the administrator's weights are kept in.
const WEIGHTS_KEY: &str = "scorecard_weights";

/// What a department is scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Clocks closed within their limit, of those closed or fallen due in the period.
    OnTime,
    /// Ratings of 基本满意 or better, of all ratings given in the period.
    Satisfaction,
    /// Commitments fulfilled, of those decided (fulfilled or breached) in the period.
    Commitments,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::OnTime, Measure::Satisfaction, Measure::Commitments];

    pub fn label_zh(self) -> &'static str {
        match self {
            Measure::OnTime => "按时办结率",
            Measure::Satisfaction => "好评率",
            Measure::Commitments => "承诺履约率",
        }
    }

    /// The heading of the count of good items in the download.
    pub fn good_zh(self) -> &'static str {
        match self {
            Measure::OnTime => "按时办结(件)",
            Measure::Satisfaction => "好评(件)",
            Measure::Commitments => "按约履行(件)",
        }
    }

    /// The heading of the count of all items in the download.
    pub fn total_zh(self) -> &'static str {
        match self {
            Measure::OnTime => "应办结(件)",
            Measure::Satisfaction => "评价(件)",
            Measure::Commitments => "认定(件)",
        }
    }

    /// What the rate counts, as the page explains it.
    pub fn counts_zh(self) -> &'static str {
        match self {
            Measure::OnTime => {
                "期内办结或到期的政府方时限中按时办结的比例(各业务的审核、签收、诉求、承诺、督办等)"
            }
            Measure::Satisfaction => {
                "期内企业评价中“基本满意”及以上的比例(政策兑现好差评、诉求回访)"
            }
            Measure::Commitments => "期内认定的政府方承诺事项中按约履行的比例(违约计入,豁免不计)",
        }
    }
}

/// One department's count under one measure, from the kernel or a scene.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub org_id: i64,
    pub measure: Measure,
    pub good: i64,
    pub total: i64,
}

/// The year or month scored, in Beijing time.
#[derive(Debug, Clone)]
pub struct Period {
    /// `2026` or `2026-11`, as the address gives it.
    pub key: String,
    /// 2026 年, 2026 年 11 月.
    pub label: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// The period an address names: a year (`2026`) or a month (`2026-11`); the current year
    /// when it names none.
    pub fn parse(key: Option<&str>, now: DateTime<Utc>) -> AppResult<Period> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            return Ok(Period::year(local_date(now).year()));
        };
        let refuse = || AppError::invalid("period", "统计期间应为年份(如 2026)或年月(如 2026-11)");
        let parts: Vec<&str> = key.split('-').collect();
        let year: i32 = parts[0].parse().map_err(|_| refuse())?;
        if !(2000..=2100).contains(&year) {
            return Err(refuse());
        }
        match parts[1..] {
            [] => Ok(Period::year(year)),
            [month] => {
                let month: u32 = month.parse().map_err(|_| refuse())?;
                Period::month(year, month).ok_or_else(refuse)
            }
            _ => Err(refuse()),
        }
    }

    fn year(year: i32) -> Period {
        Period {
            key: year.to_string(),
            label: format!("{year} 年"),
            from: start_of(NaiveDate::from_ymd_opt(year, 1, 1)),
            to: start_of(NaiveDate::from_ymd_opt(year + 1, 1, 1)),
        }
    }

    fn month(year: i32, month: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = first.checked_add_months(chrono::Months::new(1))?;
        Some(Period {
            key: format!("{year}-{month:02}"),
            label: format!("{year} 年 {month} 月"),
            from: start_of(Some(first)),
            to: start_of(Some(next)),
        })
    }
}

/// The instant a Beijing day begins.
fn start_of(day: Option<NaiveDate>) -> DateTime<Utc> {
    let midnight = day.and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    beijing()
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// What the measures weigh in the score, as the administrator set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Weights {
    pub on_time: u32,
    pub satisfaction: u32,
    pub commitments: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            on_time: 50,
            satisfaction: 30,
            commitments: 20,
        }
    }
}

impl Weights {
    pub fn of(&self, measure: Measure) -> u32 {
        match measure {
            Measure::OnTime => self.on_time,
            Measure::Satisfaction => self.satisfaction,
            Measure::Commitments => self.commitments,
        }
    }

    fn check(&self) -> AppResult<()> {
        let too_big = Measure::ALL.iter().find(|m| self.of(**m) > 100);
        if let Some(m) = too_big {
            return Err(AppError::invalid(
                weight_field(*m),
                format!("{}的权重应为 0 至 100", m.label_zh()),
            ));
        }
        if Measure::ALL.iter().all(|m| self.of(*m) == 0) {
            return Err(AppError::invalid("on_time", "至少一项的权重要大于 0"));
        }
        Ok(())
    }
}

fn weight_field(m: Measure) -> &'static str {
    match m {
        Measure::OnTime => "on_time",
        Measure::Satisfaction => "satisfaction",
        Measure::Commitments => "commitments",
    }
}

/// One measure of one department.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureScore {
    pub measure: Measure,
    pub good: i64,
    pub total: i64,
    /// Percent, one decimal; none without anything to count.
    pub rate: Option<f64>,
}

/// One department's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentScore {
    pub org_id: i64,
    pub department: String,
    /// In the order of [`Measure::ALL`].
    pub measures: Vec<MeasureScore>,
    /// 0–100, one decimal: the weighted mean of the rates it has; none when it has none.
    pub score: Option<f64>,
    /// 1 for the best; departments without a score have none.
    pub rank: Option<usize>,
}

/// The scorecard of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Scorecard {
    /// `2026` or `2026-11`.
    pub period: String,
    /// 2026 年, 2026 年 11 月.
    pub period_label: String,
    pub weights: Weights,
    /// The best first; departments without anything to count last.
    pub rows: Vec<DepartmentScore>,
    pub as_of: DateTime<Utc>,
}

/// Who reads the scorecard: the supervising offices, department leads and the administrator.
pub fn may_view(role: Role) -> bool {
    role.is_supervisor() || matches!(role, Role::DepartmentLead | Role::Admin)
}

/// What the counts cover: the caller's region and the period.
pub struct ScoreScope<'a> {
    /// A division code prefix; empty for the whole platform.
    pub region_prefix: &'a str,
    pub period: &'a Period,
    pub now: DateTime<Utc>,
}

/// The scorecard of the period `period` names (the current year when none) over the caller's
/// region.
pub async fn scorecard(app: &App, who: &Principal, period: Option<&str>) -> AppResult<Scorecard> {
    if !may_view(who.role) {
        return Err(AppError::forbidden(
            "只有监督部门、部门负责人和管理员可以查看部门评分",
        ));
    }
    // A department lead reads every department's row: the ranking is the point.
    let viewer = cockpit::viewer(who)?;
    let now = app.now();
    let period = Period::parse(period, now)?;
    let scope = ScoreScope {
        region_prefix: viewer.region_prefix.as_deref().unwrap_or(""),
        period: &period,
        now,
    };
    let mut conn = app.db.conn().await?;
    let weights = weights(&mut conn).await?;
    let mut counts = store::on_time(&mut conn, &scope).await?;
    for scene in app.scenes() {
        counts.extend(scene.scorecard_counts(&mut conn, &scope).await?);
    }
    let names = departments(&mut conn, &counts).await?;
    Ok(Scorecard {
        period: period.key,
        period_label: period.label,
        rows: ranked(rows(&names, &counts, &weights)),
        weights,
        as_of: now,
    })
}

/// Every department, and any other organisation with something counted (a town answering
/// requests), by id.
async fn departments(conn: &mut Conn, counts: &[Count]) -> AppResult<BTreeMap<i64, String>> {
    let orgs = crate::store::orgs::list_non_enterprise(conn).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| {
            (o.kind == OrgKind::Department && o.active) || counts.iter().any(|c| c.org_id == o.id)
        })
        .map(|o| (o.id, o.name))
        .collect())
}

fn rows(
    names: &BTreeMap<i64, String>,
    counts: &[Count],
    weights: &Weights,
) -> Vec<DepartmentScore> {
    names
        .iter()
        .map(|(id, name)| {
            let measures: Vec<MeasureScore> = Measure::ALL
                .iter()
                .map(|m| {
                    let of = counts.iter().filter(|c| c.org_id == *id && c.measure == *m);
                    let (good, total) = of.fold((0, 0), |(g, t), c| (g + c.good, t + c.total));
                    MeasureScore {
                        measure: *m,
                        good,
                        total,
                        rate: (total > 0).then(|| tenth(100.0 * good as f64 / total as f64)),
                    }
                })
                .collect();
            DepartmentScore {
                org_id: *id,
                department: name.clone(),
                score: weighted(&measures, weights),
                measures,
                rank: None,
            }
        })
        .collect()
}

/// The weighted mean of the rates a department has; a measure it has nothing to count under
/// does not count against it.
fn weighted(measures: &[MeasureScore], weights: &Weights) -> Option<f64> {
    let (sum, weight) = measures
        .iter()
        .filter_map(|m| Some((m.rate?, f64::from(weights.of(m.measure)))))
        .fold((0.0, 0.0), |(s, w), (rate, weight)| {
            (s + rate * weight, w + weight)
        });
    (weight > 0.0).then(|| tenth(sum / weight))
}

fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Best score first (ties share a rank), those without a score last by name.
fn ranked(mut rows: Vec<DepartmentScore>) -> Vec<DepartmentScore> {
    rows.sort_by(|a, b| {
        let key = |r: &DepartmentScore| r.score.unwrap_or(-1.0);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.department.cmp(&b.department))
    });
    let mut previous: Option<(f64, usize)> = None;
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(score) = row.score else { continue };
        let rank = match previous {
            Some((s, r)) if s == score => r,
            _ => i + 1,
        };
        row.rank = Some(rank);
        previous = Some((score, rank));
    }
    rows
}

/// The weights in force: the administrator's, else the platform's.
pub async fn weights(conn: &mut Conn) -> AppResult<Weights> {
    Ok(match settings::get(conn, WEIGHTS_KEY).await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Weights::default(),
    })
}

/// The administrator sets the weights; recorded in the trail with the old and new.
pub async fn set_weights(
    app: &App,
    who: &Principal,
    new: &Weights,
    meta: &RequestMeta,
) -> AppResult<Weights> {
    if who.role != Role::Admin {
        return Err(AppError::forbidden("只有管理员可以设置评分权重"));
    }
    new.check()?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let old = weights(&mut tx).await?;
    let text = serde_json::to_string(new).map_err(|e| AppError::Internal(e.into()))?;
    settings::put(&mut tx, WEIGHTS_KEY, &text, now).await?;
    let change = Change {
        action: "scorecard.weights_changed",
        object_type: "setting",
        object_id: WEIGHTS_KEY.into(),
        on_behalf_of: None,
        detail: serde_json::json!({ "from": old, "to": new }),
    };
    audit::record(&mut tx, who, meta, change, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(*new)
}

/// The scorecard as tables for its download: the ranking first (the CSV holds it), then the
/// period and the weights.
pub fn tables(s: &Scorecard) -> Vec<Table> {
    let mut headers = vec!["排名", "部门", "综合得分"];
    for m in Measure::ALL {
        headers.extend([m.label_zh(), m.good_zh(), m.total_zh()]);
    }
    let rows = s.rows.iter().map(|r| {
        let mut cells = vec![
            r.rank.map_or(Cell::Blank, |n| Cell::Integer(n as i64)),
            Cell::text(&r.department),
            Cell::text_or_blank(r.score.map(|x| format!("{x:.1}")).as_deref()),
        ];
        for m in &r.measures {
            let bp = (m.total > 0).then(|| (m.good * 10_000 + m.total / 2) / m.total);
            cells.extend([
                Cell::percent_or_blank(bp),
                Cell::Integer(m.good),
                Cell::Integer(m.total),
            ]);
        }
        cells
    });
    let ranking = Table::new(&format!("部门评分 {}", s.period_label), &headers, rows);
    let about = Table::figures(
        "统计口径",
        [
            ("统计期间", Cell::text(&s.period_label)),
            (
                "按时办结率权重",
                Cell::Integer(i64::from(s.weights.on_time)),
            ),
            (
                "好评率权重",
                Cell::Integer(i64::from(s.weights.satisfaction)),
            ),
            (
                "承诺履约率权重",
                Cell::Integer(i64::from(s.weights.commitments)),
            ),
        ],
    );
    vec![ranking, about]
}
