//! 政企合同双兑现: investment agreements and their commitment items.

use crate::{AgreementInput, AgreementSummary, AgreementView, ItemAction, ItemInput};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::{UploadForm, file_response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(template))
        .routes(routes!(get))
        .routes(routes!(link_enterprise))
        .routes(routes!(add_item))
        .routes(routes!(edit_item))
        .routes(routes!(act))
        .routes(routes!(evidence, upload_evidence))
        .routes(routes!(evidence_content))
}

/// The agreements the caller may see: the enterprise its own, departments those they manage
/// or answer an item of, supervisors everything in their scope.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements",
    responses((status = 200, body = Vec<AgreementSummary>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<AgreementSummary>>> {
    Ok(Json(crate::list(&state.app, &caller.principal).await?))
}

/// Records an agreement, itemised from the standard chain (`from_template`) and/or item by item.
#[utoipa::path(post, path = "/api/v1/agreements", tag = "agreements", request_body = AgreementInput,
    responses((status = 201, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<AgreementInput>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    let view = crate::create(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The standard chain of items (标准节点模板) with their default sides and offsets.
#[utoipa::path(get, path = "/api/v1/agreements/template", tag = "agreements",
    responses((status = 200, description = "标准节点模板")))]
pub async fn template() -> Json<&'static [qinqing_domain::commitment::TemplateNode]> {
    Json(crate::standard_template())
}

/// An agreement with its timeline: every item's planned date and state today.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号")),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<AgreementView>> {
    Ok(Json(crate::get(&state.app, &caller.principal, id).await?))
}

/// Adds a commitment item.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/items", tag = "agreements", request_body = ItemInput,
    params(("id" = i64, Path, description = "协议编号")),
    responses((status = 201, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn add_item(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<ItemInput>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    let view = crate::save_item(
        &state.app,
        &caller.principal,
        id,
        None,
        &input,
        &caller.meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Rewrites an open item (content, responsibility, due rule, 改期); its dependants follow.
#[utoipa::path(put, path = "/api/v1/agreements/{id}/items/{key}", tag = "agreements", request_body = ItemInput,
    params(("id" = i64, Path, description = "协议编号"), ("key" = String, Path, description = "事项编号")),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_item(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, key)): Path<(i64, String)>,
    Json(input): Json<ItemInput>,
) -> ApiResult<Json<AgreementView>> {
    let who = &caller.principal;
    let view = crate::save_item(&state.app, who, id, Some(&key), &input, &caller.meta).await?;
    Ok(Json(view))
}

/// Reports fulfilment (responsible side), confirms or disputes it (other side), waives (lead)
/// or records a breach (招商办 / lead).
#[utoipa::path(post, path = "/api/v1/agreements/{id}/items/{key}/actions", tag = "agreements",
    request_body = ItemAction,
    params(("id" = i64, Path, description = "协议编号"), ("key" = String, Path, description = "事项编号")),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, key)): Path<(i64, String)>,
    Json(action): Json<ItemAction>,
) -> ApiResult<Json<AgreementView>> {
    let who = &caller.principal;
    Ok(Json(
        crate::act(&state.app, who, id, &key, &action, &caller.meta).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct LinkInput {
    /// The registered enterprise's 统一社会信用代码.
    pub credit_code: String,
}

/// Links the enterprise the investor registered to the agreement it signed.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/enterprise", tag = "agreements",
    request_body = LinkInput, params(("id" = i64, Path, description = "协议编号")),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_enterprise(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<LinkInput>,
) -> ApiResult<Json<AgreementView>> {
    let who = &caller.principal;
    let code = &input.credit_code;
    Ok(Json(
        crate::link_enterprise(&state.app, who, id, code, &caller.meta).await?,
    ))
}

/// The evidence files (佐证材料) of an item.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/items/{key}/evidence", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号"), ("key" = String, Path, description = "事项编号")),
    responses((status = 200, body = Vec<AttachmentView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn evidence(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, key)): Path<(i64, String)>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    let who = &caller.principal;
    Ok(Json(crate::evidence(&state.app, who, id, &key).await?))
}

/// Uploads an evidence file (multipart fields `label` and `file`: PDF, JPG, PNG or OFD, at most
/// 10 MB) to an open item, by the side answering for it.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/items/{key}/evidence", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号"), ("key" = String, Path, description = "事项编号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "label: 材料名称; file: PDF/JPG/PNG/OFD,不超过 10 MB"),
    responses((status = 201, body = AttachmentView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, key)): Path<(i64, String)>,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let form = UploadForm::read(form, "file").await;
    let file = qinqing_kernel::web::upload::material(&form)?;
    let who = &caller.principal;
    let added = crate::upload_evidence(&state.app, who, id, &key, file, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// One evidence file's content: inline for PDF and images.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/items/{key}/evidence/{file}", tag = "agreements",
    params(("id" = i64, Path, description = "协议编号"), ("key" = String, Path, description = "事项编号"),
           ("file" = i64, Path, description = "文件")),
    responses((status = 200, description = "文件内容"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn evidence_content(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, key, file)): Path<(i64, String, i64)>,
) -> ApiResult<Response> {
    let who = &caller.principal;
    let content = crate::evidence_content(&state.app, who, id, &key, file).await?;
    Ok(file_response(content))
}
