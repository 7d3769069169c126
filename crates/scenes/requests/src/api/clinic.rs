//! 诉求必应's 会商 (opinions of other departments) and the monthly 会诊日.

use crate::clinic::{
    self, AgendaInput, AgendaItemView, ClinicDayInput, ClinicDayView, ClinicOverview,
    DecisionInput, DecisionView, DoneInput, RecordInput,
};
use crate::consultation::{self, ConsultationView, InviteInput, OpinionInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use qinqing_kernel::web::AppState;
use qinqing_kernel::web::error::{ApiResult, ErrorBody};
use qinqing_kernel::web::session::ApiUser;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(consultations, invite))
        .routes(routes!(opinion))
        .routes(routes!(request_agenda, put_on_agenda))
        .routes(routes!(withdraw))
        .routes(routes!(overview))
        .routes(routes!(get))
        .routes(routes!(record))
        .routes(routes!(decide))
        .routes(routes!(done))
        .routes(routes!(set_day))
}

/// The 会商 invitations of a request and the opinions given; not for the enterprise's side.
#[utoipa::path(get, path = "/api/v1/requests/{receipt}/consultations", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = Vec<ConsultationView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn consultations(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Vec<ConsultationView>>> {
    let who = &caller.principal;
    Ok(Json(
        consultation::for_request(&state.app, who, &receipt).await?,
    ))
}

/// The owning department invites other departments to give an opinion by a date; each
/// invitation starts its own clock.
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/consultations", tag = "requests", request_body = InviteInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 201, body = Vec<ConsultationView>), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<InviteInput>,
) -> ApiResult<(StatusCode, Json<Vec<ConsultationView>>)> {
    let who = &caller.principal;
    let shown = consultation::invite(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The invited department's opinion, given once; its clock stops.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/opinion", tag = "requests", request_body = OpinionInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = ConsultationView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn opinion(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<OpinionInput>,
) -> ApiResult<Json<ConsultationView>> {
    let who = &caller.principal;
    Ok(Json(
        consultation::give_opinion(&state.app, who, id, &input, &caller.meta).await?,
    ))
}

/// The sessions a request was on the agenda of, with their decisions.
#[utoipa::path(get, path = "/api/v1/requests/{receipt}/clinic", tag = "requests",
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 200, body = Vec<AgendaItemView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_agenda(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
) -> ApiResult<Json<Vec<AgendaItemView>>> {
    Ok(Json(
        clinic::for_request(&state.app, &caller.principal, &receipt).await?,
    ))
}

/// Puts a request in hand on the agenda of the next 会诊日 (owning department or 效能办).
#[utoipa::path(post, path = "/api/v1/requests/{receipt}/clinic", tag = "requests", request_body = AgendaInput,
    params(("receipt" = String, Path, description = "诉求编号")),
    responses((status = 201, body = AgendaItemView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_on_agenda(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(receipt): Path<String>,
    Json(input): Json<AgendaInput>,
) -> ApiResult<(StatusCode, Json<AgendaItemView>)> {
    let who = &caller.principal;
    let item = clinic::put_on_agenda(&state.app, who, &receipt, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Takes an item off the agenda before the session is recorded, with the reason
/// (`{"reason": …}`); whoever may put it on may take it off.
#[utoipa::path(post, path = "/api/v1/clinic-agenda/{id}/withdraw", tag = "requests", request_body = AgendaInput,
    params(("id" = i64, Path, description = "议程编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<AgendaInput>,
) -> ApiResult<StatusCode> {
    clinic::withdraw_from_agenda(&state.app, &caller.principal, id, &input, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The day of the month, the next session's date and every session.
#[utoipa::path(get, path = "/api/v1/clinic-days", tag = "requests",
    responses((status = 200, body = ClinicOverview), (status = 403, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<ClinicOverview>> {
    Ok(Json(clinic::overview(&state.app, &caller.principal).await?))
}

#[utoipa::path(get, path = "/api/v1/clinic-days/{id}", tag = "requests",
    params(("id" = i64, Path)),
    responses((status = 200, body = ClinicDayView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ClinicDayView>> {
    Ok(Json(clinic::get(&state.app, &caller.principal, id).await?))
}

/// Attendance and minutes of a held session (效能办 or a department lead).
#[utoipa::path(put, path = "/api/v1/clinic-days/{id}/record", tag = "requests", request_body = RecordInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = ClinicDayView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<RecordInput>,
) -> ApiResult<Json<ClinicDayView>> {
    let who = &caller.principal;
    Ok(Json(
        clinic::record(&state.app, who, id, &input, &caller.meta).await?,
    ))
}

/// A decision on an agenda item: a responsible department, a due date and a clock.
#[utoipa::path(post, path = "/api/v1/clinic-days/{id}/decisions", tag = "requests", request_body = DecisionInput,
    params(("id" = i64, Path)),
    responses((status = 201, body = ClinicDayView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<DecisionInput>,
) -> ApiResult<(StatusCode, Json<ClinicDayView>)> {
    let who = &caller.principal;
    let shown = clinic::decide(&state.app, who, id, &input, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The responsible department reports a decision done; its clock stops.
#[utoipa::path(post, path = "/api/v1/clinic-decisions/{id}/done", tag = "requests", request_body = DoneInput,
    params(("id" = i64, Path)),
    responses((status = 200, body = DecisionView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn done(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<DoneInput>,
) -> ApiResult<Json<DecisionView>> {
    let who = &caller.principal;
    Ok(Json(
        clinic::report_done(&state.app, who, id, &input, &caller.meta).await?,
    ))
}

/// The administrator sets the day of the month of the 会诊日 (1–28).
#[utoipa::path(put, path = "/api/v1/admin/clinic-day", tag = "requests", request_body = ClinicDayInput,
    responses((status = 200, body = ClinicOverview), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_day(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(input): Json<ClinicDayInput>,
) -> ApiResult<Json<ClinicOverview>> {
    let who = &caller.principal;
    Ok(Json(
        clinic::set_day_of_month(&state.app, who, &input, &caller.meta).await?,
    ))
}
