//! Supervision of 政企合同双兑现: the commitment workbench, the supervision dashboard (with its
//! CSV/XLSX tables), the departments' performance feed and 监督的再监督 — warnings the
//! supervising offices left unanswered, and escalations to 纪检.
//!
//! Every figure is computed from the items and today, like the timeline itself: nothing here is
//! stored, so the figures can never disagree with the project pages.

use crate::access::{answers_for, covers, is_own_enterprise, may_confirm, may_see};
use crate::clocks::CLOCK_KIND;
use crate::model::OBJECT;
use crate::store::agreements::{self as store, AgreementRow, CommitmentRow};
use crate::timeline::{schedule, timeline};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use qinqing_domain::commitment::{Outcome, Side, Status};
use qinqing_domain::deadline::{Grade, local_date};
use qinqing_domain::org::{Role, Scope};
use qinqing_exchange::table::{Cell, Table};
use qinqing_kernel::deadlines::{self, WarningView};
use qinqing_kernel::store::deadlines::{self as clock_store, State};
use qinqing_kernel::store::{Conn, orgs};
use qinqing_kernel::{App, AppError, AppResult, Principal};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

/// An item with where it stands today and the date the agreement gave it as signed.
struct Tracked {
    agreement: AgreementRow,
    row: CommitmentRow,
    planned: NaiveDate,
    status: Status,
    /// The planned date computed from the agreement alone: every upstream item on its own
    /// contract date, no 改期 — what the parties signed, before any slip.
    contract: NaiveDate,
}

/// Every item of the agreements `keep` accepts, with its state on `today`.
async fn tracked(
    conn: &mut Conn,
    app: &App,
    now: DateTime<Utc>,
    keep: impl Fn(&AgreementRow, &[CommitmentRow]) -> bool,
) -> AppResult<Vec<Tracked>> {
    let mut out = Vec::new();
    for a in store::list(conn).await? {
        let rows = store::commitments(conn, a.id).await?;
        if !keep(&a, &rows) {
            continue;
        }
        let scheduled = schedule(app, &rows, now)?;
        let contract = contract_dates(app, &a, &rows)?;
        for ((row, s), contract) in rows.into_iter().zip(scheduled).zip(contract) {
            out.push(Tracked {
                agreement: a.clone(),
                row,
                planned: s.planned,
                status: s.status,
                contract,
            });
        }
    }
    Ok(out)
}

/// Each item's date as signed: the chain scheduled on the signing day with nothing fulfilled
/// and nothing replanned.
fn contract_dates(
    app: &App,
    a: &AgreementRow,
    rows: &[CommitmentRow],
) -> AppResult<Vec<NaiveDate>> {
    let as_signed: Vec<CommitmentRow> = rows
        .iter()
        .map(|r| CommitmentRow {
            replanned: None,
            outcome: Outcome::Open,
            ..r.clone()
        })
        .collect();
    Ok(timeline(&as_signed)?
        .schedule(a.signed_on, &app.calendar())
        .into_iter()
        .map(|s| s.planned)
        .collect())
}

fn in_scope(who: &Principal, a: &AgreementRow) -> bool {
    who.scope == Scope::All || covers(who, &a.region_code)
}

fn scope_name(who: &Principal) -> String {
    match who.scope {
        Scope::All => "全区".to_string(),
        _ => who.org_name.clone(),
    }
}

/// The dashboard and the performance feed are for the offices that supervise and the leads
/// rated on the figures.
fn may_supervise(who: &Principal) -> bool {
    who.role.is_supervisor() || matches!(who.role, Role::DepartmentLead | Role::Admin)
}

fn refuse_unless_supervisor(who: &Principal) -> AppResult<()> {
    if may_supervise(who) && matches!(who.scope, Scope::All | Scope::Region(_)) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "只有效能办、招商办、纪检监察、部门负责人和管理员可以查看履约统计",
        ))
    }
}

// ----- fulfilment figures -----

/// How a group of items stands. `on_time_bp` is fulfilled on time over the items that came
/// to a result or are late (on time + late + overdue open + breached), in basis points
/// (10000 = 100 %); waived items and reports waiting for confirmation are not counted in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Fulfilment {
    /// Items whose planned date has come, or that are closed or reported.
    pub due: i64,
    pub fulfilled_on_time: i64,
    pub fulfilled_late: i64,
    pub overdue_open: i64,
    pub breached: i64,
    pub waived: i64,
    pub awaiting_confirmation: i64,
    pub on_time_bp: Option<i64>,
}

impl Fulfilment {
    fn add(&mut self, status: Status) {
        let counter = match status {
            // An incentive suspended by the enterprise's breach is not the department's delay.
            Status::Planned | Status::DueSoon | Status::Suspended => return,
            Status::Due => None,
            Status::Overdue => Some(&mut self.overdue_open),
            Status::Reported => Some(&mut self.awaiting_confirmation),
            Status::FulfilledOnTime => Some(&mut self.fulfilled_on_time),
            Status::FulfilledLate => Some(&mut self.fulfilled_late),
            Status::Waived => Some(&mut self.waived),
            Status::Breached => Some(&mut self.breached),
        };
        self.due += 1;
        if let Some(c) = counter {
            *c += 1;
        }
        let decided =
            self.fulfilled_on_time + self.fulfilled_late + self.overdue_open + self.breached;
        self.on_time_bp = (decided > 0).then(|| self.fulfilled_on_time * 10_000 / decided);
    }
}

/// Items of one state, by side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateCount {
    pub status: &'static str,
    pub label: &'static str,
    pub government: i64,
    pub enterprise: i64,
}

/// The fulfilment of one department (government items) or enterprise (its items).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupFulfilment {
    pub name: String,
    #[serde(flatten)]
    pub figures: Fulfilment,
}

/// Days late: items fulfilled late count to their fulfilment date, overdue open items to today.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Delay {
    pub items: i64,
    pub total_days: i64,
    /// Two decimals, e.g. "12.50"; absent when nothing is late.
    pub average_days: Option<String>,
    pub max_days: i64,
}

/// A project whose construction started (开工), against the date in the agreement as signed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectStart {
    pub agreement_id: i64,
    pub project_name: String,
    pub investor_name: String,
    pub contract_on: NaiveDate,
    pub started_on: NaiveDate,
    /// Days before the contract date (negative: after it).
    pub days_ahead: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionDashboard {
    pub scope: String,
    pub today: NaiveDate,
    pub agreements: i64,
    pub items: i64,
    pub by_status: Vec<StateCount>,
    pub overall: Fulfilment,
    pub by_department: Vec<GroupFulfilment>,
    pub by_enterprise: Vec<GroupFulfilment>,
    pub delay: Delay,
    pub starts: Vec<ProjectStart>,
    pub started_ahead: i64,
    pub started_behind: i64,
}

/// The name a government item is rated under: its responsible unit's organisation, else the
/// unit as written.
async fn department_names(conn: &mut Conn, items: &[Tracked]) -> AppResult<BTreeMap<i64, String>> {
    let mut names = BTreeMap::new();
    for id in items.iter().filter_map(|t| t.row.responsible_org_id) {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(id)
            && let Some(org) = orgs::get(conn, id).await?
        {
            e.insert(org.name);
        }
    }
    Ok(names)
}

fn department_of(t: &Tracked, names: &BTreeMap<i64, String>) -> String {
    t.row
        .responsible_org_id
        .and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| match t.row.responsible_unit.trim() {
            "" => "未指定责任单位".to_string(),
            unit => unit.to_string(),
        })
}

fn grouped(items: &[&Tracked], key: impl Fn(&Tracked) -> String) -> Vec<GroupFulfilment> {
    let mut groups: BTreeMap<String, Fulfilment> = BTreeMap::new();
    for t in items {
        groups.entry(key(t)).or_default().add(t.status);
    }
    groups
        .into_iter()
        .map(|(name, figures)| GroupFulfilment { name, figures })
        .collect()
}

fn days_late(t: &Tracked, today: NaiveDate) -> Option<i64> {
    match (t.status, t.row.outcome) {
        (Status::FulfilledLate, Outcome::Fulfilled { on }) => Some((on - t.planned).num_days()),
        (Status::Overdue, _) => Some((today - t.planned).num_days()),
        _ => None,
    }
}

fn delay(items: &[Tracked], today: NaiveDate) -> Delay {
    let days: Vec<i64> = items.iter().filter_map(|t| days_late(t, today)).collect();
    let total: i64 = days.iter().sum();
    let n = days.len() as i64;
    Delay {
        items: n,
        total_days: total,
        average_days: (n > 0).then(|| {
            let hundredths = total * 100 / n;
            format!("{}.{:02}", hundredths / 100, hundredths % 100)
        }),
        max_days: days.into_iter().max().unwrap_or(0),
    }
}

/// The 开工 item of a chain: the standard node, or an item that says so.
fn is_construction_start(row: &CommitmentRow) -> bool {
    row.key == "construction_start" || row.content.contains("开工")
}

fn starts(items: &[Tracked]) -> Vec<ProjectStart> {
    items
        .iter()
        .filter(|t| is_construction_start(&t.row))
        .filter_map(|t| match t.row.outcome {
            Outcome::Fulfilled { on } | Outcome::Reported { on } => Some(ProjectStart {
                agreement_id: t.agreement.id,
                project_name: t.agreement.project_name.clone(),
                investor_name: t.agreement.investor_name.clone(),
                contract_on: t.contract,
                started_on: on,
                days_ahead: (t.contract - on).num_days(),
            }),
            _ => None,
        })
        .collect()
}

/// The supervision dashboard of the caller's scope.
/// The agreements named on the dashboard that `who` may open: a lead watches the district's
/// figures but opens only the agreements its department manages or answers for.
pub async fn openable(
    app: &App,
    who: &Principal,
    d: &SupervisionDashboard,
) -> AppResult<HashSet<i64>> {
    let mut conn = app.db.conn().await?;
    let mut open = HashSet::new();
    for id in d.starts.iter().map(|s| s.agreement_id) {
        if open.contains(&id) {
            continue;
        }
        let (a, rows) = crate::access::load(&mut conn, id).await?;
        if may_see(who, &a, &rows) {
            open.insert(id);
        }
    }
    Ok(open)
}

pub async fn dashboard(app: &App, who: &Principal) -> AppResult<SupervisionDashboard> {
    refuse_unless_supervisor(who)?;
    let now = app.now();
    let today = local_date(now);
    let mut conn = app.db.conn().await?;
    let items = tracked(&mut conn, app, now, |a, _| in_scope(who, a)).await?;
    let names = department_names(&mut conn, &items).await?;
    let by_status = Status::ALL
        .into_iter()
        .map(|status| {
            let count = |side: Side| {
                items
                    .iter()
                    .filter(|t| t.status == status && t.row.side == side)
                    .count() as i64
            };
            StateCount {
                status: status.as_str(),
                label: status.label_zh(),
                government: count(Side::Government),
                enterprise: count(Side::Enterprise),
            }
        })
        .collect();
    let mut overall = Fulfilment::default();
    items.iter().for_each(|t| overall.add(t.status));
    let of_side =
        |side: Side| -> Vec<&Tracked> { items.iter().filter(|t| t.row.side == side).collect() };
    let starts = starts(&items);
    let mut agreements: Vec<i64> = items.iter().map(|t| t.agreement.id).collect();
    agreements.dedup();
    Ok(SupervisionDashboard {
        scope: scope_name(who),
        today,
        agreements: agreements.len() as i64,
        items: items.len() as i64,
        by_status,
        overall,
        by_department: grouped(&of_side(Side::Government), |t| department_of(t, &names)),
        by_enterprise: grouped(&of_side(Side::Enterprise), |t| {
            t.agreement.investor_name.clone()
        }),
        delay: delay(&items, today),
        started_ahead: starts.iter().filter(|s| s.days_ahead > 0).count() as i64,
        started_behind: starts.iter().filter(|s| s.days_ahead < 0).count() as i64,
        starts,
    })
}

/// The dashboard as tables: the summary for CSV, all of them for XLSX.
pub fn tables(d: &SupervisionDashboard) -> Vec<Table> {
    let summary = Table::figures(
        "履约概况",
        [
            ("统计范围", Cell::text(&d.scope)),
            ("统计日期", Cell::text(&d.today.to_string())),
            ("协议数", Cell::Integer(d.agreements)),
            ("承诺事项", Cell::Integer(d.items)),
            ("已到期事项", Cell::Integer(d.overall.due)),
            ("按期履约率", Cell::percent_or_blank(d.overall.on_time_bp)),
            ("逾期事项数", Cell::Integer(d.delay.items)),
            ("逾期天数合计", Cell::Integer(d.delay.total_days)),
            (
                "平均逾期天数",
                Cell::text_or_blank(d.delay.average_days.as_deref()),
            ),
            ("最长逾期天数", Cell::Integer(d.delay.max_days)),
            ("提前开工项目", Cell::Integer(d.started_ahead)),
            ("滞后开工项目", Cell::Integer(d.started_behind)),
        ],
    );
    let statuses = Table::new(
        "事项状态",
        &["状态", "政府方", "企业方"],
        d.by_status.iter().map(|s| {
            vec![
                Cell::text(s.label),
                Cell::Integer(s.government),
                Cell::Integer(s.enterprise),
            ]
        }),
    );
    let group_table = |title: &str, first: &str, groups: &[GroupFulfilment]| {
        Table::new(
            title,
            &[
                first,
                "已到期",
                "按期履约",
                "逾期履约",
                "逾期未履约",
                "违约",
                "豁免",
                "待确认",
                "按期履约率",
            ],
            groups.iter().map(|g| {
                let f = &g.figures;
                vec![
                    Cell::text(&g.name),
                    Cell::Integer(f.due),
                    Cell::Integer(f.fulfilled_on_time),
                    Cell::Integer(f.fulfilled_late),
                    Cell::Integer(f.overdue_open),
                    Cell::Integer(f.breached),
                    Cell::Integer(f.waived),
                    Cell::Integer(f.awaiting_confirmation),
                    Cell::percent_or_blank(f.on_time_bp),
                ]
            }),
        )
    };
    let starts = Table::new(
        "开工对比",
        &["项目", "投资方", "合同开工日期", "实际开工日期", "提前天数"],
        d.starts.iter().map(|s| {
            vec![
                Cell::text(&s.project_name),
                Cell::text(&s.investor_name),
                Cell::text(&s.contract_on.to_string()),
                Cell::text(&s.started_on.to_string()),
                Cell::Integer(s.days_ahead),
            ]
        }),
    );
    vec![
        summary,
        statuses,
        group_table("部门履约", "责任单位", &d.by_department),
        group_table("企业履约", "企业", &d.by_enterprise),
        starts,
    ]
}

// ----- performance feed -----

/// One government department's record for a year, as its performance rating reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentPerformance {
    /// The responsible organisation; absent for items whose unit is only written as text.
    pub org_id: Option<i64>,
    pub department: String,
    #[serde(flatten)]
    pub figures: Fulfilment,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerformanceFeed {
    /// Items are counted in the year their planned date falls in.
    pub year: i32,
    pub scope: String,
    pub today: NaiveDate,
    pub departments: Vec<DepartmentPerformance>,
}

/// Per government department: its items planned in `year` and how they stand today.
pub async fn performance(
    app: &App,
    who: &Principal,
    year: Option<i32>,
) -> AppResult<PerformanceFeed> {
    refuse_unless_supervisor(who)?;
    let now = app.now();
    let today = local_date(now);
    let year = year.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid("year", "年度应在 2000 至 2100 之间"));
    }
    let mut conn = app.db.conn().await?;
    let items: Vec<Tracked> = tracked(&mut conn, app, now, |a, _| in_scope(who, a))
        .await?
        .into_iter()
        .filter(|t| t.row.side == Side::Government && t.planned.year() == year)
        .collect();
    let names = department_names(&mut conn, &items).await?;
    let mut groups: BTreeMap<(String, Option<i64>), Fulfilment> = BTreeMap::new();
    for t in &items {
        let org = t.row.responsible_org_id.filter(|id| names.contains_key(id));
        groups
            .entry((department_of(t, &names), org))
            .or_default()
            .add(t.status);
    }
    Ok(PerformanceFeed {
        year,
        scope: scope_name(who),
        today,
        departments: groups
            .into_iter()
            .map(|((department, org_id), figures)| DepartmentPerformance {
                org_id,
                department,
                figures,
            })
            .collect(),
    })
}

// ----- workbench -----

/// An item on someone's desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskItem {
    pub agreement_id: i64,
    pub project_name: String,
    pub key: String,
    pub content: String,
    pub side_label: &'static str,
    pub responsible_unit: String,
    pub planned_on: NaiveDate,
    /// due_soon | due | overdue (see `ItemView::status`)
    #[schema(value_type = String)]
    pub status: Status,
    pub status_label: &'static str,
    /// Days to the planned date; negative once overdue.
    pub days_left: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommitmentDesk {
    /// Items the caller's organisation (or enterprise) answers for, due within 30 days or overdue.
    pub mine: Vec<DeskItem>,
    /// Reports of the other side that wait for the caller's confirmation.
    pub to_confirm: Vec<DeskItem>,
    /// Overdue items of the caller's scope, for leads and supervisors.
    pub overdue: Vec<DeskItem>,
    /// Commitment warnings addressed to the caller that wait for action.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<WarningView>,
}

fn pressing(status: Status) -> bool {
    matches!(status, Status::DueSoon | Status::Due | Status::Overdue)
}

fn desk_item(t: &Tracked, today: NaiveDate) -> DeskItem {
    DeskItem {
        agreement_id: t.agreement.id,
        project_name: t.agreement.project_name.clone(),
        key: t.row.key.clone(),
        content: t.row.content.clone(),
        side_label: t.row.side.label_zh(),
        responsible_unit: t.row.responsible_unit.clone(),
        planned_on: t.planned,
        status: t.status,
        status_label: t.status.label_zh(),
        days_left: (t.planned - today).num_days(),
    }
}

/// Whether the caller answers for an item: the enterprise for its own items, the responsible
/// unit's staff for government ones.
fn is_mine(who: &Principal, t: &Tracked) -> bool {
    match t.row.side {
        Side::Enterprise => is_own_enterprise(who, &t.agreement),
        Side::Government => answers_for(who, &t.row),
    }
}

/// Which overdue items of its scope a role watches: each office its side, leads, 纪检 and the
/// administrator both.
fn watches(role: Role, side: Side) -> bool {
    match role {
        Role::SupervisorEfficiency => side == Side::Government,
        Role::SupervisorInvestment => side == Side::Enterprise,
        Role::SupervisorDiscipline | Role::DepartmentLead | Role::Admin => true,
        _ => false,
    }
}

/// The caller's commitment items to act on, and its unanswered commitment warnings.
pub async fn desk(app: &App, who: &Principal) -> AppResult<CommitmentDesk> {
    let now = app.now();
    let today = local_date(now);
    let mut conn = app.db.conn().await?;
    let mut items = tracked(&mut conn, app, now, |a, rows| may_see(who, a, rows)).await?;
    drop(conn);
    items.sort_by_key(|t| (t.planned, t.row.id));
    let mine = items
        .iter()
        .filter(|t| pressing(t.status) && is_mine(who, t))
        .map(|t| desk_item(t, today))
        .collect();
    let to_confirm = items
        .iter()
        .filter(|t| t.status == Status::Reported && may_confirm(who, &t.agreement, &t.row))
        .map(|t| desk_item(t, today))
        .collect();
    let overdue = items
        .iter()
        .filter(|t| t.status == Status::Overdue && watches(who.role, t.row.side))
        .map(|t| desk_item(t, today))
        .collect();
    let warnings = deadlines::my_warnings(app, who)
        .await?
        .into_iter()
        .filter(|w| w.object_type == OBJECT && w.acted_at.is_none())
        .collect();
    Ok(CommitmentDesk {
        mine,
        to_confirm,
        overdue,
        warnings,
    })
}

// ----- 监督的再监督 -----

/// A fired commitment warning, seen by 纪检.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WatchedWarning {
    pub warning_id: i64,
    pub grade: &'static str,
    pub grade_label: &'static str,
    pub label: String,
    /// The agreement of the item, for the link to its timeline.
    pub agreement_id: Option<i64>,
    pub side_label: &'static str,
    /// 效能办 for government items, 招商办 for enterprise items.
    pub supervisor: &'static str,
    pub fired_at: DateTime<Utc>,
    pub acted_at: Option<DateTime<Utc>>,
    pub act_note: Option<String>,
    /// Whole hours since it fired without an answer (to the answer, once there is one).
    pub waited_hours: i64,
    /// The item is closed (its clock stopped) since.
    pub item_closed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Resupervision {
    pub scope: String,
    /// 警示 and 催告 nobody acted on, longest waiting first.
    pub unacted: Vec<WatchedWarning>,
    /// Every 上报纪检 of a commitment clock, newest first.
    pub escalations: Vec<WatchedWarning>,
}

fn may_resupervise(who: &Principal) -> bool {
    matches!(who.role, Role::SupervisorDiscipline | Role::Admin)
}

fn watched(
    w: &clock_store::Warning,
    d: &clock_store::Deadline,
    agreement_of: &BTreeMap<String, i64>,
    now: DateTime<Utc>,
) -> Option<WatchedWarning> {
    let fired = w.fired_at?;
    let side = if d.side == "enterprise" {
        Side::Enterprise
    } else {
        Side::Government
    };
    Some(WatchedWarning {
        warning_id: w.id,
        grade: w.grade.as_str(),
        grade_label: w.grade.label_zh(),
        label: d.label.clone(),
        agreement_id: agreement_of.get(&d.object_id).copied(),
        side_label: side.label_zh(),
        supervisor: match side {
            Side::Government => Role::SupervisorEfficiency.label_zh(),
            Side::Enterprise => Role::SupervisorInvestment.label_zh(),
        },
        fired_at: fired,
        acted_at: w.acted_at,
        act_note: w.act_note.clone(),
        waited_hours: (w.acted_at.unwrap_or(now) - fired).num_hours(),
        item_closed: d.state == State::Stopped,
    })
}

/// 纪检's view of the supervisors: commitment warnings left unanswered and escalations.
pub async fn resupervision(app: &App, who: &Principal) -> AppResult<Resupervision> {
    if !may_resupervise(who) {
        return Err(AppError::forbidden(
            "只有纪检监察和管理员可以查看监督的再监督",
        ));
    }
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let mut agreement_of = BTreeMap::new();
    for a in store::list(&mut conn).await? {
        for row in store::commitments(&mut conn, a.id).await? {
            agreement_of.insert(row.id.to_string(), a.id);
        }
    }
    let grades = [Grade::Warning, Grade::Demand, Grade::Escalated];
    let fired = clock_store::fired_of(&mut conn, OBJECT, CLOCK_KIND, &grades).await?;
    let mut unacted = Vec::new();
    let mut escalations = Vec::new();
    for (w, d) in &fired {
        if !(who.scope == Scope::All || covers(who, &d.region_code)) {
            continue;
        }
        let Some(seen) = watched(w, d, &agreement_of, now) else {
            continue;
        };
        match w.grade {
            Grade::Escalated => escalations.push(seen),
            _ if w.acted_at.is_none() => unacted.push(seen),
            _ => {}
        }
    }
    unacted.sort_by_key(|w| (w.fired_at, w.warning_id));
    Ok(Resupervision {
        scope: scope_name(who),
        unacted,
        escalations,
    })
}
