//! The review queue: 待我审核 / 已超期 / 全部, searched and paged; cards on a phone.

use super::yuan::filters;
use crate::review::{self, QueueItem};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use qinqing_kernel::listing::{Pager, QueueBar, QueueQuery, Tab};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::pages::{Layout, error_page};
use qinqing_kernel::web::session::PageUser;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/reviews", get(reviews))
}

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
pub struct ReviewsPage {
    layout: Layout,
    items: Vec<QueueItem>,
    bar: QueueBar,
    pager: Pager,
}

/// The review queue at its address's tab, search and page: reviewers open on what they hold;
/// supervisors and the administrator, who hold nothing, on everything.
pub async fn reviews(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    let who = &caller.principal;
    let watches = who.role.is_supervisor() || who.role == Role::Admin;
    let default = if watches { Tab::All } else { Tab::Mine };
    let page = q
        .map(|Query(q)| q)
        .unwrap_or_default()
        .read_leniently(default);
    match review::queue(&state.app, who, &page).await {
        Ok(found) => ReviewsPage {
            layout: Layout::new("审核", Some(&caller), &state, "/reviews"),
            bar: page.bar("/reviews", &Tab::ALL, "受理号、政策或企业名称"),
            pager: page.pager("/reviews", found.total),
            items: found.items,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
