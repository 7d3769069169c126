//! Figures of policy fulfilment (兑现统计).

use super::yuan::{filters, grouped, short};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::chart::{Bar, Chart, Tone};
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
    /// Money paid by policy, the amounts beside the bars in 万元 and exact in the table.
    fn paid_chart(&self) -> Chart {
        let yuan = |amount: &str| format!("{} 元", grouped(amount));
        let bars: Vec<Bar> = self
            .d
            .paid
            .iter()
            .map(|p| Bar {
                label: p.policy.clone(),
                value: p.paid_fen,
                shown: short(p.paid_fen),
                exact: yuan(&p.paid),
                more: vec![
                    p.department.clone(),
                    p.payouts.to_string(),
                    yuan(&p.auto_grant),
                ],
            })
            .collect();
        Chart::bars(
            "paid",
            "各项政策已拨付金额",
            Tone::Plain,
            &["政策", "已拨付", "部门", "笔数", "其中免申即享"],
            &bars,
        )
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
