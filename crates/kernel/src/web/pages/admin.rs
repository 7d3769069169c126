//! The admin area: the working-day calendar and the warning rules (accounts and the
//! organisation tree are in `directory`).

use super::{Layout, error_page};
use crate::web::AppState;
use crate::web::session::{Caller, PageUser};
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
    Router::new()
        .route("/admin/calendar", get(calendar_page).post(calendar))
        .route(
            "/admin/warning-rules",
            get(warning_rules_page).post(warning_rules),
        )
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

#[derive(Template, WebTemplate)]
#[template(path = "admin_warning_rules.html")]
pub struct WarningRulesPage {
    layout: Layout,
    text: String,
    error: Option<String>,
    saved: bool,
    /// The kinds of clock there are, each configurable on its own.
    clock_kinds: Vec<crate::scene::ClockKind>,
}

fn warning_rules_view(
    caller: &Caller,
    state: &AppState,
    text: String,
    error: Option<String>,
    saved: bool,
) -> WarningRulesPage {
    WarningRulesPage {
        layout: Layout::new("预警规则", Some(caller), state, "/admin/warning-rules"),
        text,
        error,
        saved,
        clock_kinds: state.app.clock_kinds(),
    }
}

pub async fn warning_rules_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
) -> Response {
    if caller.principal.role != Role::Admin {
        return error_page(
            &AppError::forbidden("只有平台管理员可以修改预警规则"),
            Some(&caller),
            &state,
        );
    }
    match crate::deadlines::rules_in_force(&state.app, &caller.principal).await {
        Ok(rules) => {
            let text = serde_json::to_string_pretty(&rules).unwrap_or_default();
            warning_rules_view(&caller, &state, text, None, false).into_response()
        }
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn warning_rules(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<CalendarForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let parsed: Result<crate::deadlines::WarningRules, _> = serde_json::from_str(&form.text);
    let result = match parsed {
        Ok(rules) => {
            crate::deadlines::replace_warning_rules(
                &state.app,
                &caller.principal,
                &rules,
                &caller.meta,
            )
            .await
        }
        Err(e) => Err(AppError::invalid(
            "text",
            format!("不是有效的规则 JSON:{e}"),
        )),
    };
    match result {
        Ok(()) => warning_rules_view(caller, &state, form.text, None, true).into_response(),
        Err(e @ AppError::Forbidden(_)) => error_page(&e, Some(caller), &state),
        Err(e) => {
            let status = crate::web::error::status_of(&e);
            (
                status,
                warning_rules_view(caller, &state, form.text, Some(e.to_string()), false),
            )
                .into_response()
        }
    }
}
