//! 数智监督: what the platform's rules flag for 纪检 to look at, rule by rule.

use super::{Layout, error_page};
use crate::flags::{self, Flags};
use crate::web::AppState;
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The routes of this module's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/supervision/flags", get(page))
}

#[derive(Template, WebTemplate)]
#[template(path = "supervision_flags.html")]
pub struct FlagsPage {
    layout: Layout,
    v: Flags,
    look_back_days: i64,
    per_rule: usize,
}

async fn page(State(state): State<AppState>, user: PageUser) -> Response {
    let caller = &user.0;
    match flags::flags(&state.app, &caller.principal).await {
        Ok(v) => FlagsPage {
            layout: Layout::new("数智监督", Some(caller), &state, "/supervision/flags"),
            look_back_days: flags::LOOK_BACK_DAYS,
            per_rule: flags::PER_RULE,
            v,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
}
