//! The server-rendered UI: a phone-first portal for enterprises, a workbench for staff, an admin
//! area, and public reference tools. Every form posts back to its own page, keeps what was typed
//! and marks each wrong field.

mod admin;
mod agreement_form;
mod agreement_supervision;
mod agreements;
mod auth;
mod clinic;
mod enterprises;
mod materials;
mod messages;
mod policies;
mod policy_builder;
mod pushes;
mod request_analysis;
mod request_routes;
mod requests;
mod tools;
mod trace;

use crate::scene::Link;
use crate::web::AppState;
use crate::web::error::status_of;
use crate::web::session::{Caller, MaybeUser, PageUser};
use crate::{AppError, AppResult, Principal};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qinqing_domain::org::{Role, may_import_enterprises};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/register", get(auth::register_page).post(auth::register))
        .route(
            "/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/portal", get(enterprises::portal))
        .route("/workbench", get(enterprises::workbench))
        .route("/enterprises", get(enterprises::list))
        .route(
            "/enterprises/import",
            get(enterprises::import_page).post(enterprises::import),
        )
        .route("/enterprises/export.csv", get(enterprises::export_csv))
        .route("/enterprises/export.xlsx", get(enterprises::export_xlsx))
        .route("/enterprises/{code}", get(enterprises::profile))
        .route(
            "/enterprises/{code}/edit",
            get(enterprises::edit_page).post(enterprises::edit),
        )
        .route("/organisations", get(admin::organisations))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/reset", post(admin::reset_password))
        .route(
            "/admin/calendar",
            get(admin::calendar_page).post(admin::calendar),
        )
        .route("/agreements", get(agreements::list_page))
        .route("/agreements/desk", get(agreement_supervision::desk_page))
        .route(
            "/agreements/supervision",
            get(agreement_supervision::dashboard_page),
        )
        .route(
            "/agreements/resupervision",
            get(agreement_supervision::resupervision_page),
        )
        .route(
            "/agreements/new",
            get(agreements::new_page).post(agreements::create),
        )
        .route(
            "/agreements/{id}",
            get(agreements::detail_page).post(agreements::action),
        )
        .route("/messages", get(messages::page))
        .route("/messages/{id}/read", post(messages::read))
        .route("/messages/preferences", post(messages::preferences))
        .route("/admin/outbox", get(messages::outbox))
        .route("/tools", get(tools::page))
        .route("/trace/{object_type}/{object_id}", get(trace::page))
        .route("/warnings/{id}/act", post(trace::act_on_warning))
        .route("/deadlines/{id}/{action}", post(trace::control_clock))
        .route(
            "/admin/warning-rules",
            get(admin::warning_rules_page).post(admin::warning_rules),
        )
        .route(
            "/admin/request-routes",
            get(request_routes::page).post(request_routes::save),
        )
        .route("/policies", get(policies::list))
        .route(
            "/policies/new",
            get(policies::new_page).post(policies::create),
        )
        .route("/policies/{id}", get(policies::page))
        .route(
            "/policies/{id}/edit",
            get(policies::edit_page).post(policies::update),
        )
        .route("/policies/{id}/lifecycle", post(policies::lifecycle))
        .route("/policies/{id}/auto-grant", post(policies::run_auto_grant))
        .route(
            "/policies/{id}/auto-grant/runs/{run}/release",
            post(policies::release_auto_grant),
        )
        .route("/policies/{id}/push", post(pushes::push_form))
        .route(
            "/enterprises/{code}/subscriptions",
            post(pushes::subscription_form),
        )
        .route(
            "/enterprises/{code}/entitlements",
            get(policies::entitlements_page),
        )
        .route(
            "/enterprises/{code}/applications",
            get(policies::enterprise_applications),
        )
        .route(
            "/enterprises/{code}/bank-account",
            post(policies::confirm_account),
        )
        .route(
            "/applications/new",
            get(policies::apply_page).post(policies::apply),
        )
        .route(
            "/applications/{receipt}",
            get(policies::application_page).post(policies::application_action),
        )
        .route("/applications/{receipt}/materials", post(materials::upload))
        .route(
            "/applications/{receipt}/materials/{id}",
            get(materials::content),
        )
        .route(
            "/applications/{receipt}/materials/{id}/remove",
            post(materials::remove),
        )
        .route("/reviews", get(policies::reviews))
        .route("/dashboard/policies", get(policies::dashboard))
        .route("/integrity", get(policies::integrity_page))
        .route("/integrity/blacklist", post(policies::import_blacklist))
        .route("/clawbacks/{id}/repayments", post(policies::repayment))
        .route(
            "/payouts",
            get(policies::payouts_page).post(policies::payouts_action),
        )
        .route("/payouts/batches/{id}/file", get(policies::batch_file))
        .route("/payouts/results", post(policies::import_results))
        .route("/requests", get(requests::list).post(requests::submit))
        .route("/requests/analysis", get(request_analysis::analysis))
        .route(
            "/requests/import",
            get(request_analysis::import_form).post(request_analysis::import),
        )
        .route("/requests/{receipt}/attachments", post(requests::upload))
        .route(
            "/requests/{receipt}/attachments/{id}",
            get(requests::attachment),
        )
        .route(
            "/requests/{receipt}",
            get(requests::page).post(requests::action),
        )
        .route("/requests/{receipt}/consultations", post(clinic::invite))
        .route("/requests/{receipt}/clinic", post(clinic::put_on_agenda))
        .route("/consultations/{id}/opinion", post(clinic::opinion))
        .route("/clinic-days", get(clinic::list).post(clinic::set_day))
        .route("/clinic-days/{id}", get(clinic::page).post(clinic::action))
        .fallback(not_found)
}

/// A link of the top navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

pub struct UserBadge {
    pub display_name: String,
    pub role_label: &'static str,
    pub org_name: String,
}

/// What the base template needs on every page.
pub struct Layout {
    pub title: String,
    pub nav: Vec<NavItem>,
    pub user: Option<UserBadge>,
    pub csrf: String,
    pub demo: bool,
    pub version: &'static str,
    /// Unread 站内信 of the logged-in user, shown as a badge in the header.
    pub unread_messages: i64,
}

impl Layout {
    pub fn new(
        title: impl Into<String>,
        caller: Option<&Caller>,
        state: &AppState,
        active: &str,
    ) -> Layout {
        let principal = caller.map(|c| &c.principal);
        Layout {
            title: title.into(),
            nav: nav_for(state, principal, active),
            user: principal.map(|p| UserBadge {
                display_name: p.display_name.clone(),
                role_label: p.role.label_zh(),
                org_name: p.org_name.clone(),
            }),
            csrf: caller.map(|c| c.csrf.clone()).unwrap_or_default(),
            demo: state.demo,
            version: env!("CARGO_PKG_VERSION"),
            unread_messages: caller.map_or(0, |c| c.unread_messages),
        }
    }
}

/// The top navigation: the kernel's own entries around those of every scene, in the order the
/// binary listed the scenes.
fn nav_for(state: &AppState, principal: Option<&Principal>, active: &str) -> Vec<NavItem> {
    let mut links: Vec<Link> = Vec::new();
    match principal {
        None => {}
        Some(p) if p.role == Role::EnterpriseUser => links.push(Link::new("/portal", "我的企业")),
        Some(p) if p.role == Role::Steward => links.extend([
            Link::new("/workbench", "工作台"),
            Link::new("/portal", "服务企业"),
        ]),
        Some(_) => links.extend([
            Link::new("/workbench", "工作台"),
            Link::new("/enterprises", "企业库"),
        ]),
    }
    for scene in state.app.scenes() {
        links.extend(scene.nav(principal));
    }
    match principal {
        None => links.extend([
            Link::new("/login", "登录"),
            Link::new("/register", "企业注册"),
        ]),
        Some(p) => {
            if may_import_enterprises(p.role) {
                links.push(Link::new("/enterprises/import", "批量导入"));
            }
            if p.role.is_staff() && p.role != Role::Steward {
                links.push(Link::new("/organisations", "组织架构"));
            }
            if p.role == Role::Admin {
                links.extend([
                    Link::new("/admin/users", "账户管理"),
                    Link::new("/admin/calendar", "工作日历"),
                    Link::new("/admin/warning-rules", "预警规则"),
                    Link::new("/admin/outbox", "消息记录"),
                ]);
            }
        }
    }
    links.push(Link::new("/tools", "查询工具"));
    if principal.is_some() {
        links.push(Link::new("/password", "修改密码"));
    }
    links
        .into_iter()
        .map(|link| NavItem {
            active: link.href == active,
            href: link.href,
            label: link.label,
        })
        .collect()
}

/// One option of a select box: the submitted value and the label shown.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// Field → message, for marking wrong fields in a form.
pub type Errors = HashMap<String, String>;

pub fn errors_of(e: &AppError) -> Errors {
    e.field_errors()
        .into_iter()
        .map(|f| (f.field, f.message))
        .collect()
}

/// The form's own mistake next to its field, the message on top.
pub fn form_errors(e: &AppError) -> Errors {
    let mut errors = errors_of(e);
    errors.insert("form".into(), e.to_string());
    errors
}

/// Refusals and failures get the error page; mistakes in a form come back on the form.
pub fn shows_error_page(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Internal(_)
    )
}

/// How a form's step answers: on success a redirect to `next` (POST-redirect-GET); a refusal
/// or failure the error page; a mistake in the form its page again, drawn by `again` with the
/// mistake marked, under the mistake's status, so nothing is lost of what the page showed.
pub async fn answer<T, Page>(
    state: &AppState,
    caller: &Caller,
    result: AppResult<T>,
    next: &str,
    again: impl FnOnce(Errors) -> Page,
) -> Response
where
    Page: Future<Output = Response>,
{
    match result {
        Ok(_) => Redirect::to(next).into_response(),
        Err(e) if shows_error_page(&e) => error_page(&e, Some(caller), state),
        Err(e) => (status_of(&e), again(form_errors(&e)).await).into_response(),
    }
}

/// A form posted as ordered pairs: repeated and dynamic names (checkboxes, pledge_*, fact_*)
/// included, which a struct could not name.
pub type Pairs = Vec<(String, String)>;

/// The first value of the field `name`; "" when the form has none, as an empty input sends.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The caller who posted the form, once its hidden `_csrf` field matches their session; the
/// refusal page otherwise, so that no step runs on a forged form. A step's handler returns
/// `Result<Response, Response>` and starts with `let caller = form_caller(&user, &pairs)?;`.
pub fn form_caller<'a>(user: &'a PageUser, pairs: &Pairs) -> Result<&'a Caller, Response> {
    user.check_csrf(field(pairs, "_csrf"))?;
    Ok(&user.0)
}

/// The confirmation a step redirects back with (POST-redirect-GET, `?done=code`): a fixed code,
/// never free text, so nothing a user typed travels in the address.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    pub fn code(&self) -> Option<&str> {
        self.done.as_deref()
    }

    /// The Chinese notice that the code stands for among the page's `(code, notice)` pairs;
    /// none for no code or one the page does not know (an old or hand-made address).
    pub fn notice(&self, notices: &[(&str, &'static str)]) -> Option<&'static str> {
        let code = self.code()?;
        notices
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(_, notice)| *notice)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    pub back: &'static str,
}

/// A page that tells the person what went wrong, with the right status.
pub fn error_page(e: &AppError, caller: Option<&Caller>, state: &AppState) -> Response {
    if let AppError::Internal(inner) = e {
        tracing::error!(error = ?inner, "internal error");
    }
    let heading = match e {
        AppError::Forbidden(_) => "无权访问",
        AppError::NotFound(_) => "未找到",
        AppError::Unauthenticated => "请先登录",
        AppError::Internal(_) => "系统繁忙",
        _ => "操作未完成",
    };
    let page = MessagePage {
        layout: Layout::new(heading, caller, state, ""),
        heading: heading.into(),
        message: e.to_string(),
        back: "/",
    };
    (status_of(e), page).into_response()
}

async fn home(MaybeUser(caller): MaybeUser) -> Redirect {
    match caller.map(|c| c.principal.role) {
        None => Redirect::to("/login"),
        Some(Role::EnterpriseUser) => Redirect::to("/portal"),
        Some(_) => Redirect::to("/workbench"),
    }
}

async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    MaybeUser(caller): MaybeUser,
) -> Response {
    error_page(
        &AppError::NotFound("页面不存在".into()),
        caller.as_ref(),
        &state,
    )
}

/// A moment as people in the district read it: Beijing time (the API keeps UTC, RFC 3339).
pub fn beijing(at: &chrono::DateTime<chrono::Utc>, format: &str) -> String {
    at.with_timezone(&qinqing_domain::deadline::beijing())
        .format(format)
        .to_string()
}
