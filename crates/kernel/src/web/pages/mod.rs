//! The server-rendered UI: a phone-first portal for enterprises, a workbench for staff, an admin
//! area, and public reference tools. Every form posts back to its own page, keeps what was typed
//! and marks each wrong field.

pub mod admin;
pub mod auth;
pub mod directory;
pub mod enterprises;
pub mod flags;
pub mod front;
pub mod messages;
pub mod scorecard;
pub mod sso;
pub mod step;
pub mod stewards;
pub mod supervision;
pub mod supervision_orders;
pub mod tools;
pub mod trace;
pub mod warning_rules;

use crate::web::error::status_of;
use crate::web::form::{Pairs, field};
use crate::web::session::{Caller, MaybeUser, PageUser};
use crate::web::{AppState, WebScene};
use crate::web::{Icon, Link, NavLink, Section};
use crate::{AppError, AppResult, Principal};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use qinqing_domain::org::{Role, may_import_enterprises};
use std::collections::HashMap;
use std::sync::Arc;

/// Every page: the home redirect, the kernel's and every scene's routes, and the Chinese 404 for the rest.
pub fn routes(scenes: &[Arc<dyn WebScene>]) -> Router<AppState> {
    let kernel = Router::new()
        .merge(front::routes())
        .merge(auth::routes())
        .merge(enterprises::routes())
        .merge(admin::routes())
        .merge(directory::routes())
        .merge(stewards::routes())
        .merge(messages::routes())
        .merge(sso::routes())
        .merge(supervision::routes())
        .merge(supervision_orders::routes())
        .merge(flags::routes())
        .merge(scorecard::routes())
        .merge(tools::routes())
        .merge(trace::routes())
        .merge(warning_rules::routes());
    scenes
        .iter()
        .fold(kernel, |pages, scene| pages.merge(scene.pages()))
        .fallback(not_found)
}

/// A link of the navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

/// What the navigation shows at its top level, under an icon: a link, or a menu of links under
/// a section's name (a `<details>` that drops down on a desk and opens over the page on a phone).
pub struct NavEntry {
    pub label: &'static str,
    pub icon: &'static str,
    /// Where a link leads; `None` for a menu.
    pub href: Option<String>,
    /// The current page is this link or in this menu.
    pub active: bool,
    /// A menu's links.
    pub items: Vec<NavItem>,
}

impl NavEntry {
    fn link(item: NavItem, icon: Icon) -> NavEntry {
        NavEntry {
            label: item.label,
            icon: icon.id(),
            active: item.active,
            href: Some(item.href),
            items: Vec::new(),
        }
    }
}

/// The navigation of one page.
pub struct Nav {
    pub entries: Vec<NavEntry>,
    /// An enterprise's navigation is a bottom tab bar on a phone.
    pub tab_bar: bool,
}

pub struct UserBadge {
    pub display_name: String,
    pub role_label: &'static str,
    pub org_name: String,
}

/// What the base template needs on every page.
pub struct Layout {
    pub title: String,
    pub nav: Nav,
    pub user: Option<UserBadge>,
    pub csrf: String,
    pub demo: bool,
    pub version: &'static str,
    /// Unread 站内信 of the logged-in user, shown as a badge in the header.
    pub unread_messages: i64,
    /// The sprite's address (static/icons.svg) with the version that busts caches.
    pub icons: String,
    /// The icon of the header's 站内信 link.
    pub inbox_icon: &'static str,
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
            icons: format!("/static/icons.svg?v={}", env!("CARGO_PKG_VERSION")),
            inbox_icon: Icon::Mail.id(),
        }
    }
}

/// The navigation: the kernel's own entries around those of every scene (in the order the
/// binary listed the scenes), grouped into a few menus.
fn nav_for(state: &AppState, principal: Option<&Principal>, active: &str) -> Nav {
    let mut links = kernel_nav_before(principal);
    for scene in state.scenes.iter() {
        links.extend(scene.nav(principal));
    }
    links.extend(kernel_nav_after(state, principal));
    let tab_bar = principal.is_some_and(|p| p.role == Role::EnterpriseUser);
    if tab_bar {
        // An enterprise's phone shows its tabs and one 我的 menu with all the rest.
        for link in &mut links {
            if !matches!(link.section, Section::Top(_)) {
                link.section = Section::Mine;
            }
        }
    }
    Nav {
        entries: grouped(links, active),
        tab_bar,
    }
}

/// The kernel's entries that lead the navigation: the person's home and the enterprises.
fn kernel_nav_before(principal: Option<&Principal>) -> Vec<NavLink> {
    let workbench = || NavLink::new(Section::Top(Icon::Workbench), "/workbench", "工作台");
    let mut links = match principal {
        None => vec![NavLink::new(Section::Top(Icon::Home), "/", "首页")],
        Some(p) if p.role == Role::EnterpriseUser => {
            vec![NavLink::new(Section::Top(Icon::Home), "/portal", "首页")]
        }
        Some(p) if p.role == Role::Steward => vec![
            workbench(),
            NavLink::new(Section::Work, "/portal", "服务企业"),
        ],
        Some(p) if p.role == Role::BankStaff => vec![workbench()],
        Some(_) => vec![
            workbench(),
            NavLink::new(Section::Work, "/enterprises", "企业库"),
        ],
    };
    if principal.is_some_and(|p| crate::cockpit::may_view(p.role)) {
        links.push(NavLink::new(Section::Watch, "/supervision", "监督驾驶舱"));
    }
    if principal.is_some_and(|p| crate::flags::may_read(p.role)) {
        links.push(NavLink::new(
            Section::Watch,
            "/supervision/flags",
            "数智监督",
        ));
    }
    links
}

/// The kernel's entries that close the navigation: administration, tools and the account.
fn kernel_nav_after(state: &AppState, principal: Option<&Principal>) -> Vec<NavLink> {
    let mut links = Vec::new();
    match principal {
        None => links.extend([
            NavLink::new(Section::Top(Icon::Search), "/tools", "查询工具"),
            NavLink::new(Section::Top(Icon::Me), "/register", "企业注册"),
            NavLink::new(Section::Top(Icon::Login), "/login", "登录"),
        ]),
        Some(p) => {
            if may_import_enterprises(p.role) {
                links.push(NavLink::new(
                    Section::Manage,
                    "/enterprises/import",
                    "批量导入",
                ));
            }
            if p.role.is_staff() && p.role != Role::Steward {
                links.push(NavLink::new(Section::Manage, "/organisations", "组织架构"));
            }
            if p.role == Role::Admin {
                links.extend([
                    NavLink::new(Section::Manage, "/admin/users", "账户管理"),
                    NavLink::new(Section::Manage, "/admin/stewards", "亲清管家"),
                    NavLink::new(Section::Manage, "/admin/calendar", "工作日历"),
                    NavLink::new(Section::Manage, "/admin/warning-rules", "预警规则"),
                    NavLink::new(Section::Manage, "/admin/outbox", "消息记录"),
                ]);
                if state.oidc.is_some() {
                    links.push(NavLink::new(Section::Manage, "/sso-links", "统一身份认证"));
                }
            }
            links.extend([
                NavLink::new(Section::Mine, "/tools", "查询工具"),
                NavLink::new(Section::Mine, "/password", "修改密码"),
            ]);
        }
    }
    links
}

/// The links as the navigation shows them: the top-level links first, then one menu per
/// section in the order of `Section::MENUS`; a section of a single link is that link, under the
/// section's icon.
fn grouped(links: Vec<NavLink>, active: &str) -> Vec<NavEntry> {
    let item = |link: &Link| NavItem {
        active: link.href == active,
        href: link.href.clone(),
        label: link.label,
    };
    let mut entries: Vec<NavEntry> = links
        .iter()
        .filter_map(|l| match l.section {
            Section::Top(icon) => Some(NavEntry::link(item(&l.link), icon)),
            _ => None,
        })
        .collect();
    for section in Section::MENUS {
        let mut items: Vec<NavItem> = links
            .iter()
            .filter(|l| l.section == section)
            .map(|l| item(&l.link))
            .collect();
        match items.len() {
            0 => {}
            1 => entries.push(NavEntry::link(items.remove(0), section.icon())),
            _ => entries.push(NavEntry {
                label: section.label(),
                icon: section.icon().id(),
                href: None,
                active: items.iter().any(|i| i.active),
                items,
            }),
        }
    }
    entries
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

/// A form that carries nothing but its CSRF token: a button.
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
}

/// What a button answers: checks the form's token, makes the change and goes on to `next`, or
/// shows the error page.
pub async fn button_answer(
    state: &AppState,
    user: &PageUser,
    csrf: &str,
    next: &str,
    change: impl AsyncFnOnce(&Caller) -> AppResult<()>,
) -> Response {
    if let Err(r) = user.check_csrf(csrf) {
        return r;
    }
    let caller = &user.0;
    match change(caller).await {
        Ok(()) => Redirect::to(next).into_response(),
        Err(e) => error_page(&e, Some(caller), state),
    }
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
        AppError::Internal(_) | AppError::Busy => "系统繁忙",
        _ => "操作未完成",
    };
    let page = MessagePage {
        layout: Layout::new(heading, caller, state, ""),
        heading: heading.into(),
        message: e.to_string(),
        back: "/",
    };
    crate::web::error::with_retry_after(e, (status_of(e), page).into_response())
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

/// A file size for people: "820 KB", "2.4 MB".
pub fn file_size(bytes: &i64) -> String {
    const MB: i64 = 1024 * 1024;
    if *bytes >= MB {
        format!("{:.1} MB", *bytes as f64 / MB as f64)
    } else {
        format!("{} KB", (*bytes + 1023) / 1024)
    }
}

/// A moment as people in the district read it: Beijing time (the API keeps UTC, RFC 3339).
pub fn beijing(at: &chrono::DateTime<chrono::Utc>, format: &str) -> String {
    at.with_timezone(&qinqing_domain::deadline::beijing())
        .format(format)
        .to_string()
}
