//! Time limits and graded warnings.

use crate::AppError;
use crate::deadlines::{self, ClockAction, DeadlineView, WarningRules, WarningView};
use crate::listing::{Paged, QueueQuery, Tab};
use crate::web::AppState;
use crate::web::error::{ApiError, ApiResult};
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine))
        .routes(routes!(act))
        .routes(routes!(for_object))
        .routes(routes!(control))
        .routes(routes!(rules, replace_rules))
}

/// One page of the fired warnings (last 90 days) addressed to the caller's role within their
/// scope, newest first: a tab (all unless asked; mine: not yet acted on; overdue: the clock runs
/// past its due time) and a search in what they are about.
#[utoipa::path(get, path = "/api/v1/warnings", tag = "deadlines", params(QueueQuery),
    responses((status = 200, description = "发给我的预警:total、page、per_page、items"),
              (status = 401, body = crate::web::error::ErrorBody),
              (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(page): Query<QueueQuery>,
) -> ApiResult<Json<Paged<WarningView>>> {
    let page = page.read(Tab::All)?;
    Ok(Json(
        deadlines::warning_queue(&state.app, &caller.principal, &page).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ActRequest {
    /// What was done (督办情况 / 处理情况).
    pub note: String,
}

/// Acts on a fired warning; acting on a 催告 stops its escalation to 纪检.
#[utoipa::path(post, path = "/api/v1/warnings/{id}/act", tag = "deadlines", params(("id" = i64, Path)),
    request_body = ActRequest,
    responses((status = 204, description = "已处理"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 409, body = crate::web::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
    Json(req): Json<ActRequest>,
) -> ApiResult<axum::http::StatusCode> {
    deadlines::act(&state.app, &caller.principal, id, &req.note, &caller.meta).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectQuery {
    object_type: Option<String>,
    object_id: Option<String>,
}

/// The clocks on an object, with their warnings.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "deadlines", params(ObjectQuery),
    responses((status = 200, description = "时限列表"), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn for_object(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Query(q): Query<ObjectQuery>,
) -> ApiResult<Json<Vec<DeadlineView>>> {
    let (Some(object_type), Some(object_id)) = (q.object_type, q.object_id) else {
        return Err(ApiError(AppError::invalid(
            "object_id",
            "须给出 object_type 和 object_id",
        )));
    };
    Ok(Json(
        deadlines::for_object(&state.app, &caller.principal, &object_type, &object_id).await?,
    ))
}

/// Pauses (补正), resumes or stops (办结) a clock: `action` is pause, resume or stop.
#[utoipa::path(post, path = "/api/v1/deadlines/{id}/{action}", tag = "deadlines",
    params(("id" = i64, Path), ("action" = String, Path, description = "pause | resume | stop")),
    responses((status = 200, description = "更新后的时限"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 409, body = crate::web::error::ErrorBody)))]
pub async fn control(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id, action)): Path<(i64, String)>,
) -> ApiResult<Json<DeadlineView>> {
    let action = match action.as_str() {
        "pause" => ClockAction::Pause,
        "resume" => ClockAction::Resume,
        "stop" => ClockAction::Stop,
        _ => {
            return Err(ApiError(AppError::invalid(
                "action",
                "操作应为 pause、resume 或 stop",
            )));
        }
    };
    Ok(Json(
        deadlines::control(&state.app, &caller.principal, id, action, &caller.meta).await?,
    ))
}

/// The warning rules by kind of deadline ("default" for the rest): hours before the limit for
/// the reminder, hours after it for the demand, hours after the demand for escalation to 纪检.
#[utoipa::path(get, path = "/api/v1/admin/warning-rules", tag = "deadlines",
    responses((status = 200, description = "{kind: {reminder_hours_before, demand_hours_after, escalate_hours_after_demand}}"),
              (status = 403, description = "只有平台管理员可以查看", body = crate::web::error::ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> ApiResult<Json<WarningRules>> {
    Ok(Json(
        deadlines::rules_in_force(&state.app, &caller.principal).await?,
    ))
}

/// Replaces the warning rules (administrator); clocks scheduled from now on follow them.
#[utoipa::path(put, path = "/api/v1/admin/warning-rules", tag = "deadlines",
    request_body(content = Object, description = "{kind: {reminder_hours_before, demand_hours_after, escalate_hours_after_demand}}"),
    responses((status = 204, description = "已更新"), (status = 403, body = crate::web::error::ErrorBody),
              (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn replace_rules(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Json(rules): Json<WarningRules>,
) -> ApiResult<axum::http::StatusCode> {
    deadlines::replace_warning_rules(&state.app, &caller.principal, &rules, &caller.meta).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
