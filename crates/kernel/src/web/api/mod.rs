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
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API: the kernel's and every scene's routes, `/healthz`, and `/api/v1/openapi.json` serving the
/// document that their annotations make up.
pub fn routes(scenes: &[Arc<dyn WebScene>]) -> Router<AppState> {
    let base = OpenApiRouter::with_openapi(ApiDoc::openapi()).routes(routes!(healthz));
    let api = parts(scenes)
        .into_iter()
        .fold(base, |api, part| api.merge(part));
    openapi::with_document(api)
}

/// The API in its parts: the kernel's files, then each scene.
fn parts(scenes: &[Arc<dyn WebScene>]) -> Vec<OpenApiRouter<AppState>> {
    let kernel = [
        reference::routes(),
        auth::routes(),
        oidc::routes(),
        enterprises::routes(),
        admin::routes(),
        directory::routes(),
        stewards::routes(),
        deadlines::routes(),
        supervision::routes(),
        notifications::routes(),
        audit::routes(),
    ];
    kernel
        .into_iter()
        .chain(scenes.iter().map(|scene| scene.api()))
        .collect()
}

/// The schema names that two parts of the API give to different shapes. Merged into one
/// document, one shape silently replaces the other and clients read the wrong one, so a name
/// must mean one shape across the kernel and every scene.
pub fn schema_clashes(scenes: &[Arc<dyn WebScene>]) -> Vec<String> {
    let mut shapes: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut clashes = Vec::new();
    for part in parts(scenes) {
        let schemas = part
            .into_openapi()
            .components
            .map(|c| c.schemas)
            .unwrap_or_default();
        for (name, schema) in schemas {
            let shape = serde_json::to_value(&schema).unwrap_or_default();
            match shapes.get(&name) {
                Some(known) if *known != shape => clashes.push(name),
                Some(_) => {}
                None => {
                    shapes.insert(name, shape);
                }
            }
        }
    }
    clashes
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
