//! Single sign-on links: the administrator's list, confirmation and removal; an account owner's
//! own links.

use crate::oidc::{self, LinkView};
use crate::web::AppState;
use crate::web::error::ApiResult;
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(all_links))
        .routes(routes!(confirm_link))
        .routes(routes!(own_links))
        .routes(routes!(unlink))
}

/// Every link and proposed link between a provider's subject and an account.
#[utoipa::path(get, path = "/api/v1/admin/oidc-links", tag = "admin",
    responses((status = 200, body = Vec<LinkView>), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn all_links(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<LinkView>>> {
    Ok(Json(oidc::list_all(&state.app, &caller.principal).await?))
}

/// The administrator confirms a proposed link.
#[utoipa::path(post, path = "/api/v1/admin/oidc-links/{id}/confirm", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已确认"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 404, body = crate::web::error::ErrorBody), (status = 409, body = crate::web::error::ErrorBody)))]
pub async fn confirm_link(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    oidc::confirm_by_admin(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own confirmed links.
#[utoipa::path(get, path = "/api/v1/me/oidc-links", tag = "auth",
    responses((status = 200, body = Vec<LinkView>), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn own_links(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<LinkView>>> {
    Ok(Json(oidc::list_own(&state.app, &caller.principal).await?))
}

/// Removes a link: the administrator any, an account's owner their own.
#[utoipa::path(post, path = "/api/v1/oidc-links/{id}/unlink", tag = "auth",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已解除"), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn unlink(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    oidc::unlink(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
