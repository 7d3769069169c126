//! The scene's pages: the enterprise's projects (phone first) with the registration form, one
//! project with its matters stage by stage, and the department's cases with their forms. The
//! use cases decide; a form shown to someone who may not use it is refused like the API would.

mod cases;
mod dashboard;
mod entrustments;
mod licences;
mod notices;
mod projects;
mod reviews;

use axum::Router;
use axum::routing::{get, post};
use qinqing_kernel::web::AppState;

/// The last minute before a deadline (which falls at the end of a day: 00:00 of the next),
/// Beijing time, as people read it.
pub(crate) fn last_minute(at: &chrono::DateTime<chrono::Utc>) -> String {
    let before = *at - chrono::Duration::seconds(1);
    qinqing_kernel::web::pages::beijing(&before, "%Y-%m-%d %H:%M")
}

/// The routes of the scene's pages and forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(projects::list).post(projects::register))
        .route("/projects/{code}", get(projects::page))
        .route("/projects/{code}/stage-cases", post(projects::apply_stage))
        .route("/projects/{code}/vault", post(projects::file_in_vault))
        .route("/construction-cases", get(cases::queue))
        .route("/construction/dashboard", get(dashboard::page))
        .route(
            "/construction/entrustments",
            get(entrustments::list).post(entrustments::entrust),
        )
        .route("/construction-cases/{receipt}", get(cases::page))
        .route("/construction-cases/{receipt}/accept", post(cases::accept))
        .route(
            "/construction-cases/{receipt}/accept-tolerating",
            post(cases::accept_tolerating),
        )
        .route("/construction-cases/{receipt}/supply", post(cases::supply))
        .route(
            "/construction-cases/{receipt}/payment",
            post(cases::record_payment),
        )
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
        .route("/construction-cases/{receipt}/reviews", post(reviews::draw))
        .route(
            "/expert-reviews/{secret}",
            get(reviews::seat).post(reviews::answer),
        )
        .route(
            "/construction/experts",
            get(reviews::pool).post(reviews::add),
        )
        .route("/notices", get(notices::list))
        .route("/notices/{code}", get(notices::page))
        .route("/notices/{code}/objections", post(notices::object))
        .route(
            "/notices/{code}/objections/{id}/answer",
            post(notices::answer),
        )
}
