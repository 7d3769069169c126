//! "我的可享政策": the policies an enterprise may enjoy in a policy year.

use super::credit_code;
use super::yuan::filters;
use crate::entitlements::{self, Entitlement, Entitlements};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::PageUser;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/enterprises/{code}/entitlements", get(entitlements_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "entitlements.html")]
pub struct EntitlementsPage {
    layout: Layout,
    e: Entitlements,
    /// The policy years to choose from, the latest first.
    years: Vec<i32>,
    /// The subscription form (the enterprise's users and steward).
    subscriptions: Option<super::pushes::SubscriptionPanel>,
}

impl EntitlementsPage {
    fn groups(&self) -> [(&'static str, &'static str, &[Entitlement]); 3] {
        [
            ("可享政策", "eligible", &self.e.eligible),
            ("补充资料后可判断", "undetermined", &self.e.undetermined),
            ("暂不符合", "ineligible", &self.e.ineligible),
        ]
    }
}

/// How many policy years the entitlements page offers, ending with last year.
const YEARS_SHOWN: i32 = 3;

#[derive(serde::Deserialize)]
pub struct YearChoice {
    year: Option<String>,
}

/// "我的可享政策" of one enterprise, for one of the last three policy years (default last year).
pub async fn entitlements_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    Path(code): Path<String>,
    Query(choice): Query<YearChoice>,
) -> Response {
    let latest = crate::api::policies::default_year(&state);
    let years: Vec<i32> = (0..YEARS_SHOWN).map(|i| latest - i).collect();
    let year = choice
        .year
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| years.contains(y))
        .unwrap_or(latest);
    let result = match credit_code(&code) {
        Ok(code) => entitlements::for_enterprise(&state.app, &caller.principal, &code, year).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => EntitlementsPage {
            layout: Layout::new("我的可享政策", Some(&caller), &state, "/portal"),
            years,
            subscriptions: super::pushes::subscription_panel(
                &state,
                &caller.principal,
                &e.credit_code,
            )
            .await,
            e,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
