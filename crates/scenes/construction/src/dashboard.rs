//! 报建看板: how the district's approvals stand — projects by stage, cases by status, the working
//! days each matter took against its promised and legal limits, each project's working days
//! against the district's target for the whole process (the national cap is 120), the share of
//! cases done wholly on-line, and what became of 模拟 approvals.
//!
//! Working days count from the window's 受理 to the decision (the department's time; the
//! enterprise's own time before 受理 is its own). A stage's time is the span from the first
//! 受理 of its matters to the last decision (its matters run in parallel), and a project's is
//! the sum over the four sequential stages, as the reform counts it.

use crate::catalogue::Stage;
use crate::status::CaseStatus;
use crate::store::cases::CaseRow;
use chrono::NaiveDate;
use qinqing_domain::calendar::WorkingCalendar;
use qinqing_domain::deadline::local_date;
use qinqing_exchange::directory::{Column, Line, read};
use qinqing_exchange::{FileFormat, ImportReport};
use qinqing_kernel::store::enterprises::ScopeFilter;
use qinqing_kernel::{App, AppError, AppResult, Principal};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::ToSchema;

const TARGET_COLUMNS: [Column; 3] = [
    ("scope", "范围", true),
    ("days", "目标(工作日)", true),
    ("basis", "设定依据", true),
];

/// The district's targets in working days: for the whole process, and for stages where it set one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub whole: Option<u32>,
    pub stages: BTreeMap<Stage, u32>,
    pub basis: String,
}

/// The targets in force: the ones compiled in (`data/targets.csv`).
pub fn targets() -> &'static Targets {
    static BUILTIN: LazyLock<Targets> = LazyLock::new(builtin_targets);
    &BUILTIN
}

#[allow(
    clippy::expect_used,
    reason = "the compiled-in file is fixed; a unit test proves it reads"
)]
fn builtin_targets() -> Targets {
    read_targets(include_bytes!("../data/targets.csv"), FileFormat::Csv)
        .expect("the built-in targets are valid")
}

/// Reads a targets sheet: 范围 is 全流程 or a stage's name; the target 1..=365 working days.
pub fn read_targets(bytes: &[u8], format: FileFormat) -> Result<Targets, ImportReport> {
    let lines = read(bytes, format, &TARGET_COLUMNS)?;
    let mut targets = Targets {
        whole: None,
        stages: BTreeMap::new(),
        basis: String::new(),
    };
    let mut errors = Vec::new();
    for line in &lines {
        match target_of(line) {
            Ok((scope, days)) => {
                match scope {
                    None => targets.whole = Some(days),
                    Some(stage) => _ = targets.stages.insert(stage, days),
                }
                if targets.basis.is_empty() {
                    targets.basis = line.get("basis").to_string();
                }
            }
            Err(e) => errors.push(e),
        }
    }
    match errors.is_empty() {
        true => Ok(targets),
        false => Err(ImportReport {
            rows: lines.len(),
            errors,
        }),
    }
}

fn target_of(line: &Line) -> Result<(Option<Stage>, u32), qinqing_exchange::RowError> {
    let scope = match line.get("scope") {
        "全流程" => None,
        other => Some(
            Stage::parse(other)
                .filter(|s| *s != Stage::Parallel)
                .ok_or_else(|| line.error("scope", "范围应为“全流程”或四个审批阶段之一"))?,
        ),
    };
    let days = line
        .get("days")
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| line.error("days", "目标应为 1 到 365 个工作日"))?;
    Ok((scope, days))
}

/// What the dashboard knows of one case beyond its row.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseExtras {
    /// Paid at the counter rather than on-line.
    pub paid_at_counter: bool,
    /// Materials of its matter not given on-line (neither from the 云柜 nor supplied after 容缺).
    pub materials_missing: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ConstructionDashboard)]
pub struct Dashboard {
    pub projects: usize,
    /// Projects by the stage being worked on (全部办结 for those with every matter approved).
    pub projects_by_stage: Vec<Counted>,
    /// Cases by status, in the order a case passes them.
    pub cases_by_status: Vec<Counted>,
    pub matters: Vec<MatterTime>,
    pub project_times: Vec<ProjectTime>,
    /// The target for the whole process, in working days, and where it comes from.
    pub target_days: Option<u32>,
    pub target_basis: String,
    /// Decided cases, and those done wholly on-line (no counter visit: every material given
    /// on-line, any fee paid on-line).
    pub decided: usize,
    pub wholly_online: usize,
    /// 模拟 approvals: in force, made formal, lapsed.
    pub simulated_in_force: usize,
    pub simulated_made_formal: usize,
    pub simulated_lapsed: usize,
}

/// How many of something there are, by what people call it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Counted {
    pub label: String,
    pub count: usize,
}

impl Counted {
    fn new(label: impl Into<String>, count: usize) -> Counted {
        Counted {
            label: label.into(),
            count,
        }
    }
}

/// The working days one matter's decided cases took.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterTime {
    pub name: String,
    pub decided: usize,
    /// Mean working days from 受理 to decision, in tenths (one decimal shown).
    pub mean_tenths: u32,
    pub longest: u32,
    pub promised_days: i64,
    pub legal_days: i64,
    /// Decided later than the promise.
    pub over_promise: usize,
}

/// One project's working days so far against the district's target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectTime {
    pub code: String,
    pub name: String,
    pub days: u32,
    /// Whether every matter it applied for is decided.
    pub finished: bool,
    pub over_target: bool,
}

/// The dashboard of the cases in `cases` (with `extras` by case id), as of `today`.
pub fn compute(
    cases: &[CaseRow],
    extras: &BTreeMap<i64, CaseExtras>,
    (calendar, today): (&WorkingCalendar, NaiveDate),
    targets: &Targets,
) -> Dashboard {
    let days_of = |c: &CaseRow| {
        let from = local_date(c.accepted_at?);
        let to = c.decided_at.map_or(today, local_date);
        Some(calendar.working_days_between(from, to))
    };
    let decided: Vec<&CaseRow> = cases.iter().filter(|c| c.decided_at.is_some()).collect();
    let wholly_online = decided
        .iter()
        .filter(|c| {
            let x = extras.get(&c.id).copied().unwrap_or_default();
            !x.paid_at_counter && x.materials_missing == 0
        })
        .count();
    let project_times = project_times(cases, (calendar, today), targets.whole);
    Dashboard {
        projects: project_times.len(),
        projects_by_stage: projects_by_stage(cases),
        cases_by_status: CaseStatus::ALL
            .iter()
            .map(|s| {
                let n = cases.iter().filter(|c| c.status == *s).count();
                Counted::new(s.label_zh(), n)
            })
            .collect(),
        matters: matter_times(&decided, &days_of),
        project_times,
        target_days: targets.whole,
        target_basis: targets.basis.clone(),
        decided: decided.len(),
        wholly_online,
        simulated_in_force: count(cases, |c| c.status == CaseStatus::Simulated),
        simulated_made_formal: count(cases, |c| c.made_formal_at.is_some()),
        simulated_lapsed: count(cases, |c| c.status == CaseStatus::Lapsed),
    }
}

fn count(cases: &[CaseRow], pred: impl Fn(&CaseRow) -> bool) -> usize {
    cases.iter().filter(|c| pred(c)).count()
}

fn matter_times(
    decided: &[&CaseRow],
    days_of: &impl Fn(&CaseRow) -> Option<u32>,
) -> Vec<MatterTime> {
    let mut by_matter: BTreeMap<&str, Vec<&CaseRow>> = BTreeMap::new();
    for c in decided.iter().filter(|c| c.accepted_at.is_some()) {
        by_matter.entry(c.matter_code.as_str()).or_default().push(c);
    }
    let order = |code: &str| {
        let matters = &crate::catalogue().matters;
        matters
            .iter()
            .position(|m| m.code == code)
            .unwrap_or(usize::MAX)
    };
    let mut times: Vec<(usize, MatterTime)> = by_matter
        .into_iter()
        .map(|(code, cases)| {
            let days: Vec<u32> = cases.iter().filter_map(|c| days_of(c)).collect();
            let total: u32 = days.iter().sum();
            let n = u32::try_from(days.len()).unwrap_or(u32::MAX).max(1);
            let first = cases[0];
            let promised = u32::try_from(first.promised_days).unwrap_or(0);
            let time = MatterTime {
                name: first.matter_name.clone(),
                decided: cases.len(),
                mean_tenths: (total * 10 + n / 2) / n,
                longest: days.iter().copied().max().unwrap_or(0),
                promised_days: first.promised_days,
                legal_days: first.legal_days,
                over_promise: days.iter().filter(|d| **d > promised).count(),
            };
            (order(code), time)
        })
        .collect();
    times.sort_by_key(|(at, _)| *at);
    times.into_iter().map(|(_, t)| t).collect()
}

/// Each project's working days: the sum, over the four sequential stages, of the span from a
/// stage's first 受理 to its last decision (or today, while one of its matters is open).
fn project_times(
    cases: &[CaseRow],
    (calendar, today): (&WorkingCalendar, NaiveDate),
    target: Option<u32>,
) -> Vec<ProjectTime> {
    let mut by_project: BTreeMap<i64, Vec<&CaseRow>> = BTreeMap::new();
    for c in cases {
        by_project.entry(c.project_id).or_default().push(c);
    }
    let mut times: Vec<ProjectTime> = by_project
        .into_values()
        .map(|cases| {
            let days = Stage::ALL
                .into_iter()
                .filter(|s| *s != Stage::Parallel)
                .map(|stage| stage_span(&cases, stage, (calendar, today)))
                .sum();
            let first = cases[0];
            ProjectTime {
                code: first.project_code.clone(),
                name: first.project_name.clone(),
                days,
                finished: cases.iter().all(|c| !c.status.is_open()),
                over_target: target.is_some_and(|t| days > t),
            }
        })
        .collect();
    times.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.code.cmp(&b.code)));
    times
}

/// A stage's working days: its matters run in parallel, so from the first 受理 of any of them
/// to the last decision (today while one is still open); 0 before any is taken in.
fn stage_span(
    cases: &[&CaseRow],
    stage: Stage,
    (calendar, today): (&WorkingCalendar, NaiveDate),
) -> u32 {
    let taken: Vec<&&CaseRow> = cases
        .iter()
        .filter(|c| c.stage == stage && c.accepted_at.is_some())
        .collect();
    let Some(start) = taken.iter().filter_map(|c| c.accepted_at).min() else {
        return 0;
    };
    let end = match taken.iter().any(|c| c.decided_at.is_none()) {
        true => today,
        false => taken
            .iter()
            .filter_map(|c| c.decided_at)
            .max()
            .map_or(today, local_date),
    };
    calendar.working_days_between(local_date(start), end)
}

fn projects_by_stage(cases: &[CaseRow]) -> Vec<Counted> {
    let mut by_project: BTreeMap<i64, Vec<&CaseRow>> = BTreeMap::new();
    for c in cases {
        by_project.entry(c.project_id).or_default().push(c);
    }
    let mut counts: BTreeMap<Option<Stage>, usize> = BTreeMap::new();
    for cases in by_project.values() {
        let current = current_stage(cases);
        *counts.entry(current).or_default() += 1;
    }
    let mut shown: Vec<Counted> = Stage::ALL
        .into_iter()
        .filter(|s| *s != Stage::Parallel)
        .map(|s| Counted::new(s.label(), counts.get(&Some(s)).copied().unwrap_or(0)))
        .collect();
    shown.push(Counted::new(
        "全部办结",
        counts.get(&None).copied().unwrap_or(0),
    ));
    shown
}

/// The first sequential stage with a matter of the catalogue not yet approved formally.
fn current_stage(cases: &[&CaseRow]) -> Option<Stage> {
    let approved = |code: &str| {
        cases
            .iter()
            .any(|c| c.matter_code == code && c.status == CaseStatus::Approved)
    };
    crate::catalogue()
        .matters
        .iter()
        .filter(|m| m.stage != Stage::Parallel && !approved(&m.code))
        .map(|m| m.stage)
        .min()
}

/// The dashboard of the caller's region, for staff: the whole region to those who watch it, a
/// department's own cases to its staff.
pub async fn of_region(app: &App, who: &Principal) -> AppResult<Dashboard> {
    if !who.role.is_staff() {
        return Err(AppError::forbidden("报建看板供政府工作人员查看"));
    }
    let prefix = match who.scope_filter() {
        ScopeFilter::All => String::new(),
        ScopeFilter::RegionPrefix(p) => p,
        _ => return Err(AppError::forbidden("报建看板供政府工作人员查看")),
    };
    let mut conn = app.db.conn().await?;
    let mut cases = crate::store::cases::in_region(&mut conn, &prefix).await?;
    // A department sees the figures of its own cases; the district's are for those who watch it.
    if !crate::access::watches(&mut conn, who).await? {
        cases.retain(|c| c.org_id == who.org_id);
    }
    let tallies = crate::store::cases::tallies_in_region(&mut conn, &prefix).await?;
    let extras = tallies
        .into_iter()
        .map(|t| {
            let needed = crate::catalogue()
                .get(&t.matter_code)
                .map_or(0, |m| m.materials.len());
            let given = t.given + usize::from(t.supplied);
            let extra = CaseExtras {
                paid_at_counter: t.at_counter,
                materials_missing: needed.saturating_sub(given),
            };
            (t.case_id, extra)
        })
        .collect();
    let today = local_date(app.now());
    Ok(compute(
        &cases,
        &extras,
        (&app.calendar(), today),
        targets(),
    ))
}
