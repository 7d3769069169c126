//! 政企合同双兑现 supervision pages: the commitment desk (承诺事项, phone-readable), the
//! supervision dashboard with its exports, and 纪检's 监督的再监督.

use crate::supervision::{
    self, CommitmentDesk, GroupFulfilment, Resupervision, SupervisionDashboard,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_domain::commitment::Status;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::PageUser;
use std::collections::HashSet;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements/desk", get(desk_page))
        .route("/agreements/supervision", get(dashboard_page))
        .route("/agreements/resupervision", get(resupervision_page))
}

/// A share in basis points as "98.70%".
fn pct(bp: Option<i64>) -> String {
    bp.map_or_else(|| "—".into(), |v| format!("{}.{:02}%", v / 100, v % 100))
}

#[derive(Template, WebTemplate)]
#[template(path = "agreement_desk.html")]
pub struct DeskPage {
    layout: Layout,
    d: CommitmentDesk,
}

impl DeskPage {
    fn tone(&self, status: &Status) -> &'static str {
        super::tone(*status)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agreement_dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    d: SupervisionDashboard,
    /// The agreements on the page that the reader may open (the others are not links).
    openable: HashSet<i64>,
}

impl DashboardPage {
    fn pct(&self, bp: &Option<i64>) -> String {
        pct(*bp)
    }

    /// The two fulfilment tables, each with its title and first column.
    fn grouped(&self) -> [(&'static str, &'static str, &[GroupFulfilment]); 2] {
        [
            ("部门履约(政府方)", "责任单位", &self.d.by_department),
            ("企业履约(企业方)", "企业", &self.d.by_enterprise),
        ]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agreement_resupervision.html")]
pub struct ResupervisionPage {
    layout: Layout,
    r: Resupervision,
}

impl ResupervisionPage {
    /// Hours waited as "3 天 4 小时".
    fn waited(&self, hours: &i64) -> String {
        match (hours / 24, hours % 24) {
            (0, h) => format!("{h} 小时"),
            (d, h) => format!("{d} 天 {h} 小时"),
        }
    }
}

pub async fn desk_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match supervision::desk(&state.app, &caller.principal).await {
        Ok(d) => DeskPage {
            layout: Layout::new("承诺事项", Some(&caller), &state, "/agreements/desk"),
            d,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn dashboard_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    let found = match supervision::dashboard(&state.app, &caller.principal).await {
        Ok(d) => supervision::openable(&state.app, &caller.principal, &d)
            .await
            .map(|open| (d, open)),
        Err(e) => Err(e),
    };
    match found {
        Ok((d, openable)) => DashboardPage {
            layout: Layout::new("履约监督", Some(&caller), &state, "/agreements/supervision"),
            d,
            openable,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn resupervision_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
) -> Response {
    match supervision::resupervision(&state.app, &caller.principal).await {
        Ok(r) => ResupervisionPage {
            layout: Layout::new(
                "监督的再监督",
                Some(&caller),
                &state,
                "/agreements/resupervision",
            ),
            r,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
