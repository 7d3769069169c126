//! Administration: accounts, organisations, the working-day calendar.

use crate::calendar;
use crate::users::{self, NewUserInput, UserSummary};
use crate::web::AppState;
use crate::web::error::ApiResult;
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(calendar, replace_calendar))
        .routes(routes!(organisations))
        .routes(routes!(users, create_user))
        .routes(routes!(reset_password))
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, description = "账户列表"), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<UserSummary>>> {
    Ok(Json(
        users::list_users(&state.app, &caller.principal).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUserInput,
    responses((status = 201, body = Created), (status = 403, body = crate::web::error::ErrorBody),
              (status = 409, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<NewUserInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = users::create_user(&state.app, &caller.principal, input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    pub password: String,
}

/// Sets a temporary password, unlocks the account and ends its sessions.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-password", tag = "admin",
    params(("id" = i64, Path)), request_body = ResetRequest,
    responses((status = 204, description = "已重置"), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(r): Json<ResetRequest>,
) -> ApiResult<StatusCode> {
    users::reset_password(&state.app, &caller.principal, id, &r.password, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationItem {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub division_code: Option<String>,
    /// False once deactivated.
    pub active: bool,
}

/// Government organisations and banks, deactivated ones included (enterprises are listed under
/// /enterprises).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "admin",
    responses((status = 200, body = Vec<OrganisationItem>), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn organisations(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<OrganisationItem>>> {
    let list = users::organisations(&state.app, &caller.principal).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrganisationItem {
                id: o.id,
                parent_id: o.parent_id,
                kind: o.kind.as_str().to_string(),
                name: o.name,
                division_code: o.division_code.map(|d| d.to_string()),
                active: o.active,
            })
            .collect(),
    ))
}

/// The working-day calendar document (one holiday or 调休 working day a line).
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn calendar(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let text = calendar::document(&state.app).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text))
}

/// Replaces the calendar (administrator); a document with a bad line changes nothing.
#[utoipa::path(put, path = "/api/v1/calendar", tag = "calendar",
    request_body(content = String, content_type = "text/plain"),
    responses((status = 204, description = "已更新"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn replace_calendar(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    body: String,
) -> ApiResult<StatusCode> {
    calendar::replace(&state.app, &caller.principal, &body, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
