//! Who is calling: session cookies, CSRF checks and the extractors handlers use.
//!
//! - [`ApiUser`]: a logged-in caller of the JSON API; 401 otherwise. State-changing requests must
//!   carry the session's CSRF token in `X-CSRF-Token`.
//! - [`PageUser`]: a logged-in visitor of the UI; redirected to the login page otherwise. Forms
//!   carry the token in a hidden `_csrf` field, checked with [`PageUser::check_csrf`].
//! - [`MaybeUser`]: pages that anyone may see.
//!
//! Anonymous forms (login, registration) use a double-submit cookie instead.

use crate::web::AppState;
use crate::web::error::plain;
use crate::{Principal, RequestMeta, auth, notifications};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const SESSION_COOKIE: &str = "qq_session";
pub const ANON_CSRF_COOKIE: &str = "qq_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub csrf: String,
    pub token: String,
    pub meta: RequestMeta,
    /// Unread 站内信, for the header of pages (0 for API calls, which do not count them).
    pub unread_messages: i64,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn request_meta(headers: &HeaderMap) -> RequestMeta {
    RequestMeta {
        request_id: headers
            .get(crate::web::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

/// `Set-Cookie` for a cookie readable only by the server, sent on same-site navigation.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, Response> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match auth::resolve_session(&state.app, token).await {
        Ok(found) => Ok(found.map(|(principal, csrf)| Caller {
            principal,
            csrf,
            token: token.to_string(),
            meta: request_meta(&parts.headers),
            unread_messages: 0,
        })),
        Err(e) => Err(crate::web::error::ApiError(e).into_response()),
    }
}

/// A page visitor with the unread count the header shows: one indexed COUNT per page view.
async fn resolve_for_page(parts: &Parts, state: &AppState) -> Result<Option<Caller>, Response> {
    let Some(mut caller) = resolve(parts, state).await? else {
        return Ok(None);
    };
    caller.unread_messages = notifications::unread_count(&state.app, &caller.principal)
        .await
        .map_err(|e| crate::web::error::ApiError(e).into_response())?;
    Ok(Some(caller))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub struct ApiUser(pub Caller);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(caller) = resolve(parts, state).await? else {
            return Err(plain(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "请先登录",
                None,
            ));
        };
        if !is_safe(&parts.method) {
            let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !presented.is_some_and(|p| auth::csrf_matches(&caller.csrf, p)) {
                return Err(plain(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "请求缺少有效的 X-CSRF-Token,请刷新页面后重试",
                    Some("X-CSRF-Token"),
                ));
            }
        }
        let changing_password = parts.uri.path().starts_with("/api/v1/auth/");
        if caller.principal.must_change_password && !changing_password {
            return Err(plain(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "您正在使用管理员设置的临时密码,请先修改密码",
                None,
            ));
        }
        Ok(ApiUser(caller))
    }
}

pub struct PageUser(pub Caller);

impl PageUser {
    /// Checks the hidden `_csrf` field of a submitted form.
    pub fn check_csrf(&self, presented: &str) -> Result<(), Response> {
        if auth::csrf_matches(&self.0.csrf, presented) {
            Ok(())
        } else {
            Err(csrf_failure())
        }
    }
}

pub fn csrf_failure() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::response::Html(
            "<!doctype html><meta charset=utf-8><title>请求已失效</title>\
             <p>表单已过期或来源不明(CSRF 校验失败)。请用浏览器的“后退”返回,刷新页面后重新提交。</p>",
        ),
    )
        .into_response()
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(caller) = resolve_for_page(parts, state).await? else {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = format!("/login?next={}", urlencode(next));
            return Err(Redirect::to(&target).into_response());
        };
        let path = parts.uri.path();
        if caller.principal.must_change_password && path != "/password" && path != "/logout" {
            return Err(Redirect::to("/password").into_response());
        }
        Ok(PageUser(caller))
    }
}

pub struct MaybeUser(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(MaybeUser(resolve_for_page(parts, state).await?))
    }
}

/// The address of the client's connection, for the limits on login attempts; `None` when the
/// server was started without connection info. Behind a reverse proxy this is the proxy's.
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddress(info.map(|i| i.0.ip())))
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only a path of this platform may be a redirect target after login, never another site.
///
/// The target is parsed as a URI: anything with a scheme or host, anything the parser refuses
/// (tabs, CR/LF, spaces, backslashes) and paths that browsers would read as another host
/// (`//host`, `/\\host`) fall back to the start page.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_string())
}

fn local_path(next: &str) -> Option<String> {
    let uri: axum::http::Uri = next.parse().ok()?;
    if uri.scheme().is_some() || uri.authority().is_some() {
        return None;
    }
    let target = uri.path_and_query()?;
    let mut after_slash = target.path().strip_prefix('/')?.chars();
    match after_slash.next() {
        Some('/' | '\\') => None,
        _ => Some(target.as_str().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; qq_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn redirects_after_login_stay_on_this_site() {
        assert_eq!(
            safe_next(Some("/enterprises?page=2")),
            "/enterprises?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/a\r\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("javascript:alert(1)")), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn session_cookies_are_http_only_and_same_site() {
        let c = set_cookie(SESSION_COOKIE, "t", 60, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}
