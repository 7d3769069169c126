//! The admin area: the working-day calendar (the warning rules are in `warning_rules`, accounts
//! and the organisation tree in `directory`).

use super::{Layout, error_page};
use crate::web::AppState;
use crate::web::session::PageUser;
use crate::{AppError, calendar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use qinqing_domain::org::Role;
use serde::Deserialize;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(calendar_page).post(calendar))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    layout: Layout,
    text: String,
    error: Option<String>,
    saved: bool,
}

pub async fn calendar_page(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    if caller.principal.role != Role::Admin {
        return error_page(
            &AppError::forbidden("只有平台管理员可以修改工作日历"),
            Some(&caller),
            &state,
        );
    }
    match calendar::document(&state.app).await {
        Ok(text) => CalendarPage {
            layout: Layout::new("工作日历", Some(&caller), &state, "/admin/calendar"),
            text,
            error: None,
            saved: false,
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

#[derive(Deserialize)]
pub struct CalendarForm {
    text: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn calendar(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<CalendarForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    match calendar::replace(&state.app, &caller.principal, &form.text, &caller.meta).await {
        Ok(()) => CalendarPage {
            layout: Layout::new("工作日历", Some(caller), &state, "/admin/calendar"),
            text: form.text,
            error: None,
            saved: true,
        }
        .into_response(),
        Err(e @ AppError::Forbidden(_)) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let page = CalendarPage {
                layout: Layout::new("工作日历", Some(caller), &state, "/admin/calendar"),
                text: form.text,
                error: Some(e.to_string()),
                saved: false,
            };
            (crate::web::error::status_of(&e), page).into_response()
        }
    }
}
