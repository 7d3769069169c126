//! The JSON API under `/api/v1`.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod deadlines;
pub mod directory;
pub mod enterprises;
pub mod notifications;
pub mod oidc;
pub mod reference;
pub mod stewards;
pub mod supervision;

use crate::web::openapi::{self, ApiDoc};
use crate::web::{AppState, WebScene};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API: the kernel's and every scene's routes, `/healthz`, and `/api/v1/openapi.json` serving the
/// document that their annotations make up.
pub fn routes(scenes: &[Arc<dyn WebScene>]) -> Router<AppState> {
    let kernel = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .merge(reference::routes())
        .merge(auth::routes())
        .merge(oidc::routes())
        .merge(enterprises::routes())
        .merge(admin::routes())
        .merge(directory::routes())
        .merge(stewards::routes())
        .merge(deadlines::routes())
        .merge(supervision::routes())
        .merge(notifications::routes())
        .merge(audit::routes());
    let api = scenes
        .iter()
        .fold(kernel, |api, scene| api.merge(scene.api()));
    openapi::with_document(api)
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "数据库可用"), (status = 503, description = "数据库不可用")))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
