//! The organisation tree and the accounts in it: creating, renaming, moving and deactivating
//! organisations; changing an account's role, deactivating and unlocking it; importing either
//! from a CSV or XLSX file, with a template to download. Administrator only.

use super::admin::Created;
use super::enterprises::uploaded_file;
use crate::organisations::{self, NewOrganisationInput};
use crate::web::AppState;
use crate::web::download::attachment;
use crate::web::error::{ApiError, ApiResult, ErrorBody, plain};
use crate::web::session::ApiUser;
use crate::{AppError, AppResult, users};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qinqing_exchange::{ExportError, FileFormat};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_organisation))
        .routes(routes!(rename_organisation))
        .routes(routes!(move_organisation))
        .routes(routes!(deactivate_organisation))
        .routes(routes!(import_organisations))
        .routes(routes!(organisation_template))
        .routes(routes!(change_role))
        .routes(routes!(deactivate_user))
        .routes(routes!(import_users))
        .routes(routes!(user_template))
}

/// Creates an organisation under its parent.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "admin", request_body = NewOrganisationInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 409, description = "同名或同区划代码的组织已存在", body = ErrorBody),
              (status = 422, description = "类型不能设在该上级下等", body = ErrorBody)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<NewOrganisationInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = organisations::create(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameRequest {
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/rename", tag = "admin",
    params(("id" = i64, Path)), request_body = RenameRequest,
    responses((status = 204, description = "已改名"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_organisation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(r): Json<RenameRequest>,
) -> ApiResult<StatusCode> {
    organisations::rename(&state.app, &caller.principal, id, &r.name, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    /// The new parent; null places a bank at the top.
    pub parent_id: Option<i64>,
}

/// Places an organisation under another parent; refused for a cycle or a wrong parent kind.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/move", tag = "admin",
    params(("id" = i64, Path)), request_body = MoveRequest,
    responses((status = 204, description = "已调整"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_organisation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(r): Json<MoveRequest>,
) -> ApiResult<StatusCode> {
    organisations::move_to(&state.app, &caller.principal, id, r.parent_id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deactivates an organisation without enabled accounts or active children.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/deactivate", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已停用"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "还有在用账户或下级组织,或已停用", body = ErrorBody)))]
pub async fn deactivate_organisation(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    organisations::deactivate(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// Rows imported (every row of the file).
    pub rows: usize,
}

/// The format of an uploaded file, by its name.
fn upload_format(name: &str) -> Result<FileFormat, Response> {
    FileFormat::from_file_name(name).ok_or_else(|| {
        plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "只支持 .csv 或 .xlsx 文件",
            Some("file"),
        )
    })
}

/// Reads the uploaded file and hands it to `import`, answering with the rows imported.
pub(crate) async fn import_with(
    form: Multipart,
    import: impl AsyncFnOnce(&[u8], FileFormat) -> AppResult<usize>,
) -> Result<Response, Response> {
    let (name, bytes) = uploaded_file(form).await?;
    let format = upload_format(&name)?;
    let rows = import(&bytes, format)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(Imported { rows }).into_response())
}

/// Imports organisations from a CSV or XLSX file (multipart field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/organisations/import", tag = "admin",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: CSV 或 XLSX"),
    responses((status = 200, body = Imported), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行逐列列出,未导入任何数据", body = ErrorBody)))]
pub async fn import_organisations(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    import_with(form, async |bytes, format| {
        organisations::import(&state.app, &caller.principal, bytes, format, &caller.meta).await
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// xlsx (default) or csv
    pub format: Option<String>,
}

/// A template download in the asked format.
pub(crate) fn template_download(
    query: &TemplateQuery,
    name: &str,
    make: fn(FileFormat) -> Result<Vec<u8>, ExportError>,
) -> ApiResult<Response> {
    let format = match query.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => FileFormat::Xlsx,
        "csv" => FileFormat::Csv,
        other => {
            return Err(ApiError(AppError::invalid(
                "format",
                format!("不支持的格式“{other}”,应为 xlsx 或 csv"),
            )));
        }
    };
    let bytes = make(format).map_err(|e| ApiError(AppError::Internal(anyhow::anyhow!(e))))?;
    let file = format!("{name}.{}", format.extension());
    Ok(attachment(&file, format.content_type(), bytes))
}

/// The organisation import template, with example rows.
#[utoipa::path(get, path = "/api/v1/organisations/template", tag = "admin", params(TemplateQuery),
    responses((status = 200, description = "XLSX 或 CSV 模板"), (status = 422, body = ErrorBody)))]
pub async fn organisation_template(
    ApiUser(_caller): ApiUser,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<Response> {
    template_download(
        &q,
        "organisations-template",
        qinqing_exchange::directory::organisation_template,
    )
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    /// A role code (e.g. handler) or its Chinese name.
    pub role: String,
}

/// Gives an account another role that fits its organisation.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/role", tag = "admin",
    params(("id" = i64, Path)), request_body = RoleRequest,
    responses((status = 204, description = "已修改"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "不能改自己的角色", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn change_role(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(r): Json<RoleRequest>,
) -> ApiResult<StatusCode> {
    users::change_role(&state.app, &caller.principal, id, &r.role, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches an account off and ends its sessions at once.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/deactivate", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已停用"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "已停用,或是自己的账户", body = ErrorBody)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    users::deactivate(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports accounts from a CSV or XLSX file (multipart field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/admin/users/import", tag = "admin",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: CSV 或 XLSX"),
    responses((status = 200, body = Imported), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行逐列列出,未导入任何数据", body = ErrorBody)))]
pub async fn import_users(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    import_with(form, async |bytes, format| {
        users::import(&state.app, &caller.principal, bytes, format, &caller.meta).await
    })
    .await
}

/// The account import template, with an example row.
#[utoipa::path(get, path = "/api/v1/admin/users/template", tag = "admin", params(TemplateQuery),
    responses((status = 200, description = "XLSX 或 CSV 模板"), (status = 422, body = ErrorBody)))]
pub async fn user_template(
    ApiUser(_caller): ApiUser,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<Response> {
    template_download(
        &q,
        "accounts-template",
        qinqing_exchange::directory::account_template,
    )
}
