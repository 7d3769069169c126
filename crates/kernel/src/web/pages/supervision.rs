//! 监督驾驶舱: the supervision cockpit and the clocks behind each of its cells.

use super::{Layout, error_page};
use crate::cockpit::{self, By, Cell, CellQuery, Cockpit, ListedClock, Sort, UnreachedWarning};
use crate::web::AppState;
use crate::web::chart::{Bar, Chart, Month, Series, Tone};
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(page))
        .route("/supervision/clocks", get(list))
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision.html")]
pub struct CockpitPage {
    layout: Layout,
    c: Cockpit,
    /// The caller reads 监督的再监督 (the supervising offices, the administrator).
    oversight: bool,
    /// The caller reads 数智监督's flags (纪检, administrator).
    flags: bool,
    /// The caller reads 部门评分.
    scorecard: bool,
    /// The months the 月度报告 can be downloaded for (none for whoever may not have it).
    report_months: Vec<(String, String)>,
}

impl CockpitPage {
    fn by_param(&self) -> &'static str {
        match self.c.by {
            By::Department => "department",
            By::Town => "town",
        }
    }

    /// The list behind a cell: its overdue clocks when there are any, else its open ones.
    fn cell_link(&self, key: &str, owner: Option<&str>, cell: &Cell) -> String {
        let status = if cell.overdue > 0 {
            "overdue"
        } else if cell.due_soon > 0 {
            "due_soon"
        } else {
            "open"
        };
        let mut link = format!("/supervision/clocks?by={}&status={status}", self.by_param());
        if !key.is_empty() {
            link.push_str(&format!("&key={key}"));
        }
        if let Some(owner) = owner {
            link.push_str(&format!("&owner={owner}"));
        }
        link
    }

    fn sort_link(&self, sort: &str) -> String {
        format!("/supervision?by={}&sort={sort}", self.by_param())
    }

    fn sorted_by(&self, sort: Sort) -> bool {
        self.c.sort == sort
    }

    /// The unreached items by department, the department with most first.
    fn unreached_by_department(&self) -> Vec<(&str, Vec<&UnreachedWarning>)> {
        let mut groups: Vec<(&str, Vec<&UnreachedWarning>)> = Vec::new();
        for item in &self.c.unreached {
            match groups.iter_mut().find(|(d, _)| *d == item.department) {
                Some((_, items)) => items.push(item),
                None => groups.push((&item.department, vec![item])),
            }
        }
        groups.sort_by_key(|(_, items)| std::cmp::Reverse(items.len()));
        groups
    }
}

impl CockpitPage {
    /// The on-time rate of a cell as people read it.
    fn rate(&self, cell: &Cell) -> String {
        cell.on_time_percent.map_or("—".into(), |p| format!("{p}%"))
    }

    fn delay(&self, cell: &Cell) -> String {
        match cell.longest_delay_days {
            Some(0) => "不足 1 天".into(),
            Some(days) => format!("{days} 天"),
            None => "—".into(),
        }
    }
}

impl CockpitPage {
    /// Clocks closed by month, on time and late stacked, so a bad month shows as more red.
    fn trend(&self) -> Chart {
        let series =
            [("按时办结", Tone::Good), ("逾期办结", Tone::Bad)].map(|(name, tone)| Series {
                name: name.into(),
                tone,
            });
        let months: Vec<Month> = self
            .c
            .months
            .iter()
            .map(|m| Month {
                month: m.month.clone(),
                values: vec![m.on_time, m.closed - m.on_time],
            })
            .collect();
        Chart::trend("trend", "近 12 个月每月办结件数", "件", &series, &months)
    }

    /// Overdue clocks by department or town, in the table's order.
    fn overdue_chart(&self) -> Chart {
        let bars: Vec<Bar> = self
            .c
            .rows
            .iter()
            .map(|r| Bar {
                label: r.name.clone(),
                value: r.total.overdue,
                shown: format!("{} 件", r.total.overdue),
                exact: format!("{} 件", r.total.overdue),
                more: vec![r.total.open.to_string(), self.delay(&r.total)],
            })
            .collect();
        let (title, head) = match self.c.by {
            By::Department => ("各部门已逾期件数", "部门"),
            By::Town => ("各镇街已逾期件数", "镇街"),
        };
        Chart::bars(
            "overdue",
            title,
            Tone::Bad,
            &[head, "已逾期", "在办", "最长逾期"],
            &bars,
        )
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    by: By,
    #[serde(default)]
    sort: Sort,
}

async fn page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    // A hand-edited address with an unknown view or order shows the default one.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let c = match cockpit::cockpit(&state.app, &caller.principal, q.by, q.sort).await {
        Ok(c) => c,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    CockpitPage {
        layout: Layout::new("监督驾驶舱", Some(&caller), &state, "/supervision"),
        oversight: crate::supervision::may_oversee(caller.principal.role),
        flags: crate::flags::may_read(caller.principal.role),
        scorecard: crate::scorecard::may_view(caller.principal.role),
        report_months: if crate::monthly_report::may_view(caller.principal.role) {
            crate::monthly_report::recent_months(state.app.now())
        } else {
            Vec::new()
        },
        c,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_clocks.html")]
pub struct ClocksPage {
    layout: Layout,
    heading: String,
    clocks: Vec<ListedClock>,
    back: String,
    /// The caller issues 督办 on an overdue clock (效能办, 纪检).
    may_supervise: bool,
    default_days: u32,
}

async fn list(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    query: Result<Query<CellQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let clocks = match cockpit::clocks(&state.app, &caller.principal, &q).await {
        Ok(c) => c,
        Err(e) => return error_page(&e, Some(&caller), &state),
    };
    let by = match q.by {
        By::Department => "department",
        By::Town => "town",
    };
    ClocksPage {
        layout: Layout::new("监督驾驶舱", Some(&caller), &state, "/supervision"),
        heading: format!("{}的时限", q.status.label_zh()),
        clocks,
        back: format!("/supervision?by={by}"),
        may_supervise: crate::supervision::may_supervise(caller.principal.role),
        default_days: crate::supervision::DEFAULT_DAYS,
    }
    .into_response()
}

impl ClocksPage {
    /// How a listed clock's lateness reads.
    fn lateness(&self, clock: &ListedClock) -> String {
        match clock.days_late {
            d if d > 0 => format!("已逾期 {d} 天"),
            0 => "今天到期".into(),
            d => format!("还有 {} 天", -d),
        }
    }
}
