//! 报建看板: the district's approvals at a glance, for staff.

use crate::dashboard::{self, Counted, Dashboard};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::chart::{Bar, Chart, Tone};
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::PageUser;

#[derive(Template, WebTemplate)]
#[template(path = "construction_dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    d: Dashboard,
}

/// One bar per count.
fn counted(rows: &[Counted], unit: &str) -> Vec<Bar> {
    rows.iter()
        .map(|c| Bar {
            label: c.label.clone(),
            value: i64::try_from(c.count).unwrap_or(i64::MAX),
            shown: format!("{} {unit}", c.count),
            exact: format!("{} {unit}", c.count),
            more: Vec::new(),
        })
        .collect()
}

/// Tenths of a working day as people read them: 3.5 个工作日.
fn tenths(t: u32) -> String {
    format!("{}.{} 个工作日", t / 10, t % 10)
}

impl DashboardPage {
    fn stage_chart(&self) -> Chart {
        let bars = counted(&self.d.projects_by_stage, "个");
        Chart::bars(
            "stages",
            "各阶段在办项目数",
            Tone::Plain,
            &["阶段", "项目数"],
            &bars,
        )
    }

    fn status_chart(&self) -> Chart {
        let bars = counted(&self.d.cases_by_status, "件");
        Chart::bars(
            "statuses",
            "办件状态",
            Tone::Plain,
            &["状态", "件数"],
            &bars,
        )
    }

    /// Whether any decided matter took a working day or more (a chart of zeros shows nothing).
    fn matters_took_days(&self) -> bool {
        self.d.matters.iter().any(|m| m.mean_tenths > 0)
    }

    /// Whether any project has spent a working day or more.
    fn projects_took_days(&self) -> bool {
        self.d.project_times.iter().any(|p| p.days > 0)
    }

    fn matter_chart(&self) -> Chart {
        let bars: Vec<Bar> = self
            .d
            .matters
            .iter()
            .map(|m| Bar {
                label: m.name.clone(),
                value: i64::from(m.mean_tenths),
                shown: tenths(m.mean_tenths),
                exact: tenths(m.mean_tenths),
                more: vec![
                    format!("{} 个工作日", m.promised_days),
                    format!("{} 个工作日", m.legal_days),
                    format!("{} 个工作日", m.longest),
                    format!("{} / {}", m.over_promise, m.decided),
                ],
            })
            .collect();
        let heads = [
            "事项",
            "平均用时",
            "承诺时限",
            "法定时限",
            "最长",
            "超承诺/办结",
        ];
        Chart::bars(
            "matters",
            "各事项平均办理用时(受理至办结)",
            Tone::Good,
            &heads,
            &bars,
        )
    }

    fn project_chart(&self) -> Chart {
        let target = self
            .d
            .target_days
            .map_or("未设定".to_string(), |t| format!("{t} 个工作日"));
        let bars: Vec<Bar> = self
            .d
            .project_times
            .iter()
            .map(|p| Bar {
                label: p.name.clone(),
                value: i64::from(p.days),
                shown: format!("{} 个工作日", p.days),
                exact: format!("{} 个工作日", p.days),
                more: vec![
                    target.clone(),
                    match (p.finished, p.over_target) {
                        (_, true) => "超出目标".into(),
                        (true, false) => "已办结".into(),
                        (false, false) => "在办".into(),
                    },
                ],
            })
            .collect();
        let tone = match self.d.project_times.iter().any(|p| p.over_target) {
            true => Tone::Bad,
            false => Tone::Good,
        };
        let heads = ["项目", "审批用时", "目标", "状态"];
        Chart::bars(
            "projects",
            "各项目审批用时(四个阶段合计)",
            tone,
            &heads,
            &bars,
        )
    }

    /// The share of decided cases done wholly on-line, as a percentage with one decimal.
    fn online_share(&self) -> String {
        match self.d.decided {
            0 => "—".into(),
            n => {
                let tenths = (self.d.wholly_online * 1000 + n / 2) / n;
                format!("{}.{}%", tenths / 10, tenths % 10)
            }
        }
    }
}

pub async fn page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match dashboard::of_region(&state.app, &caller.principal).await {
        Ok(d) => DashboardPage {
            layout: Layout::new("报建看板", Some(&caller), &state, "/construction/dashboard"),
            d,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
