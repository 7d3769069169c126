//! 政企合同双兑现 supervision: the commitment desk, the supervision dashboard (JSON, CSV, XLSX),
//! the departments' performance feed and 监督的再监督.

use crate::supervision::{
    self, CommitmentDesk, PerformanceFeed, Resupervision, SupervisionDashboard,
};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::download::report_download;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(desk))
        .routes(routes!(dashboard))
        .routes(routes!(performance))
        .routes(routes!(resupervision))
}

/// The caller's commitment items due within 30 days or overdue, the overdue items of its scope
/// (leads and supervisors) and its unanswered commitment warnings.
#[utoipa::path(get, path = "/api/v1/agreements/desk", tag = "agreements",
    responses((status = 200, body = CommitmentDesk), (status = 401, body = ErrorBody)))]
pub async fn desk(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<CommitmentDesk>> {
    Ok(Json(
        supervision::desk(&state.app, &caller.principal).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// json (default), csv (the summary table, UTF-8 with BOM) or xlsx (every table, one sheet each)
    format: Option<String>,
}

/// Items by state, on-time fulfilment by department and by enterprise, days of delay and
/// construction starts against the contract date, in the caller's region.
#[utoipa::path(get, path = "/api/v1/agreements/dashboard", tag = "agreements", params(ExportQuery),
    responses((status = 200, body = SupervisionDashboard), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let d = supervision::dashboard(&state.app, &caller.principal).await?;
    report_download(
        d,
        supervision::tables,
        q.format.as_deref(),
        "commitment-dashboard",
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year whose planned dates are counted (default: this year, Beijing time).
    year: Option<i32>,
}

/// Per government department, its commitment items planned in the year: due, fulfilled on time
/// and late, overdue open, breached, waived, awaiting confirmation, and the on-time rate in basis
/// points — the data a performance rating reads.
#[utoipa::path(get, path = "/api/v1/agreements/performance", tag = "agreements", params(YearQuery),
    responses((status = 200, body = PerformanceFeed), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn performance(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<PerformanceFeed>> {
    Ok(Json(
        supervision::performance(&state.app, &caller.principal, q.year).await?,
    ))
}

/// 监督的再监督 (纪检, administrator): 警示 and 催告 the supervising offices did not act on, and
/// escalations to 纪检.
#[utoipa::path(get, path = "/api/v1/agreements/resupervision", tag = "agreements",
    responses((status = 200, body = Resupervision), (status = 403, body = ErrorBody)))]
pub async fn resupervision(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Resupervision>> {
    Ok(Json(
        supervision::resupervision(&state.app, &caller.principal).await?,
    ))
}
