//! 诉求必应, second part: the 研判 figures with their export, the 12345 import, and the
//! follow-up window after which replied requests close by themselves.

use crate::analysis::{self, Analysis, AnalysisQuery};
use crate::auto_close::{self, RequestSettings};
use crate::intake::{self, ImportSummary};
use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::response::Response;
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::download::report_download;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::UploadForm;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        .routes(routes!(analysis))
        .routes(routes!(settings, put_settings))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// json (default), csv (every figure in one table, UTF-8 with BOM) or xlsx (one sheet per table)
    format: Option<String>,
}

/// 研判: requests by category, department, town and month, response and resolution times,
/// repeats and the top unresolved problems, in the caller's region.
#[utoipa::path(get, path = "/api/v1/dashboards/requests", tag = "requests",
    params(AnalysisQuery, FormatQuery),
    responses((status = 200, body = Analysis), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn analysis(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(period): Query<AnalysisQuery>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let a = analysis::analyse(&state.app, &caller.principal, &period).await?;
    export(a, q.format.as_deref())
}

/// The analysis in the format asked for.
pub fn export(a: Analysis, format: Option<&str>) -> ApiResult<Response> {
    let name = format!("request-analysis-{}-{}", a.from, a.to);
    report_download(a, analysis::tables, format, &name)
}

/// Imports a 12345 ticket export (multipart field `file`, .csv or .xlsx): every ticket is
/// registered and routed, or, on any bad row, none (422 with every row and column).
#[utoipa::path(post, path = "/api/v1/requests/import", tag = "requests",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: 12345 工单导出(.csv 或 .xlsx)"),
    responses((status = 200, body = ImportSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> ApiResult<Json<ImportSummary>> {
    let form = UploadForm::read(form, "file").await;
    let (name, bytes) = uploaded(&form)?;
    let summary = intake::import(&state.app, &caller.principal, name, bytes, &caller.meta).await?;
    Ok(Json(summary))
}

/// The file of a multipart form; an interrupted or missing file is the `file` field's error.
pub fn uploaded(form: &UploadForm) -> Result<(&str, &[u8]), AppError> {
    if form.interrupted {
        return Err(AppError::invalid(
            "file",
            "文件上传中断或超过大小限制,请重试",
        ));
    }
    form.file
        .as_ref()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .ok_or_else(|| AppError::invalid("file", "请选择要上传的文件"))
}

#[utoipa::path(get, path = "/api/v1/admin/request-settings", tag = "requests",
    responses((status = 200, body = RequestSettings), (status = 403, body = ErrorBody)))]
pub async fn settings(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<RequestSettings>> {
    Ok(Json(
        auto_close::get_settings(&state.app, &caller.principal).await?,
    ))
}

/// Sets the follow-up window (calendar days after the reply); administrator.
#[utoipa::path(put, path = "/api/v1/admin/request-settings", tag = "requests", request_body = RequestSettings,
    responses((status = 200, body = RequestSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<RequestSettings>,
) -> ApiResult<Json<RequestSettings>> {
    let who = &caller.principal;
    Ok(Json(
        auto_close::put_settings(&state.app, who, &input, &caller.meta).await?,
    ))
}
