//! The audit log, verifiable by anyone: signed checkpoints, the verifier key, entries (for the
//! roles entitled to them) and RFC 9162 proofs (public).

use crate::AppError;
use crate::audit_log::{self, EntryView};
use crate::web::AppState;
use crate::web::error::{ApiError, ApiResult};
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(verifier))
        .routes(routes!(entry))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
}

const TEXT: &str = "text/plain; charset=utf-8";

/// The latest checkpoint: a C2SP tlog-checkpoint in a signed note (Ed25519).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let note = audit_log::latest_checkpoint(&state.app)
        .await?
        .ok_or_else(|| AppError::NotFound("尚未签发检查点".into()))?;
    Ok(([(header::CONTENT_TYPE, TEXT)], note))
}

/// The verifier key of the log's checkpoints (C2SP signed-note vkey).
#[utoipa::path(get, path = "/api/v1/audit/verifier", tag = "audit",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn verifier(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok((
        [(header::CONTENT_TYPE, TEXT)],
        audit_log::verifier_key(&state.app).await?,
    ))
}

/// One entry: its leaf hash, the exact bytes hashed (base64) and the same decoded.
#[utoipa::path(get, path = "/api/v1/audit/entries/{index}", tag = "audit",
    params(("index" = u64, Path, description = "从 0 开始的序号")),
    responses((status = 200, description = "{index, leaf_hash, entry_b64, entry}"),
              (status = 403, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(index): Path<u64>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(
        audit_log::entry(&state.app, &caller.principal, index).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    index: Option<u64>,
    size: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// Base64 hashes, RFC 9162 order (from the leaf's sibling upwards).
    pub hashes: Vec<String>,
}

fn required(value: Option<u64>, field: &str) -> Result<u64, ApiError> {
    value.ok_or_else(|| ApiError(AppError::invalid(field, format!("缺少参数 {field}"))))
}

fn encode(hashes: Vec<[u8; 32]>) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

/// Inclusion proof of entry `index` in the tree of `size` entries (size ≤ latest checkpoint).
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> ApiResult<Json<InclusionProof>> {
    let (index, size) = (required(q.index, "index")?, required(q.size, "size")?);
    let hashes = audit_log::inclusion_proof(&state.app, index, size).await?;
    Ok(Json(InclusionProof {
        index,
        size,
        hashes: encode(hashes),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    from: Option<u64>,
    to: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// Base64 hashes, RFC 9162 order.
    pub hashes: Vec<String>,
}

/// Consistency proof between the trees of `from` and `to` entries (to ≤ latest checkpoint).
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    let (from, to) = (required(q.from, "from")?, required(q.to, "to")?);
    let hashes = audit_log::consistency_proof(&state.app, from, to).await?;
    Ok(Json(ConsistencyProof {
        from,
        to,
        hashes: encode(hashes),
    }))
}
