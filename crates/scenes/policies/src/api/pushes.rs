//! Subscriptions and pushes of benefit policies (可订阅、精准推送), and the push log.

use crate::pushes::{self, PushInput, PushReport, PushView, Subscriptions, SubscriptionsInput};
use axum::Json;
use axum::extract::{Path, Query, State};
use qinqing_kernel::listing::{Paged, QueueQuery, Tab};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(policy_pushes))
        .routes(routes!(subscriptions, set_subscriptions))
        .routes(routes!(enterprise_pushes))
}

/// The enterprise's policy subscriptions (by topic, department, level); for its users and
/// its steward.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}/subscriptions", tag = "policies",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = Subscriptions), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn subscriptions(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Subscriptions>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    Ok(Json(
        pushes::list_subscriptions(&state.app, &caller.principal, &code).await?,
    ))
}

/// Replaces the enterprise's subscriptions with the given set (audited). Newly published
/// policies matching one of them are pushed to the enterprise.
#[utoipa::path(put, path = "/api/v1/enterprises/{code}/subscriptions", tag = "policies",
    request_body = SubscriptionsInput,
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = Subscriptions), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_subscriptions(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(input): Json<SubscriptionsInput>,
) -> ApiResult<Json<Subscriptions>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    Ok(Json(
        pushes::set_subscriptions(&state.app, &caller.principal, &code, &input, &caller.meta)
            .await?,
    ))
}

/// The policies pushed to the enterprise (by machine match, subscription or staff), newest
/// first; for its users and its steward.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}/pushes", tag = "policies",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = [PushView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enterprise_pushes(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<PushView>>> {
    let code = qinqing_kernel::web::api::enterprises::credit_code(&code)?;
    Ok(Json(
        pushes::enterprise_pushes(&state.app, &caller.principal, &code).await?,
    ))
}

/// A department's handler or lead pushes one of its published policies to the enterprises in
/// their scope whose region and/or industry code start with the given prefixes. Enterprises
/// told about the policy before are not told again.
#[utoipa::path(post, path = "/api/v1/policies/{id}/push", tag = "policies", request_body = PushInput,
    params(("id" = String, Path, description = "政策编号")),
    responses((status = 200, body = PushReport), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<PushInput>,
) -> ApiResult<Json<PushReport>> {
    Ok(Json(
        pushes::staff_push(&state.app, &caller.principal, &id, &input, &caller.meta).await?,
    ))
}

/// One page of the push log of a policy, newest first: who was told, how and when; for its
/// department's staff, the supervisors and the administrator.
#[utoipa::path(get, path = "/api/v1/policies/{id}/pushes", tag = "policies",
    params(("id" = String, Path, description = "政策编号"), QueueQuery),
    responses((status = 200, body = Paged<PushView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn policy_pushes(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
    Query(page): Query<QueueQuery>,
) -> ApiResult<Json<Paged<PushView>>> {
    let page = page.read(Tab::All)?;
    Ok(Json(
        pushes::policy_push_page(&state.app, &caller.principal, &id, &page).await?,
    ))
}
