//! Login, logout, enterprise self-registration and password change pages.

use super::{Choice, CsrfForm, Errors, Layout, error_page, errors_of};
use crate::auth::{self, IdentityProvider, PasswordCredentials, PasswordProvider};
use crate::demo::{ACCOUNTS, DEMO_PASSWORD};
use crate::enterprises::{PLEDGE_TEXT, PLEDGE_VERSION, RegistrationInput};
use crate::web::AppState;
use crate::web::session::{
    ANON_CSRF_COOKIE, ClientAddress, PageUser, SESSION_COOKIE, cookie, csrf_failure, request_meta,
    safe_next, set_cookie,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qinqing_domain::enterprise::Ownership;
use serde::Deserialize;

/// The routes of this module's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/register", get(register_page).post(register))
        .route("/password", get(password_page).post(change_password))
        .route("/auth/oidc/start", get(oidc_start))
        .route("/auth/oidc/callback", get(oidc_callback))
        .route("/auth/oidc/confirm", post(oidc_confirm))
}

/// How long the anonymous form token lives (an hour to fill in a form).
const ANON_CSRF_SECONDS: i64 = 3600;

/// The anonymous CSRF token for a form page: the visitor's existing one, or a new one to set.
fn anonymous_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, ANON_CSRF_COOKIE) {
        Some(t) if t.len() == 64 => (t.to_string(), false),
        _ => (auth::anonymous_csrf_token(), true),
    }
}

/// A rendered anonymous form, setting its CSRF cookie when the visitor had none.
fn with_anonymous_token(
    state: &AppState,
    page: impl IntoResponse,
    token: &str,
    fresh: bool,
) -> Response {
    if fresh {
        let c = set_cookie(
            ANON_CSRF_COOKIE,
            token,
            ANON_CSRF_SECONDS,
            state.secure_cookies,
        );
        ([(header::SET_COOKIE, c)], page).into_response()
    } else {
        page.into_response()
    }
}

fn anonymous_csrf_ok(headers: &HeaderMap, presented: &str) -> bool {
    cookie(headers, ANON_CSRF_COOKIE)
        .is_some_and(|expected| auth::csrf_matches(expected, presented))
}

pub struct DemoAccountView {
    pub username: &'static str,
    pub role_label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
    /// Just back from changing the password.
    changed: bool,
    demo_accounts: Vec<DemoAccountView>,
    demo_password: &'static str,
    /// The single sign-on button's text; empty when no provider is configured.
    sso_label: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    #[serde(default)]
    changed: Option<String>,
}

fn login_page_for(
    state: &AppState,
    token: String,
    username: String,
    next: &str,
    error: Option<String>,
) -> LoginPage {
    let mut layout = Layout::new("登录", None, state, "/login");
    layout.csrf = token;
    LoginPage {
        layout,
        username,
        next: next.to_string(),
        error,
        changed: false,
        demo_accounts: ACCOUNTS
            .iter()
            .map(|a| DemoAccountView {
                username: a.username,
                role_label: a.role.label_zh(),
            })
            .collect(),
        demo_password: if state.demo { DEMO_PASSWORD } else { "" },
        sso_label: state
            .oidc
            .as_ref()
            .map(|o| o.label.clone())
            .unwrap_or_default(),
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let (token, fresh) = anonymous_token(&headers);
    let next = safe_next(q.next.as_deref());
    let mut page = login_page_for(&state, token.clone(), String::new(), &next, None);
    page.changed = q.changed.is_some();
    with_anonymous_token(&state, page, &token, fresh)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !anonymous_csrf_ok(&headers, &form.csrf) {
        return csrf_failure();
    }
    let next = safe_next(Some(&form.next));
    let credentials = PasswordCredentials {
        username: form.username.clone(),
        password: form.password,
        address,
    };
    let result = PasswordProvider
        .authenticate(&state.app, credentials, &request_meta(&headers))
        .await;
    let next = match &result {
        Ok(user_id) => landing(&state, *user_id, next).await,
        Err(_) => next,
    };
    match logged_in(&state, result, &next).await {
        Ok(response) => response,
        Err(e) => {
            let page = login_page_for(&state, form.csrf, form.username, &next, Some(e.to_string()));
            let response = (crate::web::error::status_of(&e), page).into_response();
            crate::web::error::with_retry_after(&e, response)
        }
    }
}

/// Where a fresh login lands: a user on a temporary password (a new account, or one the
/// administrator reset) goes to the password page first, which is all they may use until they
/// have chosen their own; everyone else goes on to `next`.
async fn landing(state: &AppState, user_id: i64, next: String) -> String {
    match auth::principal_of(&state.app, user_id).await {
        Ok(Some(p)) if p.must_change_password => "/password".to_string(),
        _ => next,
    }
}

/// After a user was authenticated (or registered): start their session, set its cookie and go
/// on to `next`.
async fn logged_in(
    state: &AppState,
    authenticated: Result<i64, crate::AppError>,
    next: &str,
) -> Result<Response, crate::AppError> {
    let session = auth::start_session(&state.app, authenticated?).await?;
    let lifetime = auth::SESSION_LIFETIME.num_seconds();
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        lifetime,
        state.secure_cookies,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    if let Err(e) = auth::end_session(&state.app, &user.0.token).await {
        return error_page(&e, Some(&user.0), &state);
    }
    let c = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies);
    ([(header::SET_COOKIE, c)], Redirect::to("/login")).into_response()
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    industry_code: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    ownership: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    pledge_accepted: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    layout: Layout,
    form: RegisterForm,
    errors: Errors,
    ownerships: Vec<Choice>,
    regions: Vec<Choice>,
    pledge_text: &'static str,
    pledge_version: &'static str,
}

fn register_page_for(
    state: &AppState,
    token: String,
    form: RegisterForm,
    errors: Errors,
) -> RegisterPage {
    let mut layout = Layout::new("企业注册", None, state, "/register");
    layout.csrf = token;
    RegisterPage {
        layout,
        form,
        errors,
        ownerships: Ownership::ALL
            .iter()
            .map(|o| Choice {
                value: o.as_str(),
                label: o.label_zh(),
            })
            .collect(),
        regions: region_choices(),
        pledge_text: PLEDGE_TEXT,
        pledge_version: PLEDGE_VERSION,
    }
}

/// The towns and villages of the demo district's numbering; other districts load their own tree.
fn region_choices() -> Vec<Choice> {
    crate::demo::TOWNS
        .iter()
        .flat_map(|(code, name, villages)| {
            std::iter::once(Choice {
                value: code,
                label: name,
            })
            .chain(villages.iter().map(|(c, n)| Choice { value: c, label: n }))
        })
        .collect()
}

pub async fn register_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (token, fresh) = anonymous_token(&headers);
    let page = register_page_for(
        &state,
        token.clone(),
        RegisterForm::default(),
        Errors::new(),
    );
    with_anonymous_token(&state, page, &token, fresh)
}

pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<RegisterForm>,
) -> Response {
    if !anonymous_csrf_ok(&headers, &form.csrf) {
        return csrf_failure();
    }
    let input = RegistrationInput {
        credit_code: form.credit_code.clone(),
        name: form.name.clone(),
        legal_representative: form.legal_representative.clone(),
        contact_phone: form.contact_phone.clone(),
        industry_code: form.industry_code.clone(),
        region_code: form.region_code.clone(),
        ownership: form.ownership.clone(),
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        pledge_version: PLEDGE_VERSION.to_string(),
        pledge_accepted: form.pledge_accepted.is_some(),
    };
    let registered =
        crate::enterprises::register(&state.app, &input, &request_meta(&headers)).await;
    match logged_in(&state, registered, "/portal").await {
        Ok(response) => response,
        Err(e) => {
            let errors = errors_of(&e);
            let token = form.csrf.clone();
            // The password is never echoed back into the page.
            let form = RegisterForm {
                password: String::new(),
                ..form
            };
            (
                crate::web::error::status_of(&e),
                register_page_for(&state, token, form, errors),
            )
                .into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    layout: Layout,
    errors: Errors,
    forced: bool,
    /// Single sign-on is configured: link to the page of one's links.
    sso: bool,
}

pub async fn password_page(
    State(state): State<AppState>,
    PageUser(caller): PageUser,
) -> PasswordPage {
    PasswordPage {
        forced: caller.principal.must_change_password,
        layout: Layout::new("修改密码", Some(&caller), &state, "/password"),
        errors: Errors::new(),
        sso: state.oidc.is_some(),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Err(r) = user.check_csrf(&form.csrf) {
        return r;
    }
    let caller = &user.0;
    let result = if form.new_password != form.confirm_password {
        Err(crate::AppError::invalid(
            "confirm_password",
            "两次输入的新密码不一致",
        ))
    } else {
        auth::change_password(
            &state.app,
            &caller.principal,
            &form.current_password,
            &form.new_password,
            &caller.meta,
        )
        .await
    };
    match result {
        Ok(()) => Redirect::to("/login?next=/&changed=1").into_response(),
        Err(e) => {
            let page = PasswordPage {
                forced: caller.principal.must_change_password,
                layout: Layout::new("修改密码", Some(caller), &state, "/password"),
                errors: errors_of(&e),
                sso: state.oidc.is_some(),
            };
            (crate::web::error::status_of(&e), page).into_response()
        }
    }
}

/// The cookie binding a single sign-on answer to the browser that asked for it.
const OIDC_STATE_COOKIE: &str = "qq_oidc_state";
/// As long as the provider may take (the attempt itself expires in the database too).
const OIDC_STATE_SECONDS: i64 = 600;

/// The configured provider, or the login page saying there is none.
fn configured_oidc(state: &AppState) -> Result<std::sync::Arc<crate::oidc::Oidc>, Response> {
    state.oidc.clone().ok_or_else(|| {
        let e = crate::AppError::NotFound("本平台没有启用统一身份认证登录".to_string());
        error_page(&e, None, state)
    })
}

/// The login page again, with what went wrong.
fn login_failed(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    e: &crate::AppError,
) -> Response {
    let (token, fresh) = anonymous_token(headers);
    let page = login_page_for(
        state,
        token.clone(),
        String::new(),
        next,
        Some(e.to_string()),
    );
    let response = with_anonymous_token(state, page, &token, fresh);
    let (mut parts, body) = response.into_parts();
    parts.status = crate::web::error::status_of(e);
    crate::web::error::with_retry_after(e, Response::from_parts(parts, body))
}

/// Sends the browser to the provider (a link, not a form: the page's form-action policy keeps
/// forms on this site).
pub async fn oidc_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let oidc = match configured_oidc(&state) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let next = safe_next(q.next.as_deref());
    match crate::oidc::start(&state.app, &oidc, &next).await {
        Ok(started) => {
            let c = set_cookie(
                OIDC_STATE_COOKIE,
                &started.state,
                OIDC_STATE_SECONDS,
                state.secure_cookies,
            );
            (
                [(header::SET_COOKIE, c)],
                Redirect::to(&started.authorize_url),
            )
                .into_response()
        }
        Err(e) => login_failed(&state, &headers, &next, &e),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "oidc_confirm.html")]
pub struct OidcConfirmPage {
    layout: Layout,
    ticket: String,
    next: String,
    display_name: String,
    matched_by: String,
    shown_claim: String,
    error: Option<String>,
}

/// The provider's answer: a linked account signs in; a proposed link asks for confirmation.
pub async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let oidc = match configured_oidc(&state) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let callback = crate::oidc::Callback {
        code: q.code,
        state: q.state,
        error: q.error,
        iss: q.iss,
        browser_state: cookie(&headers, OIDC_STATE_COOKIE).map(str::to_string),
    };
    let finished = crate::oidc::finish(&state.app, &oidc, callback, &request_meta(&headers)).await;
    // The state is used once, whatever the outcome.
    let forget = set_cookie(OIDC_STATE_COOKIE, "", 0, state.secure_cookies);
    let response = match finished {
        Ok(crate::oidc::Finished::SignedIn { user_id, next }) => {
            let next = landing(&state, user_id, next).await;
            logged_in(&state, Ok(user_id), &next)
                .await
                .unwrap_or_else(|e| login_failed(&state, &headers, "/", &e))
        }
        Ok(crate::oidc::Finished::ConfirmLink(pending)) => {
            let (token, fresh) = anonymous_token(&headers);
            let page = confirm_page(&state, token.clone(), pending, None);
            with_anonymous_token(&state, page, &token, fresh)
        }
        Err(e) => login_failed(&state, &headers, "/", &e),
    };
    let mut response = response;
    response.headers_mut().append(header::SET_COOKIE, forget);
    response
}

fn confirm_page(
    state: &AppState,
    token: String,
    pending: crate::oidc::PendingConfirmation,
    error: Option<String>,
) -> OidcConfirmPage {
    let mut layout = Layout::new("确认关联账户", None, state, "/login");
    layout.csrf = token;
    OidcConfirmPage {
        layout,
        ticket: pending.ticket,
        next: pending.next,
        display_name: pending.display_name,
        matched_by: pending.matched_by.label_zh().to_string(),
        shown_claim: pending.shown_claim,
        error,
    }
}

#[derive(Deserialize)]
pub struct OidcConfirmForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    // What the page showed, shown again after a wrong password; only the ticket is trusted.
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    matched_by: String,
    #[serde(default)]
    shown_claim: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The owner confirms the proposed link with their password, and is signed in.
pub async fn oidc_confirm(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<OidcConfirmForm>,
) -> Response {
    if !anonymous_csrf_ok(&headers, &form.csrf) {
        return csrf_failure();
    }
    let next = safe_next(Some(&form.next));
    let meta = request_meta(&headers);
    let confirmed =
        crate::oidc::confirm_with_password(&state.app, &form.ticket, form.password, address, &meta)
            .await;
    match confirmed {
        Ok(user_id) => {
            let next = landing(&state, user_id, next).await;
            logged_in(&state, Ok(user_id), &next)
                .await
                .unwrap_or_else(|e| login_failed(&state, &headers, "/", &e))
        }
        // A wrong password: the same page again, to try once more.
        Err(e @ crate::AppError::Invalid { .. }) if e.field() == Some("password") => {
            let mut layout = Layout::new("确认关联账户", None, &state, "/login");
            layout.csrf = form.csrf;
            let page = OidcConfirmPage {
                layout,
                ticket: form.ticket,
                next,
                display_name: form.display_name,
                matched_by: form.matched_by,
                shown_claim: form.shown_claim,
                error: Some(e.to_string()),
            };
            (crate::web::error::status_of(&e), page).into_response()
        }
        Err(e) => login_failed(&state, &headers, &next, &e),
    }
}
