//! The scene's pages: the enterprise's projects (phone first) with the registration form, one
//! project with its matters stage by stage, and the department's cases with their forms. The
//! use cases decide; a form shown to someone who may not use it is refused like the API would.

mod cases;
mod licences;
mod notices;
mod projects;

use axum::Router;
use axum::routing::{get, post};
use qinqing_kernel::web::AppState;

/// The routes of the scene's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects::list).post(projects::register))
        .route("/projects/{code}", get(projects::page))
        .route("/projects/{code}/cases", post(projects::apply))
        .route("/construction-cases", get(cases::queue))
        .route("/construction-cases/{receipt}", get(cases::page))
        .route("/construction-cases/{receipt}/accept", post(cases::accept))
        .route(
            "/construction-cases/{receipt}/decision",
            post(cases::decide),
        )
        .route(
            "/construction-cases/{receipt}/surveys",
            post(cases::appoint_survey),
        )
        .route(
            "/construction-cases/{receipt}/surveys/{id}/check-in",
            post(cases::check_in),
        )
        .route(
            "/construction-cases/{receipt}/notice",
            post(notices::publish),
        )
        .route("/licences/{no}", get(licences::check))
        .route("/notices", get(notices::list))
        .route("/notices/{code}", get(notices::page))
        .route("/notices/{code}/objections", post(notices::object))
        .route(
            "/notices/{code}/objections/{id}/answer",
            post(notices::answer),
        )
}
