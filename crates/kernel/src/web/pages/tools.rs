//! Public reference tools: check a credit code, classify an enterprise's size, count working days.

use super::Layout;
use crate::web::AppState;
use crate::web::session::MaybeUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new().route("/tools", get(page))
}

#[derive(Template, WebTemplate)]
#[template(path = "tools.html")]
pub struct ToolsPage {
    layout: Layout,
}

pub async fn page(State(state): State<AppState>, MaybeUser(caller): MaybeUser) -> ToolsPage {
    ToolsPage {
        layout: Layout::new("查询工具", caller.as_ref(), &state, "/tools"),
    }
}
