//! 亲清管家 and 亲情代办: the administrator assigns and unassigns stewards (one by one or from a
//! file); an enterprise's own users authorise a steward or another account to act for it on
//! chosen matters until a date, and revoke it.

use super::directory::{TemplateQuery, import_with, template_download};
use crate::AppError;
use crate::authorisations::{self, AuthorisationView, GrantInput, MatterView};
use crate::stewards::{self, Step};
use crate::web::AppState;
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::session::{ApiUser, Caller};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use qinqing_domain::CreditCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(assignments, assign_steward))
        .routes(routes!(unassign_steward))
        .routes(routes!(import_stewards))
        .routes(routes!(steward_template))
        .routes(routes!(matters))
        .routes(routes!(authorisations_of, grant))
        .routes(routes!(revoke))
}

#[derive(Deserialize, ToSchema)]
pub struct StewardAssignmentInput {
    pub steward_id: i64,
    pub credit_code: String,
}

fn credit_code(text: &str) -> Result<CreditCode, ApiError> {
    CreditCode::parse(text.trim())
        .map_err(|e| ApiError(AppError::invalid("credit_code", e.to_string())))
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentItem {
    pub steward_id: i64,
    pub steward_name: String,
    pub credit_code: String,
    pub enterprise_name: String,
}

/// Every steward assignment (administrator).
#[utoipa::path(get, path = "/api/v1/admin/stewards", tag = "admin",
    responses((status = 200, body = Vec<AssignmentItem>), (status = 403, body = ErrorBody)))]
pub async fn assignments(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Vec<AssignmentItem>>> {
    let list = stewards::list(&state.app, &caller.principal).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AssignmentItem {
                steward_id: a.steward_id,
                steward_name: a.steward_name,
                credit_code: a.credit_code.to_string(),
                enterprise_name: a.enterprise_name,
            })
            .collect(),
    ))
}

/// Assigns a steward to an enterprise (administrator).
#[utoipa::path(post, path = "/api/v1/admin/stewards", tag = "admin", request_body = StewardAssignmentInput,
    responses((status = 204, description = "已指派"), (status = 403, body = ErrorBody),
              (status = 409, description = "该管家已负责此企业", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_steward(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(r): Json<StewardAssignmentInput>,
) -> ApiResult<StatusCode> {
    change_assignment(&state, &caller, Step::Assign, r).await
}

/// Takes a steward off an enterprise; the enterprise's authorisations of that steward end too.
#[utoipa::path(post, path = "/api/v1/admin/stewards/unassign", tag = "admin", request_body = StewardAssignmentInput,
    responses((status = 204, description = "已取消"), (status = 403, body = ErrorBody),
              (status = 409, description = "该管家并未负责此企业", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unassign_steward(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(r): Json<StewardAssignmentInput>,
) -> ApiResult<StatusCode> {
    change_assignment(&state, &caller, Step::Unassign, r).await
}

async fn change_assignment(
    state: &AppState,
    caller: &Caller,
    step: Step,
    r: StewardAssignmentInput,
) -> ApiResult<StatusCode> {
    let code = credit_code(&r.credit_code)?;
    stewards::change(
        &state.app,
        &caller.principal,
        step,
        r.steward_id,
        &code,
        &caller.meta,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns and unassigns stewards from a CSV or XLSX file (multipart field `file`); all rows or none.
#[utoipa::path(post, path = "/api/v1/admin/stewards/import", tag = "admin",
    request_body(content = Object, content_type = "multipart/form-data", description = "file: CSV 或 XLSX"),
    responses((status = 200, body = super::directory::Imported), (status = 403, body = ErrorBody),
              (status = 422, description = "文件有错误,逐行逐列列出,未做任何改动", body = ErrorBody)))]
pub async fn import_stewards(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    form: Multipart,
) -> Result<Response, Response> {
    import_with(form, async |bytes, format| {
        stewards::import(&state.app, &caller.principal, bytes, format, &caller.meta).await
    })
    .await
}

/// The steward import template, with example rows.
#[utoipa::path(get, path = "/api/v1/admin/stewards/template", tag = "admin", params(TemplateQuery),
    responses((status = 200, description = "XLSX 或 CSV 模板"), (status = 422, body = ErrorBody)))]
pub async fn steward_template(
    ApiUser(_caller): ApiUser,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<Response> {
    template_download(
        &q,
        "stewards-template",
        qinqing_exchange::directory::steward_template,
    )
}

/// The matters an enterprise may authorise someone to act on.
#[utoipa::path(get, path = "/api/v1/authorisation-matters", tag = "enterprises",
    responses((status = 200, body = Vec<MatterView>)))]
pub async fn matters(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
) -> Json<Vec<MatterView>> {
    Json(authorisations::matter_views(&state.app))
}

/// The enterprise's authorisations (亲情代办), newest first, for anyone who sees the enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/{code}/authorisations", tag = "enterprises",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<AuthorisationView>), (status = 404, body = ErrorBody)))]
pub async fn authorisations_of(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<AuthorisationView>>> {
    let code = credit_code(&code)?;
    Ok(Json(
        authorisations::list(&state.app, &caller.principal, &code).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Granted {
    pub id: i64,
}

/// The enterprise's own user authorises a steward serving it (`steward_id`) or another account
/// (`phone`) to act for it on `matters` until `valid_until`.
#[utoipa::path(post, path = "/api/v1/enterprises/{code}/authorisations", tag = "enterprises",
    params(("code" = String, Path)), request_body = GrantInput,
    responses((status = 201, body = Granted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "已有一份有效授权", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(code): Path<String>,
    Json(input): Json<GrantInput>,
) -> ApiResult<(StatusCode, Json<Granted>)> {
    let code = credit_code(&code)?;
    let id =
        authorisations::grant(&state.app, &caller.principal, &code, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(Granted { id })))
}

/// The enterprise's own user revokes an authorisation; it ends at once.
#[utoipa::path(post, path = "/api/v1/enterprises/{code}/authorisations/{id}/revoke", tag = "enterprises",
    params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 204, description = "已撤销"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "已撤销或已到期", body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let code = credit_code(&code)?;
    authorisations::revoke(&state.app, &caller.principal, &code, id, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
