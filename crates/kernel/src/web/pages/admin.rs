//! The admin area (accounts, working-day calendar) and the organisation tree.

use super::{Choice, Errors, Layout, error_page, errors_of};
use crate::users::Organisation;
use crate::users::{self, NewUserInput, UserSummary};
use crate::web::AppState;
use crate::web::session::{Caller, PageUser};
use crate::{AppError, calendar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qinqing_domain::org::Role;
use serde::Deserialize;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(organisations))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/reset", post(reset_password))
        .route("/admin/calendar", get(calendar_page).post(calendar))
        .route(
            "/admin/warning-rules",
            get(warning_rules_page).post(warning_rules),
        )
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<UserSummary>,
    orgs: Vec<Organisation>,
    roles: Vec<Choice>,
    form: NewUserForm,
    errors: Errors,
    notice: Option<String>,
}

async fn users_page(
    state: &AppState,
    caller: &Caller,
    form: NewUserForm,
    errors: Errors,
    notice: Option<String>,
) -> Result<UsersPage, AppError> {
    let users = users::list_users(&state.app, &caller.principal).await?;
    Ok(UsersPage {
        layout: Layout::new("账户管理", Some(caller), state, "/admin/users"),
        users,
        orgs: users::organisations(&state.app, &caller.principal).await?,
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::EnterpriseUser)
            .map(|r| Choice {
                value: r.as_str(),
                label: r.label_zh(),
            })
            .collect(),
        form,
        errors,
        notice,
    })
}

pub async fn users(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    match users_page(&state, &caller, NewUserForm::default(), Errors::new(), None).await {
        Ok(page) => page.into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<NewUserForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let input = NewUserInput {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        phone: None,
        org_id: form.org_id.parse().unwrap_or(-1),
        role: form.role.clone(),
        password: form.password.clone(),
    };
    let (status, errors, notice, form) =
        match users::create_user(&state.app, &caller.principal, input, &caller.meta).await {
            Ok(_) => (
                axum::http::StatusCode::OK,
                Errors::new(),
                Some(format!("已创建账户 {},首次登录须修改密码", form.username)),
                NewUserForm::default(),
            ),
            Err(e @ AppError::Forbidden(_)) => return error_page(&e, Some(caller), &state),
            Err(e) => (
                crate::web::error::status_of(&e),
                errors_of(&e),
                None,
                NewUserForm {
                    password: String::new(),
                    ..form
                },
            ),
        };
    match users_page(&state, caller, form, errors, notice).await {
        Ok(page) => (status, page).into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let result = users::reset_password(
        &state.app,
        &caller.principal,
        id,
        &form.password,
        &caller.meta,
    )
    .await;
    let (errors, notice) = match result {
        Ok(()) => (
            Errors::new(),
            Some("已重置密码并解除锁定;该用户下次登录须修改密码".to_string()),
        ),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => {
            return error_page(&e, Some(caller), &state);
        }
        Err(e) => (Errors::new(), Some(format!("重置失败:{e}"))),
    };
    match users_page(&state, caller, NewUserForm::default(), errors, notice).await {
        Ok(page) => page.into_response(),
        Err(e) => error_page(&e, Some(caller), &state),
    }
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

/// One line of the organisation tree, indented by depth.
pub struct OrgLine {
    pub depth: usize,
    pub name: String,
    pub kind: &'static str,
    pub division_code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organisations.html")]
pub struct OrganisationsPage {
    layout: Layout,
    lines: Vec<OrgLine>,
}

/// Orders organisations depth-first under their parents.
fn tree_lines(all: &[Organisation]) -> Vec<OrgLine> {
    fn walk(all: &[Organisation], parent: Option<i64>, depth: usize, out: &mut Vec<OrgLine>) {
        for o in all.iter().filter(|o| o.parent_id == parent) {
            out.push(OrgLine {
                depth,
                name: o.name.clone(),
                kind: o.kind.label_zh(),
                division_code: o
                    .division_code
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            });
            walk(all, Some(o.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, &mut out);
    out
}

pub async fn organisations(State(state): State<AppState>, PageUser(caller): PageUser) -> Response {
    let all = users::organisations(&state.app, &caller.principal).await;
    match all {
        Ok(all) => OrganisationsPage {
            layout: Layout::new("组织架构", Some(&caller), &state, "/organisations"),
            lines: tree_lines(&all),
        }
        .into_response(),
        Err(e) => error_page(&e, Some(&caller), &state),
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
