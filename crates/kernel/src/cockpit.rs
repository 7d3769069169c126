//! 智慧云监督 cockpit: every clock of every scene, by department or by town, in one table — how
//! many are open, due soon and overdue, the longest delay and the on-time rate of those closed —
//! each cell leading to the clocks behind it, with the monthly trend. Scenes appear through the
//! clock kinds they declare ([`crate::Scene::clocks`]), so a new scene shows up by itself.

use crate::store::cockpit::{self as store, CellFilter, Listed, Tally, Window};
use crate::store::deadlines::Deadline;
use crate::store::orgs;
use crate::{App, AppError, AppResult, Principal};
use chrono::{DateTime, Duration, Utc};
use qinqing_domain::org::{Role, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// "Due soon": within the next day.
const SOON_HOURS: i64 = 24;
/// Closures and the trend cover the last twelve months.
const PERIOD_DAYS: i64 = 365;
/// How many clocks the list behind a cell shows.
const LIST_LIMIT: i64 = 200;

/// The rows of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Department,
    Town,
}

/// The order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most overdue first.
    #[default]
    Overdue,
    /// Lowest on-time rate first.
    OnTime,
    /// Longest delay first.
    Delay,
    /// Most open first.
    Open,
}

/// Which clocks of a cell to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    DueSoon,
    #[default]
    Overdue,
    ClosedLate,
}

impl Status {
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Open => "在办",
            Status::DueSoon => "即将到期",
            Status::Overdue => "已逾期",
            Status::ClosedLate => "逾期办结",
        }
    }

    fn listed(self) -> Listed {
        match self {
            Status::Open => Listed::Open,
            Status::DueSoon => Listed::DueSoon,
            Status::Overdue => Listed::Overdue,
            Status::ClosedLate => Listed::ClosedLate,
        }
    }
}

/// Who owns a kind of clock: the kernel or a scene.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Owner {
    /// Short English name, used in links (`policies`; `kernel` for the platform's own clocks).
    pub name: &'static str,
    /// 惠企政策, 诉求必应 …
    pub label: &'static str,
    #[serde(skip)]
    kinds: Vec<String>,
}

/// The owners of every kind of clock, the kernel's first, then the scenes' in their order;
/// "其他" for clocks of a kind nobody declares (any more).
fn owners(app: &App) -> Vec<Owner> {
    let kernel = Owner {
        name: "kernel",
        label: "企业画像",
        kinds: vec![crate::enterprises::CORRECTION_REVIEW.to_string()],
    };
    let orders = Owner {
        name: "supervision",
        label: "督办",
        kinds: vec![crate::supervision::ORDER_KIND.to_string()],
    };
    let scenes = app.scenes().iter().map(|s| Owner {
        name: s.name(),
        label: s.label(),
        kinds: s.clocks().into_iter().map(|c| c.kind).collect(),
    });
    [kernel, orders]
        .into_iter()
        .chain(scenes)
        .filter(|o| !o.kinds.is_empty())
        .chain(std::iter::once(Owner {
            name: "other",
            label: "其他",
            kinds: Vec::new(),
        }))
        .collect()
}

/// The index of the owner of `kind`: its own declaration, else its family's (`a.b` is `a`'s),
/// else "其他" (the last).
fn owner_of(owners: &[Owner], kind: &str) -> usize {
    let mut k = kind;
    loop {
        if let Some(i) = owners.iter().position(|o| o.kinds.iter().any(|d| d == k)) {
            return i;
        }
        match k.rfind('.') {
            Some(dot) => k = &k[..dot],
            None => return owners.len() - 1,
        }
    }
}

/// The counts of one cell (or a row's or the table's total).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Cell {
    pub open: i64,
    pub due_soon: i64,
    pub overdue: i64,
    /// Calendar days the longest-overdue open clock is past due.
    pub longest_delay_days: Option<i64>,
    pub closed: i64,
    pub closed_on_time: i64,
    /// Share of the clocks closed in the last twelve months that closed on time, in percent.
    pub on_time_percent: Option<u8>,
}

impl Cell {
    fn add(&mut self, t: &Tally, now: DateTime<Utc>) {
        self.open += t.open;
        self.due_soon += t.due_soon;
        self.overdue += t.overdue;
        self.closed += t.closed;
        self.closed_on_time += t.closed_on_time;
        let delay = t.oldest_overdue_due.map(|due| (now - due).num_days());
        self.longest_delay_days = self.longest_delay_days.max(delay);
    }

    fn finish(&mut self) {
        self.on_time_percent = (self.closed > 0).then(|| {
            let percent = self.closed_on_time * 100 / self.closed;
            u8::try_from(percent).unwrap_or(100)
        });
    }

    /// The colour a person reads first: red with anything overdue, amber with anything due
    /// soon, green otherwise, grey when empty.
    pub fn tone(&self) -> &'static str {
        if self.overdue > 0 {
            "bad"
        } else if self.due_soon > 0 {
            "watch"
        } else if self.open > 0 || self.closed > 0 {
            "good"
        } else {
            "empty"
        }
    }
}

/// One department or town.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    /// What the list behind a cell filters on: the department's id (`none` for clocks no
    /// department answers for) or the town's code.
    pub key: String,
    pub name: String,
    /// One cell per owner, in the order of [`Cockpit::owners`].
    pub cells: Vec<Cell>,
    pub total: Cell,
}

/// Clocks closed in one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Month {
    /// `2026-11`.
    pub month: String,
    pub closed: i64,
    pub on_time: i64,
    pub on_time_percent: u8,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cockpit {
    pub by: By,
    pub sort: Sort,
    pub owners: Vec<Owner>,
    pub rows: Vec<Row>,
    pub total: Row,
    pub months: Vec<Month>,
    /// Items whose warnings reached none of their own recipients and went up the ladder, each
    /// once at its highest grade, newest first.
    pub unreached: Vec<UnreachedWarning>,
    /// Long work in progress (a 免申即享 run, an enterprise import), oldest first.
    pub long_work: Vec<crate::store::long_work::Work>,
    pub as_of: DateTime<Utc>,
}

/// A warning nobody of its own grade could be told of: a department without the accounts its
/// clocks need, which supervisors must see to put right.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnreachedWarning {
    pub label: String,
    pub department: String,
    /// 提醒, 警示 …
    pub grade: &'static str,
    pub fired_at: DateTime<Utc>,
    /// Who was told instead: 已转部门负责人, 已转监督部门, 已转纪检监察, 无人可通知.
    pub climbed: &'static str,
    /// Where its full trail is.
    pub trail: String,
}

/// How many of those the cockpit shows.
const UNREACHED_LIMIT: i64 = 50;

/// Who may look, and over what: the supervising offices, 纪检 and the administrator over their
/// scope; a department lead over their own department.
pub(crate) struct Viewer {
    pub(crate) region_prefix: Option<String>,
    pub(crate) only_org: Option<i64>,
}

/// Whether people of this role have the cockpit (over their scope or department).
pub fn may_view(role: Role) -> bool {
    matches!(
        role,
        Role::SupervisorEfficiency
            | Role::SupervisorInvestment
            | Role::SupervisorDiscipline
            | Role::Admin
            | Role::DepartmentLead
    )
}

pub(crate) fn viewer(who: &Principal) -> AppResult<Viewer> {
    let region_prefix = match &who.scope {
        Scope::All => None,
        Scope::Region(code) => Some(crate::principal::region_prefix(code)),
        _ => {
            return Err(AppError::forbidden(
                "只有监督部门和部门负责人可以查看监督驾驶舱",
            ));
        }
    };
    match who.role {
        Role::SupervisorEfficiency
        | Role::SupervisorInvestment
        | Role::SupervisorDiscipline
        | Role::Admin => Ok(Viewer {
            region_prefix,
            only_org: None,
        }),
        Role::DepartmentLead => Ok(Viewer {
            region_prefix,
            only_org: Some(who.org_id),
        }),
        _ => Err(AppError::forbidden(
            "只有监督部门和部门负责人可以查看监督驾驶舱",
        )),
    }
}

pub(crate) fn window(viewer: &Viewer, now: DateTime<Utc>) -> Window<'_> {
    Window {
        region_prefix: viewer.region_prefix.as_deref(),
        now,
        soon: now + Duration::hours(SOON_HOURS),
        since: now - Duration::days(PERIOD_DAYS),
    }
}

/// The cockpit as `who` may see it.
pub async fn cockpit(app: &App, who: &Principal, by: By, sort: Sort) -> AppResult<Cockpit> {
    let viewer = viewer(who)?;
    let now = app.now();
    let window = window(&viewer, now);
    // The three reads that scan a year of clocks and warnings run side by side, each on its own
    // connection: on PostgreSQL each gets a backend (and a core) of its own.
    let db = &app.db;
    let (tallies, months, unreached) = tokio::try_join!(
        async { Ok::<_, AppError>(store::tallies(&mut *db.conn().await?, &window).await?) },
        async {
            let org = viewer.only_org;
            Ok(store::closed_by_month(&mut *db.conn().await?, &window, org).await?)
        },
        async { unreached(&mut *db.conn().await?, &viewer, &window).await },
    )?;
    let mut conn = db.conn().await?;
    let names = row_names(&mut conn, by).await?;
    let long_work = crate::store::long_work::running(&mut conn).await?;
    let owners = owners(app);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut total = Row {
        key: String::new(),
        name: "合计".into(),
        cells: vec![Cell::default(); owners.len()],
        total: Cell::default(),
    };
    for t in tallies
        .iter()
        .filter(|t| viewer.only_org.is_none() || t.org_id == viewer.only_org)
    {
        let key = match by {
            By::Department => t.org_id.map_or("none".to_string(), |id| id.to_string()),
            By::Town => t.town.clone(),
        };
        let row = rows.entry(key.clone()).or_insert_with(|| Row {
            name: row_name(&names, by, &key),
            key,
            cells: vec![Cell::default(); owners.len()],
            total: Cell::default(),
        });
        let owner = owner_of(&owners, &t.kind);
        for r in [&mut *row, &mut total] {
            r.cells[owner].add(t, now);
            r.total.add(t, now);
        }
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    for row in rows.iter_mut().chain(std::iter::once(&mut total)) {
        row.cells.iter_mut().for_each(Cell::finish);
        row.total.finish();
    }
    sort_rows(&mut rows, sort);
    let used: Vec<bool> = (0..owners.len())
        .map(|i| total.cells[i].open + total.cells[i].closed > 0 || owners[i].name != "other")
        .collect();
    Ok(Cockpit {
        by,
        sort,
        long_work,
        owners: keep(owners, &used),
        rows: rows
            .into_iter()
            .map(|r| Row {
                cells: keep(r.cells, &used),
                ..r
            })
            .collect(),
        total: Row {
            cells: keep(total.cells, &used),
            ..total
        },
        months: months
            .into_iter()
            .map(|m| Month {
                on_time_percent: percent(m.on_time, m.closed),
                month: m.month,
                closed: m.closed,
                on_time: m.on_time,
            })
            .collect(),
        unreached,
        as_of: now,
    })
}

pub(crate) async fn unreached(
    conn: &mut crate::store::Conn,
    viewer: &Viewer,
    window: &Window<'_>,
) -> AppResult<Vec<UnreachedWarning>> {
    let departments = row_names(conn, By::Department).await?;
    // An item warned at several grades is listed once, at its highest; read enough warnings
    // for the limit to count items.
    let found = store::unreached(conn, window, UNREACHED_LIMIT * 4).await?;
    Ok(highest_per_item(found)
        .into_iter()
        .filter(|u| viewer.only_org.is_none() || u.org_id == viewer.only_org)
        .take(usize::try_from(UNREACHED_LIMIT).unwrap_or(usize::MAX))
        .map(|u| UnreachedWarning {
            department: row_name(
                &departments,
                By::Department,
                &u.org_id.map_or("none".into(), |id| id.to_string()),
            ),
            grade: u.grade.label_zh(),
            fired_at: u.fired_at,
            climbed: u.climbed.label_zh(),
            trail: format!("/trace/{}/{}", u.object_type, u.object_id),
            label: u.label,
        })
        .collect())
}

/// Each item's warning of the highest grade, newest item first.
fn highest_per_item(found: Vec<store::Unreached>) -> Vec<store::Unreached> {
    let mut items: Vec<store::Unreached> = Vec::new();
    for warning in found {
        let same = items.iter_mut().find(|u| {
            u.object_type == warning.object_type
                && u.object_id == warning.object_id
                && u.label == warning.label
        });
        match same {
            Some(kept) if kept.grade < warning.grade => *kept = warning,
            Some(_) => {}
            None => items.push(warning),
        }
    }
    items
}

fn percent(part: i64, whole: i64) -> u8 {
    if whole <= 0 {
        return 0;
    }
    u8::try_from(part * 100 / whole).unwrap_or(100)
}

/// The items whose flag is set, in order ("其他" only when some clock is of an undeclared kind).
fn keep<T>(items: Vec<T>, used: &[bool]) -> Vec<T> {
    items
        .into_iter()
        .zip(used)
        .filter_map(|(item, &keep)| keep.then_some(item))
        .collect()
}

fn sort_rows(rows: &mut [Row], sort: Sort) {
    match sort {
        Sort::Overdue => {
            rows.sort_by_key(|r| std::cmp::Reverse((r.total.overdue, r.total.due_soon)))
        }
        // Rows with nothing closed have no rate: they go last.
        Sort::OnTime => rows.sort_by_key(|r| r.total.on_time_percent.unwrap_or(u8::MAX)),
        Sort::Delay => rows.sort_by_key(|r| std::cmp::Reverse(r.total.longest_delay_days)),
        Sort::Open => rows.sort_by_key(|r| std::cmp::Reverse(r.total.open)),
    }
}

/// Names of departments by id, or of towns by division code.
pub(crate) async fn row_names(
    conn: &mut crate::store::Conn,
    by: By,
) -> AppResult<BTreeMap<String, String>> {
    let orgs = orgs::list_non_enterprise(conn).await?;
    Ok(orgs
        .into_iter()
        .filter_map(|o| match by {
            By::Department => Some((o.id.to_string(), o.name)),
            By::Town => o.division_code.map(|c| (c.as_str().to_string(), o.name)),
        })
        .collect())
}

pub(crate) fn row_name(names: &BTreeMap<String, String>, by: By, key: &str) -> String {
    match (names.get(key), by) {
        (Some(name), _) => name.clone(),
        (None, By::Department) => "未指定部门".into(),
        (None, By::Town) => format!("区划 {key}"),
    }
}

/// The cell a list is asked for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CellQuery {
    #[serde(default)]
    pub by: By,
    /// The row's key (a department's id, `none`, or a town's code); empty: every row.
    pub key: Option<String>,
    /// The owner's short name (`policies`, `kernel`, `other`); empty: every owner.
    pub owner: Option<String>,
    #[serde(default)]
    #[param(inline)]
    pub status: Status,
}

/// One clock behind a cell.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListedClock {
    /// The clock's id, which a 督办 order names.
    pub id: i64,
    pub label: String,
    pub owner: &'static str,
    pub due_at: DateTime<Utc>,
    /// Calendar days past due (negative: days left).
    pub days_late: i64,
    /// Running past its due time: a 督办 may be issued on it.
    pub overdue: bool,
    /// Where its full trail is.
    pub trail: String,
}

/// The clocks behind one cell, the most urgent first (at most 200).
pub async fn clocks(app: &App, who: &Principal, q: &CellQuery) -> AppResult<Vec<ListedClock>> {
    let viewer = viewer(who)?;
    let now = app.now();
    let owners = owners(app);
    let owner = match q.owner.as_deref().filter(|o| !o.is_empty()) {
        Some(name) => Some(
            owners
                .iter()
                .position(|o| o.name == name)
                .ok_or_else(|| AppError::invalid("owner", "没有这个业务板块"))?,
        ),
        None => None,
    };
    let key = q.key.as_deref().filter(|k| !k.is_empty());
    let org_id = match (q.by, key) {
        (By::Department, Some("none")) => Some(None),
        (By::Department, Some(id)) => Some(Some(
            id.parse::<i64>()
                .map_err(|_| AppError::invalid("key", "部门编号应为数字"))?,
        )),
        _ => None,
    };
    let org_id = match (viewer.only_org, org_id) {
        (Some(own), None) => Some(Some(own)),
        (Some(own), Some(asked)) if asked != Some(own) => {
            return Err(AppError::forbidden("部门负责人只能查看本部门的时限"));
        }
        (_, asked) => asked,
    };
    let town = match q.by {
        By::Town => key,
        By::Department => None,
    };
    // "其他" is every kind nobody declares, which no kind list names: filter it afterwards.
    let declared: Option<Vec<String>> = owner
        .filter(|&i| owners[i].name != "other")
        .map(|i| owners[i].kinds.clone());
    let filter = CellFilter {
        window: window(&viewer, now),
        org_id,
        town,
        kinds: declared.as_deref(),
        listed: q.status.listed(),
        limit: LIST_LIMIT,
    };
    let mut conn = app.db.conn().await?;
    let found = store::clocks(&mut conn, &filter).await?;
    Ok(found
        .into_iter()
        .map(|d| (owner_of(&owners, &d.kind), d))
        .filter(|(o, _)| owner.is_none_or(|want| want == *o) || declared.is_some())
        .map(|(o, d)| listed(&owners[o], d, now))
        .collect())
}

fn listed(owner: &Owner, d: Deadline, now: DateTime<Utc>) -> ListedClock {
    ListedClock {
        id: d.id,
        trail: format!("/trace/{}/{}", d.object_type, d.object_id),
        label: d.label,
        owner: owner.label,
        days_late: (now - d.due_at).num_days(),
        overdue: d.state == crate::store::deadlines::State::Running && d.due_at < now,
        due_at: d.due_at,
    }
}
