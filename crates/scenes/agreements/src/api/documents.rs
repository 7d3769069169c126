//! 政企合同双兑现: the agreement document itself (协议文本).

use crate::document;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::{UploadForm, file_response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(content))
}

/// The files of the agreement document.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号")),
    responses((status = 200, body = Vec<AttachmentView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    Ok(Json(
        document::list(&state.app, &caller.principal, id).await?,
    ))
}

/// Uploads the agreement document (multipart `file`: PDF, OFD, JPG or PNG; optional `label`),
/// by the staff who manage the agreement.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/documents", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "label: 名称(默认“协议文本”); file: PDF/OFD/JPG/PNG"),
    responses((status = 201, body = AttachmentView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let form = UploadForm::read(form, "file").await;
    let file = qinqing_kernel::web::upload::material(&form)?;
    let who = &caller.principal;
    let added = document::upload(&state.app, who, id, file, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// One file of the agreement document: inline for PDF and images.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/documents/{file}", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号"), ("file" = i64, Path, description = "文件")),
    responses((status = 200, description = "文件内容"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, file)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let content = document::content(&state.app, &caller.principal, id, file).await?;
    Ok(file_response(content))
}
