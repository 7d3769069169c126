//! The review queue.

use super::yuan::filters;
use crate::review::{self, QueueItem};
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
    Router::new().route("/reviews", get(reviews))
}

#[derive(Template, WebTemplate)]
#[template(path = "reviews.html")]
pub struct ReviewsPage {
    layout: Layout,
    items: Vec<QueueItem>,
}

/// The review queue: what the caller holds first, by due time.
pub async fn reviews(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match review::queue(&state.app, &caller.principal).await {
        Ok(items) => ReviewsPage {
            layout: Layout::new("审核", Some(&caller), &state, "/reviews"),
            items,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}
