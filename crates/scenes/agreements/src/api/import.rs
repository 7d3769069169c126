//! 政企合同双兑现: the XLSX template of commitment items and its import into an agreement.

use crate::{AgreementView, import};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qinqing_kernel::AppError;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiError, ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::UploadForm;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(template))
        .routes(routes!(import_items))
}

/// The import template: Chinese headers and one example row, opened by Excel.
#[utoipa::path(get, path = "/api/v1/agreements/items-template.xlsx", tag = "agreements",
    responses((status = 200, description = "承诺事项导入模板(XLSX)")))]
pub async fn template(ApiUser(_caller): ApiUser) -> ApiResult<Response> {
    let bytes = import::template()?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(
            "承诺事项导入模板.xlsx",
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let content_type = qinqing_exchange::FileFormat::Xlsx
        .content_type()
        .to_string();
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Adds the items of an XLSX file (multipart field `file`, in the template's columns) to an
/// agreement. All or nothing: a 422 lists every problem by row and column in `rows`.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/items/import", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "file: 按模板填写的 XLSX"),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行逐列列出,未导入任何事项", body = ErrorBody)))]
pub async fn import_items(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> ApiResult<Json<AgreementView>> {
    let form = UploadForm::read(form, "file").await;
    let Some((_, bytes)) = form.file.as_ref().filter(|_| !form.interrupted) else {
        return Err(ApiError(AppError::invalid(
            "file",
            "请选择按模板填写的 XLSX 文件",
        )));
    };
    let who = &caller.principal;
    let view = import::import_items(&state.app, who, id, bytes, &caller.meta).await?;
    Ok(Json(view))
}
