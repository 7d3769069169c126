//! Figures of policy fulfilment (兑现统计).

use super::yuan::filters;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::PageUser;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/policies", get(dashboard))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    d: crate::dashboard::Dashboard,
}

impl DashboardPage {
    /// A share in basis points as "98.70%".
    fn pct(&self, bp: &Option<i64>) -> String {
        bp.map_or_else(|| "—".into(), |v| format!("{}.{:02}%", v / 100, v % 100))
    }
    /// The width of a bar, in percent of the largest amount paid by one policy.
    fn bar(&self, fen: &i64) -> i64 {
        let max = self.d.paid.iter().map(|p| p.paid_fen).max().unwrap_or(0);
        if max > 0 { fen * 100 / max } else { 0 }
    }
}

/// Figures of policy fulfilment for leads and supervisors.
pub async fn dashboard(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match crate::dashboard::dashboard(&state.app, &caller.principal).await {
        Ok(d) => DashboardPage {
            layout: Layout::new("兑现统计", Some(&caller), &state, "/dashboard/policies"),
            d,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
