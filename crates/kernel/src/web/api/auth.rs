//! Login, logout, the current user, password change.

use crate::auth::{
    self, IdentityProvider, PasswordCredentials, PasswordProvider, SESSION_LIFETIME,
};
use crate::web::AppState;
use crate::web::error::{ApiError, ApiResult};
use crate::web::session::{ApiUser, ClientAddress, SESSION_COOKIE, request_meta, set_cookie};
use crate::{App, AppError, Principal};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The logged-in user as the UI needs to know them.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub org_id: i64,
    pub org_name: String,
    /// Credit codes of the enterprises the user acts for.
    pub enterprises: Vec<String>,
    pub must_change_password: bool,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Self {
        Me {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            role: p.role.as_str().to_string(),
            role_label: p.role.label_zh().to_string(),
            org_id: p.org_id,
            org_name: p.org_name.clone(),
            enterprises: p.enterprises().iter().map(|c| c.to_string()).collect(),
            must_change_password: p.must_change_password,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionStarted {
    pub user: Me,
    /// Send this in `X-CSRF-Token` with every state-changing request.
    pub csrf_token: String,
}

/// Starts a session for an authenticated user: the session cookie and the body with the CSRF
/// token. Shared by login and registration.
pub async fn session_response(
    app: &App,
    user_id: i64,
    secure: bool,
    status: StatusCode,
) -> ApiResult<Response> {
    let session = auth::start_session(app, user_id).await?;
    let principal = auth::principal_of(app, user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        SESSION_LIFETIME.num_seconds(),
        secure,
    );
    let body = SessionStarted {
        user: Me::from(&principal),
        csrf_token: session.csrf_token,
    };
    Ok((status, [(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Logs in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionStarted),
              (status = 422, description = "用户名或密码错误(不区分用户是否存在)", body = crate::web::error::ErrorBody),
              (status = 429, description = "登录尝试过于频繁;Retry-After 给出等待秒数", body = crate::web::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let credentials = PasswordCredentials {
        username: req.username,
        password: req.password,
        address,
    };
    let user_id = PasswordProvider
        .authenticate(&state.app, credentials, &request_meta(&headers))
        .await?;
    session_response(&state.app, user_id, state.secure_cookies, StatusCode::OK).await
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "已退出")))]
pub async fn logout(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Response> {
    auth::end_session(&state.app, &caller.token).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn me(ApiUser(caller): ApiUser) -> Json<Me> {
    Json(Me::from(&caller.principal))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password; every session of the user ends, including this one.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "已修改,请重新登录"), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    auth::change_password(
        &state.app,
        &caller.principal,
        &req.current_password,
        &req.new_password,
        &caller.meta,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
