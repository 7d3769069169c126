//! Enterprise registration, profiles, import and export.

use crate::AppError;
use crate::enterprises::{self, ProfileUpdate, ProfileView, RegistrationInput};
use crate::enterprises::{Enterprise, ListFilter, ScopeFilter};
use crate::web::AppState;
use crate::web::error::{ApiError, ApiResult, plain};
use crate::web::session::{ApiUser, request_meta};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use qinqing_domain::CreditCode;
use qinqing_exchange::FileFormat;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(list))
        .routes(routes!(import))
        .routes(routes!(export))
        .routes(routes!(get, update))
}

/// Self-registration of an enterprise with its first account and 诚信承诺书; logs the user in.
#[utoipa::path(post, path = "/api/v1/enterprises/register", tag = "enterprises",
    request_body = RegistrationInput,
    responses((status = 201, body = super::auth::SessionStarted),
              (status = 409, description = "信用代码或用户名已存在", body = crate::web::error::ErrorBody),
              (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(input): Json<RegistrationInput>,
) -> ApiResult<Response> {
    let user_id = enterprises::register(&state.app, &input, &request_meta(&headers)).await?;
    super::auth::session_response(
        &state.app,
        user_id,
        state.secure_cookies,
        StatusCode::CREATED,
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of the name or credit code.
    q: Option<String>,
    /// Division code prefix (town or village).
    region: Option<String>,
    /// Industry code prefix, e.g. C or C33.
    industry: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseSummary {
    pub credit_code: String,
    pub name: String,
    pub industry_code: String,
    pub industry_name: String,
    pub region_code: String,
    pub ownership: String,
    pub credit_status: String,
}

impl From<&Enterprise> for EnterpriseSummary {
    fn from(e: &Enterprise) -> Self {
        let id = &e.identity;
        EnterpriseSummary {
            credit_code: id.credit_code.to_string(),
            name: id.name.clone(),
            industry_code: id.industry_code.to_string(),
            industry_name: id.industry_code.name().to_string(),
            region_code: id.region_code.to_string(),
            ownership: id.ownership.as_str().to_string(),
            credit_status: id.credit_status.as_str().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EnterprisePage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<EnterpriseSummary>,
}

pub const MAX_PER_PAGE: i64 = 200;

/// The list filter of a query; pages count from 1.
pub fn list_filter(
    q: Option<&str>,
    region: Option<&str>,
    industry: Option<&str>,
    page: i64,
    per_page: i64,
) -> ListFilter {
    ListFilter {
        scope: ScopeFilter::Nothing, // replaced by the use case
        text: q.map(|s| s.trim().to_string()),
        region_prefix: region.map(|s| s.trim().to_string()),
        industry_prefix: industry.map(|s| s.trim().to_uppercase()),
        limit: per_page,
        offset: crate::listing::offset(page, per_page),
    }
}

/// Enterprises in the caller's scope.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", params(ListQuery),
    responses((status = 200, body = EnterprisePage), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<EnterprisePage>> {
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE);
    let filter = list_filter(
        q.q.as_deref(),
        q.region.as_deref(),
        q.industry.as_deref(),
        page,
        per_page,
    );
    let (items, total) = enterprises::list(&state.app, &caller.principal, filter).await?;
    Ok(Json(EnterprisePage {
        total,
        page,
        per_page,
        items: items.iter().map(EnterpriseSummary::from).collect(),
    }))
}

pub fn credit_code(code: &str) -> Result<CreditCode, ApiError> {
    CreditCode::parse(code).map_err(|e| ApiError(AppError::invalid("credit_code", e.to_string())))
}

/// One enterprise's profile, with figures per year, derived size class and corrections.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}", tag = "enterprises",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, description = "企业画像"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ProfileView>> {
    let code = credit_code(&code)?;
    Ok(Json(
        enterprises::profile(&state.app, &caller.principal, &code).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Changed {
    pub changed: usize,
}

/// Corrects a profile. Enterprise users and stewards may change contact data, qualifications
/// and figures (recorded as corrections of government figures); staff may also change registry
/// fields.
#[utoipa::path(patch, path = "/api/v1/enterprises/{code}", tag = "enterprises",
    params(("code" = String, Path, description = "统一社会信用代码")),
    request_body(content = Object, description = "ProfileUpdate: name, legal_representative, contact_phone, industry_code, region_code, ownership, established_on, credit_status, qualifications[], figures[{year, field, value}]"),
    responses((status = 200, body = Changed), (status = 403, body = crate::web::error::ErrorBody),
              (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(update): Json<ProfileUpdate>,
) -> ApiResult<Json<Changed>> {
    let code = credit_code(&code)?;
    let changed =
        enterprises::update_profile(&state.app, &caller.principal, &code, &update, &caller.meta)
            .await?;
    Ok(Json(Changed { changed }))
}

/// Reads the uploaded `file` field of a multipart form: its name and bytes.
pub async fn uploaded_file(form: Multipart) -> Result<(String, Vec<u8>), Response> {
    let bad = |m: &str| plain(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m, Some("file"));
    let form = crate::web::upload::UploadForm::read(form, "file").await;
    if form.interrupted {
        return Err(bad("文件上传中断,请重试"));
    }
    form.file
        .ok_or_else(|| bad("请选择要导入的 CSV 或 XLSX 文件"))
}

/// Imports enterprises from a CSV or XLSX file (multipart field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/enterprises/import", tag = "enterprises",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: CSV 或 XLSX"),
    responses((status = 200, description = "导入结果"), (status = 422, description = "文件有错误,逐行列出", body = crate::web::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    let (name, bytes) = uploaded_file(form).await?;
    let format = FileFormat::from_file_name(&name).ok_or_else(|| {
        plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "只支持 .csv 或 .xlsx 文件",
            Some("file"),
        )
    })?;
    let summary = enterprises::import(&state.app, &caller.principal, &bytes, format, &caller.meta)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(summary).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (default) or xlsx
    format: Option<String>,
}

/// Exports the enterprises in the caller's scope in the import format.
#[utoipa::path(get, path = "/api/v1/enterprises/export", tag = "enterprises", params(ExportQuery),
    responses((status = 200, description = "CSV 或 XLSX 文件"), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Response> {
    let format = match q.format.as_deref().unwrap_or("csv") {
        "csv" => FileFormat::Csv,
        "xlsx" => FileFormat::Xlsx,
        other => {
            let message = format!("不支持的导出格式“{other}”,应为 csv 或 xlsx");
            return Err(plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &message,
                Some("format"),
            ));
        }
    };
    let bytes = enterprises::export(&state.app, &caller.principal, format)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(download(format, bytes))
}

/// A file download response; shared with the UI.
pub fn download(format: FileFormat, bytes: Vec<u8>) -> Response {
    let name = format!("enterprises.{}", format.extension());
    crate::web::download::attachment(&name, format.content_type(), bytes)
}
