//! The supervision cockpit's feed: every clock of every scene by department or town.

use crate::cockpit::{self, By, CellQuery, Cockpit, ListedClock, Sort};
use crate::web::AppState;
use crate::web::error::{ApiResult, ErrorBody};
use crate::web::session::ApiUser;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file's handlers; each path is written once, in its handler's annotation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(clocks))
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
