//! 统一身份认证关联: the administrator sees every link and proposal, confirms or removes them;
//! anyone else sees and may remove their own.

use super::{CsrfForm, Layout, button_answer, error_page};
use crate::oidc::{self, LinkView};
use crate::web::AppState;
use crate::web::session::PageUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::org::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sso-links", get(page))
        .route("/sso-links/{id}/confirm", post(confirm))
        .route("/sso-links/{id}/unlink", post(unlink))
}

pub struct LinkLine {
    pub id: i64,
    pub display_name: String,
    pub matched_by: String,
    pub confirmed: bool,
    pub created_at: String,
}

impl From<LinkView> for LinkLine {
    fn from(l: LinkView) -> Self {
        LinkLine {
            id: l.id,
            display_name: l.display_name,
            matched_by: l.matched_by_label,
            confirmed: l.confirmed,
            created_at: super::beijing(&l.created_at, "%Y-%m-%d %H:%M"),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sso_links.html")]
pub struct LinksPage {
    layout: Layout,
    admin: bool,
    lines: Vec<LinkLine>,
}

pub async fn page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    let admin = caller.principal.role == Role::Admin;
    let listed = if admin {
        oidc::list_all(&state.app, &caller.principal).await
    } else {
        oidc::list_own(&state.app, &caller.principal).await
    };
    match listed {
        Ok(links) => LinksPage {
            layout: Layout::new("统一身份认证关联", Some(&caller), &state, "/sso-links"),
            admin,
            lines: links.into_iter().map(LinkLine::from).collect(),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    button_answer(&state, &user, &form.csrf, "/sso-links", async |caller| {
        oidc::confirm_by_admin(&state.app, &caller.principal, id, &caller.meta).await
    })
    .await
}

pub async fn unlink(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    button_answer(&state, &user, &form.csrf, "/sso-links", async |caller| {
        oidc::unlink(&state.app, &caller.principal, id, &caller.meta).await
    })
    .await
}
