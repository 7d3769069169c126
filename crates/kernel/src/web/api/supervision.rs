//! The supervision cockpit's feed: every clock of every scene by department or town.

use crate::cockpit::{self, By, CellQuery, Cockpit, ListedClock, Sort};
use crate::flags::{self, Flags};
use crate::monthly_report::{self, MonthlyReport};
use crate::scorecard::{self, Scorecard, Weights};
use crate::supervision::{self, IssueRequest, OrderView, Oversight, Review};
use crate::web::AppState;
use crate::web::api::admin::Created;
use crate::web::error::{ApiResult, ErrorBody};
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(clocks))
        .routes(routes!(issue))
        .routes(routes!(order))
        .routes(routes!(answer))
        .routes(routes!(review))
        .routes(routes!(oversight))
        .routes(routes!(flagged))
        .routes(routes!(scorecard_report))
        .routes(routes!(monthly_report))
        .routes(routes!(scorecard_weights))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CockpitQuery {
    /// Rows by department (default) or by town.
    #[serde(default)]
    pub by: By,
    /// Row order: overdue (default), on_time, delay, open.
    #[serde(default)]
    pub sort: Sort,
}

/// Open, due-soon and overdue clocks, the longest delay and the on-time rate of the last twelve
/// months, per department (or town) and scene, with the monthly trend.
#[utoipa::path(get, path = "/api/v1/supervision/cockpit", tag = "deadlines", params(CockpitQuery),
    responses((status = 200, body = Cockpit), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<CockpitQuery>,
) -> ApiResult<Json<Cockpit>> {
    Ok(Json(
        cockpit::cockpit(&state.app, &caller.principal, q.by, q.sort).await?,
    ))
}

/// The clocks behind one cell of the cockpit, the most urgent first (at most 200).
#[utoipa::path(get, path = "/api/v1/supervision/clocks", tag = "deadlines", params(CellQuery),
    responses((status = 200, body = Vec<ListedClock>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn clocks(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<CellQuery>,
) -> ApiResult<Json<Vec<ListedClock>>> {
    Ok(Json(
        cockpit::clocks(&state.app, &caller.principal, &q).await?,
    ))
}

/// Issues a 督办 order on an overdue or warned clock (效能办 or 纪检, within their scope): the
/// department answering for it is told, and the order runs on its own clock.
#[utoipa::path(post, path = "/api/v1/supervision/orders", tag = "deadlines", request_body = IssueRequest,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(req): Json<IssueRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = supervision::issue(&state.app, &caller.principal, &req, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One 督办 order, for the department answering it and the supervisors over its region.
#[utoipa::path(get, path = "/api/v1/supervision/orders/{id}", tag = "deadlines", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        supervision::order(&state.app, &caller.principal, id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// 办理结果 (at most 500 characters).
    pub result: String,
}

/// The department's result (its handlers or lead), which stops the order's clock.
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/answer", tag = "deadlines",
    params(("id" = i64, Path)), request_body = AnswerRequest,
    responses((status = 204, description = "已报送"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(req): Json<AnswerRequest>,
) -> ApiResult<StatusCode> {
    supervision::answer(&state.app, &caller.principal, id, &req.result, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The supervisor accepts the result (`{"decision": "accept"}`, 办结) or sends it back
/// (`{"decision": "send_back", "reason": …, "days": …}`, 退回, with a fresh clock).
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/review", tag = "deadlines",
    params(("id" = i64, Path)), request_body = Review,
    responses((status = 204, description = "已办结或已退回"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(req): Json<Review>,
) -> ApiResult<StatusCode> {
    supervision::review(&state.app, &caller.principal, id, &req, &caller.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 监督的再监督 over every scene: warnings nobody acted on or nobody could be told of,
/// escalations to 纪检 and what 纪检 did, 督办 orders without an accepted result.
#[utoipa::path(get, path = "/api/v1/supervision/oversight", tag = "deadlines",
    responses((status = 200, body = Oversight), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn oversight(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Oversight>> {
    Ok(Json(
        supervision::oversight(&state.app, &caller.principal).await?,
    ))
}

/// 数智监督 (纪检, administrator): what each rule flagged in the last 90 days over the caller's
/// scope, each flag with its reason and the people it names. Flags are read, never acted on.
#[utoipa::path(get, path = "/api/v1/supervision/flags", tag = "deadlines",
    responses((status = 200, body = Flags), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn flagged(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<Flags>> {
    Ok(Json(flags::flags(&state.app, &caller.principal).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// A year (`2026`) or a month (`2026-11`); the current year when absent.
    pub period: Option<String>,
    /// json (default), csv (the ranking) or xlsx (the ranking and the weights).
    pub format: Option<String>,
}

/// 部门评分: every department's on-time rate over every scene's clocks, its 好评率 and its
/// commitments kept in the period, and the weighted score, the best first (supervising offices,
/// department leads, the administrator).
#[utoipa::path(get, path = "/api/v1/supervision/scorecard", tag = "deadlines", params(ScorecardQuery),
    responses((status = 200, body = Scorecard), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scorecard_report(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ScorecardQuery>,
) -> ApiResult<axum::response::Response> {
    let s = scorecard::scorecard(&state.app, &caller.principal, q.period.as_deref()).await?;
    let name = format!("scorecard-{}", s.period);
    crate::web::download::report_download(s, scorecard::tables, q.format.as_deref(), &name)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyReportQuery {
    /// A month (`2026-11`); the last full month when absent.
    pub month: Option<String>,
    /// json (default), pdf (to print) or xlsx (one sheet per part).
    pub format: Option<String>,
}

/// 月度报告 for the 会诊日 and the leadership: the month's figures, each department's on-time
/// rate, twelve months of trend, what is open and overdue by department and scene, the most
/// overdue items and the departments ranked (supervising offices, department leads, the
/// administrator).
#[utoipa::path(get, path = "/api/v1/supervision/monthly-report", tag = "deadlines",
    params(MonthlyReportQuery),
    responses((status = 200, content(
                  (MonthlyReport = "application/json"),
                  (Vec<u8> = "application/pdf"),
                  (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn monthly_report(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<MonthlyReportQuery>,
) -> ApiResult<axum::response::Response> {
    use crate::web::download::{attachment, xlsx_download};
    use axum::response::IntoResponse;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "pdf" | "xlsx") {
        let message = format!("不支持的格式“{format}”,应为 pdf、xlsx 或 json");
        return Err(crate::AppError::invalid("format", message).into());
    }
    let r =
        monthly_report::monthly_report(&state.app, &caller.principal, q.month.as_deref()).await?;
    let name = format!("monthly-report-{}", r.month);
    match format {
        "pdf" => {
            let bytes = qinqing_exchange::pdf::write(&monthly_report::document(&r));
            Ok(attachment(&format!("{name}.pdf"), "application/pdf", bytes))
        }
        "xlsx" => xlsx_download(&format!("{name}.xlsx"), &monthly_report::tables(&r)),
        _ => Ok(Json(r).into_response()),
    }
}

/// Sets what the measures weigh in the score (administrator); recorded in the trail.
#[utoipa::path(put, path = "/api/v1/supervision/scorecard/weights", tag = "deadlines",
    request_body = Weights,
    responses((status = 200, body = Weights), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scorecard_weights(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(req): Json<Weights>,
) -> ApiResult<Json<Weights>> {
    let set = scorecard::set_weights(&state.app, &caller.principal, &req, &caller.meta).await?;
    Ok(Json(set))
}
