//! The front page: for a visitor, the public face of the platform (policy search, the scenes'
//! cards, how to verify the trail, whom to call); a logged-in person goes on to their own
//! workbench (an enterprise to its portal).

use super::{Layout, error_page};
use crate::AppResult;
use crate::store::orgs;
use crate::web::session::MaybeUser;
use crate::web::{AppState, FrontCard, Icon};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use qinqing_domain::org::Role;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "front.html")]
pub struct FrontPage {
    layout: Layout,
    /// The district that runs the platform (its top organisation), for the contacts.
    district: String,
    cards: Vec<FrontCard>,
    search_icon: &'static str,
    verify_icon: &'static str,
    phone_icon: &'static str,
}

async fn home(State(state): State<AppState>, MaybeUser(caller): MaybeUser) -> Response {
    match caller.as_ref().map(|c| c.principal.role) {
        Some(Role::EnterpriseUser) => Redirect::to("/portal").into_response(),
        Some(_) => Redirect::to("/workbench").into_response(),
        None => match front_page(&state).await {
            Ok(page) => page.into_response(),
            Err(e) => error_page(&e, None, &state),
        },
    }
}

async fn front_page(state: &AppState) -> AppResult<FrontPage> {
    let mut cards = Vec::new();
    for scene in state.scenes.iter() {
        cards.extend(scene.front_cards(&state.app).await?);
    }
    Ok(FrontPage {
        layout: Layout::new("首页", None, state, "/"),
        district: district(state).await?,
        cards,
        search_icon: Icon::Search.id(),
        verify_icon: Icon::Verify.id(),
        phone_icon: Icon::Phone.id(),
    })
}

/// The name of the top organisation (the district or city that runs the platform).
async fn district(state: &AppState) -> AppResult<String> {
    let mut conn = state.app.db.conn().await?;
    let all = orgs::list_non_enterprise(&mut conn).await?;
    Ok(all
        .into_iter()
        .find(|o| o.parent_id.is_none())
        .map_or_else(String::new, |o| o.name))
}
