//! An application's materials (申报材料): list, upload, preview, remove.

use crate::materials::{self, Materials};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiError, ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::material;
use qinqing_kernel::web::upload::{UploadForm, file_response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(content, remove))
}

/// The files uploaded to an application, and the guide's materials each with whether it is there.
#[utoipa::path(get, path = "/api/v1/applications/{receipt}/materials", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    responses((status = 200, body = Materials), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Materials>> {
    Ok(Json(
        materials::list(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// Uploads one material (multipart fields `label` and `file`: PDF, JPG, PNG or OFD, at most
/// 10 MB) to a draft or returned application.
#[utoipa::path(post, path = "/api/v1/applications/{receipt}/materials", tag = "policies",
    params(("receipt" = String, Path, description = "受理号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "label: 材料名称; file: PDF/JPG/PNG/OFD,不超过 10 MB"),
    responses((status = 201, body = AttachmentView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> Result<Response, ApiError> {
    let form = UploadForm::read(form, "file").await;
    let file = material(&form)?;
    let added =
        materials::upload(&state.app, &caller.principal, &receipt, file, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// One material's content: inline for PDF and images, a download otherwise.
#[utoipa::path(get, path = "/api/v1/applications/{receipt}/materials/{id}", tag = "policies",
    params(("receipt" = String, Path, description = "受理号"), ("id" = i64, Path, description = "文件")),
    responses((status = 200, description = "文件内容"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let file = materials::content(&state.app, &caller.principal, &receipt, id).await?;
    Ok(file_response(file))
}

/// Removes a material from a draft or returned application.
#[utoipa::path(delete, path = "/api/v1/applications/{receipt}/materials/{id}", tag = "policies",
    params(("receipt" = String, Path, description = "受理号"), ("id" = i64, Path, description = "文件")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    materials::remove(&state.app, &caller.principal, &receipt, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
