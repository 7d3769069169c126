//! 诉求必应: categories, routing rules, requests and their handling, Open311 API keys.

use super::request_analysis::uploaded;
use crate::api_keys::{self, ApiKeyInput, ApiKeyView, IssuedKey};
use crate::files;
use crate::handling::{
    self, DuplicateInput, ExtensionInput, FollowUpInput, ReplyInput, RequestInput, TransferInput,
};
use crate::model::{RequestStatus, RequestView};
use crate::routing::{self, CategoryView, RouteInput, RouteView};
use axum::Json;
use axum::extract::Multipart;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinqing_kernel::attachments::AttachmentView;
use qinqing_kernel::listing::{Paged, QueueQuery, Tab};
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use qinqing_kernel::web::upload::{UploadForm, file_response};
use qinqing_kernel::{AppError, AppResult};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories))
        .routes(routes!(request_routes, replace_routes))
        .routes(routes!(list, submit))
        .routes(routes!(attachments, attach))
        .routes(routes!(attachment))
        .routes(routes!(get))
        .routes(routes!(accept))
        .routes(routes!(transfer))
        .routes(routes!(duplicate))
        .routes(routes!(request_extension))
        .routes(routes!(approve_extension))
        .routes(routes!(reply))
        .routes(routes!(follow_up))
        .routes(routes!(api_keys, issue_api_key))
        .routes(routes!(revoke_api_key))
}

/// The categories of request with their resolution limits. Public.
#[utoipa::path(get, path = "/api/v1/request-categories", tag = "requests",
    responses((status = 200, body = Vec<CategoryView>)))]
pub async fn categories(State(state): State<AppState>) -> ApiResult<Json<Vec<CategoryView>>> {
    Ok(Json(routing::categories(&state.app).await?))
}

// `routes` names this file's route table; the operation keeps its published id.
#[utoipa::path(get, path = "/api/v1/admin/request-routes", tag = "requests", operation_id = "routes",
    responses((status = 200, body = Vec<RouteView>), (status = 403, body = ErrorBody)))]
pub async fn request_routes(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<RouteView>>> {
    Ok(Json(routing::routes(&state.app, &caller.principal).await?))
}

/// Replaces every routing rule (category × region prefix → department); administrator.
#[utoipa::path(put, path = "/api/v1/admin/request-routes", tag = "requests", request_body = Vec<RouteInput>,
    responses((status = 200, body = Vec<RouteView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_routes(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<Vec<RouteInput>>,
) -> ApiResult<Json<Vec<RouteView>>> {
    let routes =
        routing::replace_routes(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok(Json(routes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// open | accepted | replied | reopened | closed | duplicate
    status: Option<String>,
}

/// One page of the requests the caller may see, newest first: a tab (all unless asked), a search
/// in title, receipt number and enterprise name, and a status.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(ListQuery, QueueQuery),
    responses((status = 200, body = Paged<RequestView>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ListQuery>,
    Query(page): Query<QueueQuery>,
) -> ApiResult<Json<Paged<RequestView>>> {
    let who = &caller.principal;
    let queue = page.read(Tab::All)?;
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let status = status.map(status_filter).transpose()?;
    Ok(Json(
        handling::queue(&state.app, who, status, &queue).await?,
    ))
}

/// The list's `?status=`: one of the statuses a request has.
fn status_filter(status: &str) -> AppResult<RequestStatus> {
    RequestStatus::parse(status).ok_or_else(|| {
        AppError::invalid(
            "status",
            "status 应为 open、accepted、replied、reopened、closed 或 duplicate",
        )
    })
}

/// Registers a request (the enterprise, its steward, or a handler from another channel); it is
/// routed at once and its 24-hour response clock starts.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RequestInput,
    responses((status = 201, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<RequestInput>,
) -> ApiResult<(StatusCode, Json<RequestView>)> {
    let view = handling::submit(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/requests/{receipt}", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        handling::get(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// 签收 by the owning department; the response clock stops.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/accept", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<RequestView>> {
    let view = handling::accept(&state.app, &caller.principal, &receipt, &caller.meta).await?;
    Ok(Json(view))
}

/// The one transfer to another department, with a reason.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/transfer", tag = "requests", request_body = TransferInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<TransferInput>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::transfer(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok(Json(view))
}

/// Links a repeat to the open request it duplicates.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/duplicate", tag = "requests", request_body = DuplicateInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn duplicate(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<DuplicateInput>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::mark_duplicate(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok(Json(view))
}

/// The owning department asks for more working days, with a reason.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/extension", tag = "requests", request_body = ExtensionInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_extension(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<ExtensionInput>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::request_extension(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok(Json(view))
}

/// The department lead approves the pending extension; the resolution clock's due time moves.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/extension/approve", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_extension(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::approve_extension(&state.app, who, &receipt, &caller.meta).await?;
    Ok(Json(view))
}

/// The reply to the enterprise; both clocks stop.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/reply", tag = "requests", request_body = ReplyInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<ReplyInput>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::reply(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok(Json(view))
}

/// 回访: closes the request, or reopens it one grade up when the enterprise is not satisfied.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/follow-up", tag = "requests", request_body = FollowUpInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<FollowUpInput>,
) -> ApiResult<Json<RequestView>> {
    let who = &caller.principal;
    let view = handling::follow_up(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/admin/api-keys", tag = "requests",
    responses((status = 200, body = Vec<ApiKeyView>), (status = 403, body = ErrorBody)))]
pub async fn api_keys(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<ApiKeyView>>> {
    Ok(Json(api_keys::list(&state.app, &caller.principal).await?))
}

/// Issues an Open311 API key; the key is in this answer only.
#[utoipa::path(post, path = "/api/v1/admin/api-keys", tag = "requests", request_body = ApiKeyInput,
    responses((status = 201, body = IssuedKey), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_api_key(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<ApiKeyInput>,
) -> ApiResult<(StatusCode, Json<IssuedKey>)> {
    let key = api_keys::issue(&state.app, &caller.principal, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

#[utoipa::path(delete, path = "/api/v1/admin/api-keys/{id}", tag = "requests",
    params(("id" = i64, Path)),
    responses((status = 204, description = "已吊销"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    api_keys::revoke(&state.app, &caller.principal, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The files attached to a request.
#[utoipa::path(get, path = "/api/v1/requests/{receipt}/attachments", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = Vec<AttachmentView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachments(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    Ok(Json(
        files::list(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// Attaches a file (multipart fields `label` and `file`: PDF, JPG, PNG or OFD); by the
/// enterprise, its steward or whoever registered the request, until it is closed.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/attachments", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    request_body(content = Object, content_type = "multipart/form-data", description = "label: 附件说明; file: PDF/JPG/PNG/OFD"),
    responses((status = 201, body = AttachmentView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    form: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let form = UploadForm::read(form, "file").await;
    let (name, bytes) = uploaded(&form)?;
    let who = &caller.principal;
    let label = form.field("label");
    let added = files::attach(
        &state.app,
        who,
        &receipt,
        label,
        name,
        bytes.to_vec(),
        &caller.meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// One attached file: inline for PDF and images, a download otherwise.
#[utoipa::path(get, path = "/api/v1/requests/{receipt}/attachments/{id}", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号"), ("id" = i64, Path, description = "文件")),
    responses((status = 200, description = "文件内容"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((receipt, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let file = files::content(&state.app, &caller.principal, &receipt, id).await?;
    Ok(file_response(file))
}
